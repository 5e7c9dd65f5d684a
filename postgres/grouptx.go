package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/sqlstore"
)

// groupTx is the store's committer as the core sees it (Store.Group): it
// also runs the core's writes (the QR engine's) in the shared transactions
// beside the journal's (sqlstore.TxGroup), sends the one-statement ones
// pipelined with the batch's other statements (sqlstore.StmtGroup), and
// appends the requests' audit records of a batch at its end
// (sqlstore.AuditDeferrer). pgx caches each statement prepared on the
// connection.
type groupTx struct{ *committer }

// DoTx implements sqlstore.TxGroup.
func (g groupTx) DoTx(ctx context.Context, name string, f func(ctx context.Context, q sqlstore.Querier) error) error {
	return g.Do(ctx, name, func(ctx context.Context, tx pgx.Tx) error { return f(ctx, coreQuerier(tx)) })
}

// DoStmt implements sqlstore.StmtGroup: st travels in the batch's pipeline
// (pipeline.go); a write without one (st nil) runs as DoTx runs it.
func (g groupTx) DoStmt(ctx context.Context, name string, st *sqlstore.Stmt, f func(ctx context.Context, q sqlstore.Querier) error) error {
	w := func(ctx context.Context, tx pgx.Tx) error { return f(ctx, coreQuerier(tx)) }
	if st == nil {
		return g.Do(ctx, name, w)
	}
	return g.committer.DoStmt(ctx, name, st, w)
}

// coreQuerier is tx as the core's writes see it: inside a batch, one that
// defers the audit records to the batch's end.
func coreQuerier(tx pgx.Tx) sqlstore.Querier {
	if sp, ok := tx.(*savepointTx); ok {
		return batchQuerier{pgQ[pgx.Tx]{tx}, sp}
	}
	return pgQ[pgx.Tx]{tx}
}

// batchQuerier is a shared transaction as a core write sees it.
type batchQuerier struct {
	pgQ[pgx.Tx]
	sp *savepointTx
}

// DeferAudit implements sqlstore.AuditDeferrer.
func (q batchQuerier) DeferAudit(rec *posguard.AuditRecord) { q.sp.DeferAudit(rec) }

// DeferAudit implements sqlstore.AuditDeferrer: rec is appended when the
// batch commits (batchTx.Commit).
func (t *savepointTx) DeferAudit(rec *posguard.AuditRecord) { t.audits = append(t.audits, rec) }

// TurnSQL implements sqlstore.TurnTaker.
func (groupTx) TurnSQL() string { return batchTurnSQL }
