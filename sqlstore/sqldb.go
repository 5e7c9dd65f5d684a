package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// sqlRunner is what a database/sql pool and a transaction both offer.
type sqlRunner interface {
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// stmtCache is a Querier over a database/sql pool or transaction that runs
// each query as a statement prepared once and kept, up to max statements
// (past it, or with max 0, queries run unprepared).
type stmtCache struct {
	r   sqlRunner
	max int

	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// stmt returns the prepared statement of query, or nil to run it unprepared.
func (c *stmtCache) stmt(ctx context.Context, query string) *sql.Stmt {
	if c.max == 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[query]; ok {
		return st
	}
	if len(c.m) >= c.max {
		return nil
	}
	st, err := c.r.PrepareContext(ctx, query)
	if err != nil {
		return nil // the unprepared call reports the error
	}
	if c.m == nil {
		c.m = map[string]*sql.Stmt{}
	}
	c.m[query] = st
	return st
}

// Exec implements Querier.
func (c *stmtCache) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	var res sql.Result
	var err error
	if st := c.stmt(ctx, query); st != nil {
		res, err = st.ExecContext(ctx, args...)
	} else {
		res, err = c.r.ExecContext(ctx, query, args...)
	}
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// Query implements Querier.
func (c *stmtCache) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	if st := c.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return c.r.QueryContext(ctx, query, args...)
}

// QueryRow implements Querier.
func (c *stmtCache) QueryRow(ctx context.Context, query string, args ...any) Row {
	if st := c.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return c.r.QueryRowContext(ctx, query, args...)
}

// SQLConn is a Conn over a database/sql pool.
type SQLConn struct {
	db *sql.DB
	*stmtCache
}

// maxPrepared bounds the statements an SQLConn keeps prepared.
const maxPrepared = 256

// NewSQLConn returns a Conn over db. With prepare, every query outside a
// transaction runs as a statement prepared once and kept (database/sql
// prepares it again on each pooled connection it meets and keeps it there):
// SQLite's readers gain the parse and plan of every call.
func NewSQLConn(db *sql.DB, prepare bool) *SQLConn {
	c := &SQLConn{db: db, stmtCache: &stmtCache{r: db}}
	if prepare {
		c.max = maxPrepared
	}
	return c
}

// Begin implements Conn.
func (c *SQLConn) Begin(ctx context.Context) (TxConn, error) {
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	return SQLTx{Tx: tx, stmtCache: &stmtCache{r: tx, max: maxTxPrepared}}, nil
}

// Close closes the prepared statements (not the pool).
func (c *SQLConn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, st := range c.m {
		st.Close()
		delete(c.m, q)
	}
	return nil
}

// SQLTx is a TxConn over a database/sql transaction. Each query it runs is
// prepared once in the transaction and the statement reused for the rest
// of it (database/sql closes them when the transaction ends): a
// transaction that writes many rows with one statement (the ledger
// poster's batch, the analytics flush) parses it once, not per row.
type SQLTx struct {
	Tx *sql.Tx
	*stmtCache
}

// maxTxPrepared bounds the statements one transaction keeps prepared.
const maxTxPrepared = 64

// Commit implements TxConn.
func (t SQLTx) Commit(context.Context) error { return t.Tx.Commit() }

// Rollback implements TxConn.
func (t SQLTx) Rollback(context.Context) error { return t.Tx.Rollback() }
