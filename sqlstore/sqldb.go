package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// SQLConn is a Conn over a database/sql pool.
type SQLConn struct {
	db *sql.DB
	// prepared caches a prepared statement per query (when Prepare is on).
	prepare  bool
	mu       sync.Mutex
	prepared map[string]*sql.Stmt
}

// maxPrepared bounds the statements an SQLConn keeps prepared; past it,
// queries run unprepared.
const maxPrepared = 256

// NewSQLConn returns a Conn over db. With prepare, every query outside a
// transaction runs as a statement prepared once and kept (database/sql
// prepares it again on each pooled connection it meets and keeps it there):
// SQLite's readers gain the parse and plan of every call.
func NewSQLConn(db *sql.DB, prepare bool) *SQLConn {
	return &SQLConn{db: db, prepare: prepare, prepared: map[string]*sql.Stmt{}}
}

// DB returns the underlying pool.
func (c *SQLConn) DB() *sql.DB { return c.db }

// stmt returns the prepared statement of query, or nil to run it unprepared.
func (c *SQLConn) stmt(ctx context.Context, query string) *sql.Stmt {
	if !c.prepare {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.prepared[query]; ok {
		return st
	}
	if len(c.prepared) >= maxPrepared {
		return nil
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil // the unprepared call reports the error
	}
	c.prepared[query] = st
	return st
}

// Exec implements Querier.
func (c *SQLConn) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	var res sql.Result
	var err error
	if st := c.stmt(ctx, query); st != nil {
		res, err = st.ExecContext(ctx, args...)
	} else {
		res, err = c.db.ExecContext(ctx, query, args...)
	}
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// Query implements Querier.
func (c *SQLConn) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	if st := c.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return c.db.QueryContext(ctx, query, args...)
}

// QueryRow implements Querier.
func (c *SQLConn) QueryRow(ctx context.Context, query string, args ...any) Row {
	if st := c.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return c.db.QueryRowContext(ctx, query, args...)
}

// Begin implements Conn.
func (c *SQLConn) Begin(ctx context.Context) (TxConn, error) {
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	return SQLTx{Tx: tx, stmts: &txStmts{}}, nil
}

// Close closes the prepared statements (not the pool).
func (c *SQLConn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, st := range c.prepared {
		st.Close()
		delete(c.prepared, q)
	}
	return nil
}

// SQLTx is a TxConn over a database/sql transaction. Each query it runs is
// prepared once in the transaction and the statement reused for the rest
// of it: a transaction that writes many rows with one statement (the
// ledger poster's batch, the analytics flush) parses it once, not per row.
type SQLTx struct {
	Tx    *sql.Tx
	stmts *txStmts
}

// txStmts are the statements a transaction prepared, by query.
type txStmts struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// maxTxPrepared bounds the statements one transaction keeps prepared; past
// it, queries run unprepared.
const maxTxPrepared = 64

// stmt returns query prepared in the transaction, or nil to run it
// unprepared (database/sql closes the statements when the transaction
// ends).
func (t SQLTx) stmt(ctx context.Context, query string) *sql.Stmt {
	if t.stmts == nil {
		return nil
	}
	c := t.stmts
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[query]; ok {
		return st
	}
	if len(c.m) >= maxTxPrepared {
		return nil
	}
	st, err := t.Tx.PrepareContext(ctx, query)
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
func (t SQLTx) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	var res sql.Result
	var err error
	if st := t.stmt(ctx, query); st != nil {
		res, err = st.ExecContext(ctx, args...)
	} else {
		res, err = t.Tx.ExecContext(ctx, query, args...)
	}
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// Query implements Querier.
func (t SQLTx) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return t.Tx.QueryContext(ctx, query, args...)
}

// QueryRow implements Querier.
func (t SQLTx) QueryRow(ctx context.Context, query string, args ...any) Row {
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.Tx.QueryRowContext(ctx, query, args...)
}

// Commit implements TxConn.
func (t SQLTx) Commit(context.Context) error { return t.Tx.Commit() }

// Rollback implements TxConn.
func (t SQLTx) Rollback(context.Context) error { return t.Tx.Rollback() }
