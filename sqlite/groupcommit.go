package sqlite

import (
	"context"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/internal/groupcommit"
	"github.com/posguard/posguard/sqlstore"
)

// Group commit: journal and reversal-queue writes (Insert, Update,
// CompleteReversal, ReversalAttempted) and the core's other grouped writes
// (the QR engine's) from many goroutines share one database transaction on
// the writer and so one fsync (see internal/groupcommit for the batching and
// sqlstore.Group). Each write runs inside its own SAVEPOINT, so a failing
// write is rolled back alone and the others go on. A caller returns only
// after its own write is durable (synchronous=FULL), exactly as without
// grouping.
//
// The writes' statements, like the savepoints', are prepared as in the
// writer's own transactions (sqlstore.SQLConn.Tx): a query first met inside
// a batch is prepared in that batch's transaction for the rest of the
// batch, and on the writer (outside any batch, once the connection is free)
// for every later one.

// begin opens a shared transaction on the writer.
func (s *Store) begin(ctx context.Context) (groupcommit.Batch[sqlstore.Querier], error) {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	return &batchTx{SQLTx: s.writeC.Tx(tx), s: s}, nil
}

// batchTx is one shared transaction of the committer, and the Querier its
// writes run on.
type batchTx struct {
	sqlstore.SQLTx
	s *Store
	// audits are the requests' audit records of the batch's writes,
	// appended just before it commits.
	audits []*posguard.AuditRecord
}

// DeferAudit implements sqlstore.AuditDeferrer: inside a batch the writes
// hand their requests' audit records to it, and it appends them all just
// before it commits, reading and moving the audit head once instead of
// once per record. A write run on its own (grouping off) appends its
// record itself.
func (b *batchTx) DeferAudit(rec *posguard.AuditRecord) { b.audits = append(b.audits, rec) }

// Run runs w in a savepoint of the transaction, rolling back to it when w
// fails; ok is false when the savepoint machinery itself failed.
func (b *batchTx) Run(ctx context.Context, w groupcommit.Write[sqlstore.Querier]) (ok bool, err error) {
	if _, err := b.Exec(ctx, "SAVEPOINT grp"); err != nil {
		return false, err
	}
	if err = w(ctx, b); err != nil {
		if _, rerr := b.Exec(ctx, "ROLLBACK TO grp"); rerr != nil {
			return false, err
		}
	}
	if _, rerr := b.Exec(ctx, "RELEASE grp"); rerr != nil {
		return false, err
	}
	return true, err
}

// Commit appends the batch's audit records, in the order their writes ran,
// and commits the shared transaction. The records are chained after the
// head the last batch left when the committer remembers it
// (sqlstore.RememberedHead): the process holds the file alone (Lock) and
// writes through its one writer, so that head is the head unless the
// process appended on its own since, which the head counts. The head's
// move still checks it; a head moved behind the process's back (another
// handle on the file) is refused, and the batch runs again reading it
// (ErrRunAgain). One writer has nobody to take turns with: the batch after
// a refusal remembers the head again.
func (b *batchTx) Commit(ctx context.Context) error {
	if len(b.audits) == 0 {
		return b.Tx.Commit()
	}
	h, last := &b.s.head, b.audits[len(b.audits)-1]
	if seq, hash, at, ok := h.Get(b.s.DB); ok {
		if err := b.s.AppendBatchAuditsAfter(ctx, b, seq, hash, b.audits); err != nil {
			h.Forget(true, 0)
			b.Tx.Rollback()
			return groupcommit.ErrRunAgain
		}
		if err := b.Tx.Commit(); err != nil {
			h.Forget(false, 0)
			return err
		}
		h.Remember(last.ID, last.Hash, at)
		return nil
	}
	at := b.s.DB.AuditAppends()
	if err := b.s.AppendBatchAudits(ctx, b, b.audits); err != nil {
		b.Tx.Rollback()
		return err
	}
	if err := b.Tx.Commit(); err != nil {
		h.Forget(false, 0)
		return err
	}
	h.Remember(last.ID, last.Hash, at+1) // this append's own counted
	return nil
}

// Rollback abandons the shared transaction.
func (b *batchTx) Rollback(context.Context) { b.Tx.Rollback() }
