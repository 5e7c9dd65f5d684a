package sqlstore

import (
	"context"
	"database/sql"
	"sort"
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
	// tx and conn are set on a transaction of a pool that keeps its
	// transactions' statements (SQLConn.KeepTxStatements): a query prepared
	// there is bound to the transaction instead of prepared again.
	tx   *sql.Tx
	conn *txStmts

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
	var st *sql.Stmt
	if c.conn != nil {
		st = c.conn.bind(ctx, c.tx, query)
	}
	if st == nil {
		var err error
		if st, err = c.r.PrepareContext(ctx, query); err != nil {
			return nil // the unprepared call reports the error
		}
	}
	if c.m == nil {
		c.m = map[string]*sql.Stmt{}
	}
	c.m[query] = st
	return st
}

// Exec implements Querier.
func (c *stmtCache) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	_, n, err := c.ExecID(ctx, query, args...)
	return n, err
}

// ExecID implements IDExecer: the rows the statement changed and, when it
// changed one, the ID the driver reports for it (SQLite's last insert
// rowid). The statement runs prepared when it can be.
func (c *stmtCache) ExecID(ctx context.Context, query string, args ...any) (id, n int64, err error) {
	var res sql.Result
	if st := c.stmt(ctx, query); st != nil {
		res, err = st.ExecContext(ctx, args...)
	} else {
		res, err = c.r.ExecContext(ctx, query, args...)
	}
	if err == nil {
		n, err = res.RowsAffected()
	}
	if err != nil || n == 0 {
		return 0, n, err
	}
	id, err = res.LastInsertId()
	return id, n, err
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
	txs *txStmts // the transactions' statements kept on the pool, or nil
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
	return c.Tx(tx), nil
}

// Tx returns tx, a transaction of c's pool, as Begin returns its own: its
// statements prepared for it, or bound from the ones the pool keeps
// (KeepTxStatements). SQLite's group committer runs its shared
// transactions' writes through it.
func (c *SQLConn) Tx(tx *sql.Tx) SQLTx {
	return SQLTx{Tx: tx, stmtCache: &stmtCache{r: tx, max: maxTxPrepared, tx: tx, conn: c.txs}}
}

// KeepTxStatements makes the statements of c's transactions outlive them:
// each query a transaction runs is also prepared on the pool (once the
// pool has a free connection) and later transactions bind that statement
// instead of preparing the query again. It pays on a pool of one
// connection whose transactions run the same large statements over and
// over (SQLite's writer: the ledger poster's multi-row INSERTs, which
// SQLite otherwise parses and plans in every transaction). At most
// maxKept statements are kept; queries past them are prepared per
// transaction as before. Call it before the first Begin.
func (c *SQLConn) KeepTxStatements() {
	c.txs = &txStmts{db: c.db, m: map[string]*sql.Stmt{}}
}

// Close closes the prepared statements (not the pool).
func (c *SQLConn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	closeAll(c.m)
	if k := c.txs; k != nil {
		// Statements still being prepared are closed when they are ready.
		k.mu.Lock()
		defer k.mu.Unlock()
		k.closed = true
		closeAll(k.m)
	}
	return nil
}

// closeAll closes the statements of m (nil: being prepared) and empties it.
func closeAll(m map[string]*sql.Stmt) {
	for _, st := range m {
		if st != nil {
			st.Close()
		}
	}
	clear(m)
}

// txStmts are the statements a pool keeps for its transactions
// (SQLConn.KeepTxStatements).
type txStmts struct {
	db *sql.DB

	mu     sync.Mutex
	m      map[string]*sql.Stmt // nil value: being prepared
	closed bool
	busy   sync.WaitGroup // preparations under way
}

// maxKept bounds the statements a pool keeps for its transactions (the
// first queries met are kept: the group committer's savepoints and
// writes, the ledger poster's, which runs within seconds of the start, and
// the other background writers' fixed ones).
const maxKept = 192

// bind returns query's kept statement bound to tx, or nil when it is not
// prepared on the pool yet; then it starts preparing it there, outside tx
// (a pool of one connection has none free until tx ends).
func (k *txStmts) bind(ctx context.Context, tx *sql.Tx, query string) *sql.Stmt {
	k.mu.Lock()
	st, known := k.m[query]
	if !known && !k.closed && len(k.m) < maxKept {
		k.m[query] = nil
		k.busy.Add(1)
		go k.prepare(query)
	}
	k.mu.Unlock()
	if st == nil {
		return nil
	}
	// Prepared on this connection already: database/sql reuses the
	// driver's statement and only wraps it for tx.
	return tx.StmtContext(ctx, st)
}

// prepare prepares query on the pool and keeps it. On a failure (a query
// that only prepares inside its transaction) the query stays marked and
// is not tried again: the transactions prepare it themselves.
func (k *txStmts) prepare(query string) {
	defer k.busy.Done()
	st, err := k.db.PrepareContext(context.Background(), query)
	k.mu.Lock()
	defer k.mu.Unlock()
	switch {
	case err != nil:
		// Left marked (nil): bind starts no second attempt.
	case k.closed:
		st.Close()
	default:
		k.m[query] = st
	}
}

// Kept returns the queries whose statements c keeps for its transactions
// (KeepTxStatements), once the preparations under way have ended: a
// transaction holding the pool's only connection must not be open.
func (c *SQLConn) Kept() []string {
	if c.txs == nil {
		return nil
	}
	c.txs.busy.Wait()
	c.txs.mu.Lock()
	defer c.txs.mu.Unlock()
	out := make([]string, 0, len(c.txs.m))
	for q, st := range c.txs.m {
		if st != nil {
			out = append(out, q)
		}
	}
	sort.Strings(out)
	return out
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
