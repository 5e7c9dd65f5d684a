package postgres

import (
	"cmp"
	"context"

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

// beginBatch opens a shared transaction on a pooled connection, with the
// first savepoint queued.
func (s *Store) beginBatch(ctx context.Context) (groupcommit.Batch[sqlstore.Querier], error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return &savepointTx{s: s, tx: tx, pending: []string{batchTurnSQL, setSavepointSQL}}, nil
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
		_, rerr := sp.tx.Exec(ctx, rollbackSavepointSQL)
		return rerr == nil, err
	}
	sp.pending = append(sp.pending[:0], releaseSavepointSQL, setSavepointSQL)
	return true, nil
}

// Commit appends the batch's audit records (the audit head is the last
// lock the batch takes) and commits the shared transaction.
func (sp *savepointTx) Commit(ctx context.Context) error {
	if err := sp.s.AppendBatchAudits(ctx, sp, sp.audits); err != nil {
		sp.tx.Rollback(ctx)
		return err
	}
	return sp.tx.Commit(ctx)
}

// Rollback abandons the shared transaction.
func (sp *savepointTx) Rollback(ctx context.Context) { sp.tx.Rollback(ctx) }
