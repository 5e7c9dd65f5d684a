package postgres

import (
	"context"

	"github.com/posguard/posguard/sqlstore"
)

// groupTx is the store's committer as the core sees it (Store.Group): it
// also runs the core's writes (the QR engine's) in the shared transactions
// beside the journal's (sqlstore.TxGroup), sends the one-statement ones
// pipelined with the batch's other statements (sqlstore.StmtGroup), and
// appends the requests' audit records of a batch at its end (a batch's
// savepointTx is a sqlstore.AuditDeferrer). pgx caches each statement
// prepared on the connection.
type groupTx struct{ *committer }

// DoTx implements sqlstore.TxGroup.
func (g groupTx) DoTx(ctx context.Context, name string, f func(ctx context.Context, q sqlstore.Querier) error) error {
	return g.Do(ctx, name, f)
}

// DoStmt implements sqlstore.StmtGroup: st travels in the batch's pipeline
// (pipeline.go); a write without one (st nil) runs as DoTx runs it.
func (g groupTx) DoStmt(ctx context.Context, name string, st *sqlstore.Stmt, f func(ctx context.Context, q sqlstore.Querier) error) error {
	if st == nil {
		return g.Do(ctx, name, f)
	}
	return g.committer.DoStmt(ctx, name, st, f)
}

// TurnSQL implements sqlstore.TurnTaker.
func (groupTx) TurnSQL() string { return batchTurnSQL }
