package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/posguard/posguard/sqlstore"
)

// The core (sqlstore) runs on pgx directly, not through database/sql: the
// pool and its transactions are a sqlstore.Conn and sqlstore.TxConns here.

// dialect is PostgreSQL's: $n placeholders, times as timestamptz (NULL for
// the zero time; migration 0007 made the ledger's so too), row locks for
// read-then-write.
var dialect = &sqlstore.Dialect{
	Name:       "postgres",
	Dollar:     true,
	Arrays:     true,
	ForUpdate:  " FOR UPDATE",
	SkipLocked: " FOR UPDATE SKIP LOCKED",
	Greatest:   "greatest",
	WithWrites: true,
	TimeArg:    sqlstore.NativeTime,
	Classify:   pgCode,
}

// pgQ is a pgx pool or transaction as a sqlstore.Querier.
type pgQ[Q querier] struct{ q Q }

// Exec implements sqlstore.Querier.
func (c pgQ[Q]) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	tag, err := c.q.Exec(ctx, sql, args...)
	return tag.RowsAffected(), err
}

// Query implements sqlstore.Querier.
func (c pgQ[Q]) Query(ctx context.Context, sql string, args ...any) (sqlstore.Rows, error) {
	r, err := c.q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return rows{r}, nil
}

// QueryRow implements sqlstore.Querier.
func (c pgQ[Q]) QueryRow(ctx context.Context, sql string, args ...any) sqlstore.Row {
	return row{c.q.QueryRow(ctx, sql, args...)}
}

// poolConn is the store's pool as a sqlstore.Conn.
type poolConn struct{ pgQ[*pgxpool.Pool] }

// Begin implements sqlstore.Conn.
func (c poolConn) Begin(ctx context.Context) (sqlstore.TxConn, error) {
	tx, err := c.q.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return txConn{pgQ[pgx.Tx]{tx}}, nil
}

// txConn is a pgx transaction as a sqlstore.TxConn.
type txConn struct{ pgQ[pgx.Tx] }

// Commit implements sqlstore.TxConn.
func (c txConn) Commit(ctx context.Context) error { return c.q.Commit(ctx) }

// Rollback implements sqlstore.TxConn.
func (c txConn) Rollback(ctx context.Context) error { return c.q.Rollback(ctx) }

// row translates pgx.ErrNoRows to sqlstore.ErrNoRows.
type row struct{ r pgx.Row }

// Scan implements sqlstore.Row.
func (r row) Scan(dest ...any) error {
	err := r.r.Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return sqlstore.ErrNoRows
	}
	return err
}

// rows adapts pgx.Rows, whose Close returns nothing.
type rows struct{ pgx.Rows }

// Close implements sqlstore.Rows.
func (r rows) Close() error {
	r.Rows.Close()
	return r.Rows.Err()
}
