package postgres

import (
	"cmp"
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/posguard/posguard/internal/groupcommit"
	"github.com/posguard/posguard/sqlstore"
)

// Group commit: journal and reversal-queue writes (Insert, Update,
// CompleteReversal, ReversalAttempted) from many goroutines share one
// database transaction and so one commit (see internal/groupcommit for the
// batching). Each write runs inside its own savepoint (pipelined with the
// write's statement, see savepoint.go), so a failing write is rolled back
// alone and the others go on. A caller returns only after its own write is
// durable (a normal PostgreSQL commit), exactly as without grouping. One
// committer (one connection) runs the batches, so two batches never wait on
// each other's row locks.

// beginBatch takes a pooled connection for a shared transaction, with its
// BEGIN, its turn and its first savepoint queued to go with its first write.
func (s *Store) beginBatch(ctx context.Context) (groupcommit.Batch[sqlstore.Querier], error) {
	c, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	return &savepointTx{s: s, c: c, pending: []string{beginSQL, batchTurnSQL, setSavepointSQL}}, nil
}

// batchTurnSQL makes the batches of every instance sharing the database
// (and schema) take turns: it is the first statement of every shared
// transaction (sent with its first write, no round trip of its own), and
// the transaction holds it until it ends. A batch therefore never waits on
// a row lock held by another instance's batch, and the batches of two
// instances cannot deadlock whatever rows they touch and in whatever order
// (docs/qr.md, "Restarts and several instances"). The key is per schema, so
// that unrelated schemas of one database (tests) do not wait on each other.
const batchTurnSQL = `SELECT pg_advisory_xact_lock(1886352232, hashtext(current_schema()))`

// Run runs w in a savepoint of the shared transaction, rolling back to it
// when w fails (see savepoint.go: the savepoint statements travel with w's
// first statement). ok is false when the savepoint machinery itself failed.
func (sp *savepointTx) Run(ctx context.Context, w groupcommit.Write[sqlstore.Querier]) (ok bool, err error) {
	sp.sent = false
	err = w(ctx, sp)
	switch {
	case sp.broken != nil:
		return false, cmp.Or(err, sp.broken)
	case !sp.sent:
		return true, err // w sent nothing: the savepoint statements stay queued
	case err != nil:
		// grp marks the state before w and stays in place.
		_, rerr := sp.c.Exec(ctx, rollbackSavepointSQL)
		return rerr == nil, err
	}
	sp.pending = append(sp.pending[:0], releaseSavepointSQL, setSavepointSQL)
	return true, nil
}

// Commit appends the batch's audit records (the audit head is the last
// lock the batch takes) and commits the shared transaction, then gives its
// connection back. With the audit head remembered from the last batch, the
// records, the head's move and COMMIT go in one round trip (audithead.go);
// ErrRunAgain when the database refused that head.
func (sp *savepointTx) Commit(ctx context.Context) error {
	defer sp.c.Release()
	if !sp.open {
		return nil // nothing was sent: nothing to commit
	}
	if len(sp.audits) > 0 {
		if ch, at, ok := sp.s.chainAfterHead(sp.s.NowUTC(), sp.audits); ok {
			return sp.commitChained(ctx, ch, at)
		}
		at := sp.s.DB.AuditAppends()
		if err := sp.s.AppendBatchAudits(ctx, sp, sp.audits); err != nil {
			sp.rollback(ctx)
			return err
		}
		if err := sp.commit(ctx); err != nil {
			return err
		}
		last := sp.audits[len(sp.audits)-1]
		sp.s.head.Remember(last.ID, last.Hash, at+1)
		return nil
	}
	return sp.commit(ctx)
}

// commit sends COMMIT; a transaction that had failed answers it with a
// rollback, reported as pgx reports it.
func (sp *savepointTx) commit(ctx context.Context) error {
	tag, err := sp.c.Exec(ctx, commitSQL)
	if err == nil && tag.String() == rollbackSQL {
		err = pgx.ErrTxCommitRollback
	}
	return err
}

// Rollback abandons the shared transaction and gives its connection back.
func (sp *savepointTx) Rollback(ctx context.Context) {
	sp.rollback(ctx)
	sp.c.Release()
}

// rollback abandons the shared transaction, if it was opened. A
// connection left in a transaction (the ROLLBACK failed) is closed by the
// pool when it is given back.
func (sp *savepointTx) rollback(ctx context.Context) {
	if sp.open {
		sp.c.Exec(ctx, rollbackSQL)
		sp.open = false
	}
}
