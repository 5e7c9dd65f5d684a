package sqlstore

import (
	"context"

	"github.com/posguard/posguard"
)

// TxGroup is implemented by a database's group committer (Store.Group) that
// can run the core's own writes in its shared transactions: the QR
// engine's order writes join the card journal's batches this way, so that
// many concurrent orders share one commit. f runs inside the shared
// transaction (in a savepoint of its own, so a failing f is rolled back
// alone) with q speaking the dialect's SQL; DoTx returns once that
// transaction has committed, or f failed, or the commit failed.
type TxGroup interface {
	DoTx(ctx context.Context, name string, f func(ctx context.Context, q Querier) error) error
}

// InGroupTx runs f in a write transaction like DB.InTx, but through the
// database's group committer when it has one (TxGroup): the transaction is
// then shared with other writers and f may run in a batch with them. f must
// use the ctx it is given (the committer's, never cancelled mid-batch, with
// the caller's values) for its statements. A caller returns only once its
// write is durable, exactly as with InTx. As with InTx, a request's audit
// record waiting in ctx (posguard.TxAuditor) is appended after f when f
// wrote, and commits with it. f's error is returned mapped for op.
func (s *Store) InGroupTx(ctx context.Context, op string, f func(ctx context.Context, tx *Tx) error) error {
	g, ok := s.Group.(TxGroup)
	if !ok {
		return s.DB.InTx(ctx, op, func(tx *Tx) error { return f(ctx, tx) })
	}
	// A request's audit record (posguard.TxAuditor in ctx) is appended in
	// f's savepoint, after f, and commits with the shared transaction. A
	// batch run again (see internal/groupcommit) runs f again: the record
	// is still due then, and is appended again.
	a := posguard.TxAuditorOf(ctx)
	var rec *posguard.AuditRecord
	err := g.DoTx(ctx, op, func(wctx context.Context, q Querier) error {
		if a != nil {
			wctx = posguard.WithTxAuditor(wctx, a)
		}
		tx := newTx(s.DB, q)
		err := f(wctx, tx)
		if err == nil {
			rec, err = tx.requestAudit(wctx, a)
		}
		return s.DB.Err(err, op)
	})
	if err == nil && rec != nil {
		a.TxCommitted(rec)
	}
	return err
}
