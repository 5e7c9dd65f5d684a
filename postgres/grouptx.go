package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/posguard/posguard/sqlstore"
)

// groupTx is the store's committer as the core sees it (Store.Group): it
// also runs the core's writes (the QR engine's) in the shared transactions
// beside the journal's (sqlstore.TxGroup). pgx caches each statement
// prepared on the connection.
type groupTx struct{ *committer }

// DoTx implements sqlstore.TxGroup.
func (g groupTx) DoTx(ctx context.Context, name string, f func(ctx context.Context, q sqlstore.Querier) error) error {
	return g.Do(ctx, name, func(ctx context.Context, tx pgx.Tx) error { return f(ctx, pgQ[pgx.Tx]{tx}) })
}
