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
	ForUpdate:  " FOR UPDATE",
	SkipLocked: " FOR UPDATE SKIP LOCKED",
	Greatest:   "greatest",
	TimeArg:    sqlstore.NativeTime,
	Classify:   pgCode,
}

// poolConn is the store's pool as a sqlstore.Conn.
type poolConn struct{ pool *pgxpool.Pool }

// Exec implements sqlstore.Querier.
func (c poolConn) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	return execOn(ctx, c.pool, q, args)
}

// Query implements sqlstore.Querier.
func (c poolConn) Query(ctx context.Context, q string, args ...any) (sqlstore.Rows, error) {
	return queryOn(ctx, c.pool, q, args)
}

// QueryRow implements sqlstore.Querier.
func (c poolConn) QueryRow(ctx context.Context, q string, args ...any) sqlstore.Row {
	return row{c.pool.QueryRow(ctx, q, args...)}
}

// Begin implements sqlstore.Conn.
func (c poolConn) Begin(ctx context.Context) (sqlstore.TxConn, error) {
	tx, err := c.pool.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return txConn{tx}, nil
}

// txConn is a pgx transaction as a sqlstore.TxConn.
type txConn struct{ tx pgx.Tx }

// Exec implements sqlstore.Querier.
func (c txConn) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	return execOn(ctx, c.tx, q, args)
}

// Query implements sqlstore.Querier.
func (c txConn) Query(ctx context.Context, q string, args ...any) (sqlstore.Rows, error) {
	return queryOn(ctx, c.tx, q, args)
}

// QueryRow implements sqlstore.Querier.
func (c txConn) QueryRow(ctx context.Context, q string, args ...any) sqlstore.Row {
	return row{c.tx.QueryRow(ctx, q, args...)}
}

// Commit implements sqlstore.TxConn.
func (c txConn) Commit(ctx context.Context) error { return c.tx.Commit(ctx) }

// Rollback implements sqlstore.TxConn.
func (c txConn) Rollback(ctx context.Context) error { return c.tx.Rollback(ctx) }

func execOn(ctx context.Context, q querier, sql string, args []any) (int64, error) {
	tag, err := q.Exec(ctx, sql, args...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

func queryOn(ctx context.Context, q querier, sql string, args []any) (sqlstore.Rows, error) {
	r, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return rows{r}, nil
}

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
