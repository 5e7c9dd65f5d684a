package postgres

import (
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

// writeFunc is one write, run inside tx. ctx is the committer's context,
// never cancelled mid-batch: interrupting a statement could roll back the
// whole shared transaction.
type writeFunc = groupcommit.Write[sqlstore.Querier]

// committer batches writes on one pooled connection at a time.
type committer = groupcommit.Committer[sqlstore.Querier]

func newCommitter(s *Store) *committer {
	return groupcommit.New(groupcommit.Config[sqlstore.Querier]{
		Prefix:  "postgres",
		Begin:   s.beginBatch,
		Solo:    s.soloTx,
		DBError: dbError,
	})
}

// soloTx runs f in a transaction of its own.
func (s *Store) soloTx(ctx context.Context, name string, f writeFunc) error {
	return s.inTx(ctx, name, func(tx pgx.Tx) error { return f(ctx, pgQ[pgx.Tx]{tx}) })
}

// beginBatch opens a shared transaction on a pooled connection, with the
// first savepoint queued.
func (s *Store) beginBatch(ctx context.Context) (groupcommit.Batch[sqlstore.Querier], error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return &batchTx{s: s, sp: &savepointTx{tx: tx, pending: []string{batchTurnSQL, setSavepointSQL}}}, nil
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

// batchTx is one shared transaction of the committer.
type batchTx struct {
	s  *Store
	sp *savepointTx
}

// Run runs w in a savepoint of the shared transaction, rolling back to it
// when w fails (see savepoint.go: the savepoint statements travel with w's
// first statement). ok is false when the savepoint machinery itself failed.
func (b *batchTx) Run(ctx context.Context, w writeFunc) (ok bool, err error) {
	sp := b.sp
	sp.sent = false
	err = w(ctx, sp)
	if sp.broken != nil {
		if err == nil {
			err = sp.broken
		}
		return false, err
	}
	if !sp.sent {
		// w sent nothing: the savepoint statements stay queued.
		return true, err
	}
	if err != nil {
		// grp marks the state before w and stays in place.
		if _, rerr := sp.tx.Exec(ctx, rollbackSavepointSQL); rerr != nil {
			return false, err
		}
		return true, err
	}
	sp.pending = append(sp.pending[:0], releaseSavepointSQL, setSavepointSQL)
	return true, nil
}

// Commit appends the batch's audit records (the audit head is the last
// lock the batch takes) and commits the shared transaction.
func (b *batchTx) Commit(ctx context.Context) error {
	if len(b.sp.audits) > 0 {
		if err := b.s.AppendBatchAudits(ctx, b.sp, b.sp.audits); err != nil {
			b.sp.tx.Rollback(ctx)
			return err
		}
	}
	return b.sp.tx.Commit(ctx)
}

// Rollback abandons the shared transaction.
func (b *batchTx) Rollback(ctx context.Context) { b.sp.tx.Rollback(ctx) }
