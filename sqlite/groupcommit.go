package sqlite

import (
	"context"
	"database/sql"
	"sync/atomic"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/internal/groupcommit"
	"github.com/posguard/posguard/sqlstore"
)

// Group commit: journal and reversal-queue writes (Insert, Update,
// CompleteReversal, ReversalAttempted) from many goroutines share one
// database transaction and so one fsync (see internal/groupcommit for the
// batching). Each write runs inside its own SAVEPOINT, so a failing write is
// rolled back alone and the others go on. A caller returns only after its own
// write is durable (synchronous=FULL), exactly as without grouping.

// writeFunc is one write, run inside tx. ctx is the committer's context,
// never cancelled mid-batch: interrupting a statement could roll back the
// whole shared transaction.
type writeFunc = groupcommit.Write[*sql.Tx]

// committer batches writes on the single writer connection.
type committer struct {
	*groupcommit.Committer[*sql.Tx]
	s *Store
	// cur is the shared transaction open now (grouptx.go: the core's
	// writes hand it their requests' audit records).
	cur atomic.Pointer[batchTx]
}

func newCommitter(s *Store) *committer {
	c := &committer{s: s}
	c.Committer = groupcommit.New(groupcommit.Config[*sql.Tx]{
		Prefix:  "sqlite",
		Begin:   c.begin,
		Solo:    s.soloTx,
		DBError: dbError,
	})
	return c
}

// soloTx runs f in a transaction of its own.
func (s *Store) soloTx(ctx context.Context, name string, f writeFunc) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return dbError(err, name)
	}
	defer tx.Rollback()
	if err := f(ctx, tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return dbError(err, name+" commit")
	}
	return nil
}

// begin opens a shared transaction on the writer.
func (c *committer) begin(ctx context.Context) (groupcommit.Batch[*sql.Tx], error) {
	tx, err := c.s.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	b := &batchTx{c: c, tx: tx, q: c.s.writeC.Tx(tx)}
	c.cur.Store(b)
	return b, nil
}

// batchTx is one shared transaction of the committer.
type batchTx struct {
	c  *committer
	tx *sql.Tx
	// q is tx as the core's writes and the savepoints see it: statements
	// prepared once on the writer (sqlstore.SQLConn.Tx).
	q sqlstore.SQLTx
	// audits are the requests' audit records of the batch's core writes,
	// appended just before it commits (grouptx.go).
	audits []*posguard.AuditRecord
}

// Run runs w in a savepoint of the transaction, rolling back to it when w
// fails; ok is false when the savepoint machinery itself failed.
func (b *batchTx) Run(ctx context.Context, w writeFunc) (ok bool, err error) {
	if _, err := b.q.Exec(ctx, "SAVEPOINT grp"); err != nil {
		return false, err
	}
	if err = w(ctx, b.tx); err != nil {
		if _, rerr := b.q.Exec(ctx, "ROLLBACK TO grp"); rerr != nil {
			return false, err
		}
	}
	if _, rerr := b.q.Exec(ctx, "RELEASE grp"); rerr != nil {
		return false, err
	}
	return true, err
}

// Commit appends the batch's audit records and commits the shared
// transaction.
func (b *batchTx) Commit(ctx context.Context) error {
	b.c.cur.CompareAndSwap(b, nil)
	if err := b.appendAudits(ctx); err != nil {
		b.tx.Rollback()
		return err
	}
	return b.tx.Commit()
}

// Rollback abandons the shared transaction.
func (b *batchTx) Rollback(context.Context) {
	b.c.cur.CompareAndSwap(b, nil)
	b.tx.Rollback()
}
