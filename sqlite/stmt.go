package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// txStmtCache keeps the transaction-bound forms of the statements
// prepared on the writer (the savepoint statements, the core's writes) for
// the write transaction in use, so that the writes of one group-commit
// batch bind each statement to the shared transaction once rather than on
// every call. Only one write transaction exists at a time (the writer pool
// has one connection); a different transaction replaces the cache. The
// cache holds the transaction it belongs to, so a new transaction can never
// be mistaken for it.
type txStmtCache struct {
	mu sync.Mutex
	tx *sql.Tx
	m  map[*sql.Stmt]*sql.Stmt
}

// txStmt returns st bound to tx.
func (s *Store) txStmt(ctx context.Context, tx *sql.Tx, st *sql.Stmt) *sql.Stmt {
	c := &s.txStmts
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tx != tx {
		c.tx = tx
		clear(c.m)
	}
	if bound, ok := c.m[st]; ok {
		return bound
	}
	if c.m == nil {
		c.m = make(map[*sql.Stmt]*sql.Stmt, 8)
	}
	bound := tx.StmtContext(ctx, st)
	c.m[st] = bound
	return bound
}
