package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// writeStmts are the hot write statements, prepared once on the writer
// connection: the journal's, and the reversal queue's (a timed-out sale
// queues, attempts and completes a reversal through the same committer).
type writeStmts struct {
	insertTxn     *sql.Stmt
	insertEvent   *sql.Stmt
	updateTxn     *sql.Stmt
	updateKeepRRN *sql.Stmt
	current       *sql.Stmt
	queueRev      *sql.Stmt
	pendingRev    *sql.Stmt
	revOf         *sql.Stmt
	doneRev       *sql.Stmt
}

// all lists every statement with its SQL, for preparing and closing.
func (ws *writeStmts) all() []struct {
	st  **sql.Stmt
	sql string
} {
	return []struct {
		st  **sql.Stmt
		sql string
	}{
		{&ws.insertTxn, insertTxnSQL}, {&ws.insertEvent, insertEventSQL},
		{&ws.updateTxn, updateTxnSQL}, {&ws.updateKeepRRN, updateKeepRRNSQL}, {&ws.current, currentSQL},
		{&ws.queueRev, queueReversalSQL}, {&ws.pendingRev, pendingReversalSQL},
		{&ws.revOf, reversalOfSQL}, {&ws.doneRev, reversalDoneSQL},
	}
}

func prepareWrites(ctx context.Context, db *sql.DB) (*writeStmts, error) {
	var ws writeStmts
	for _, p := range ws.all() {
		st, err := db.PrepareContext(ctx, p.sql)
		if err != nil {
			ws.close()
			return nil, dbError(err, "prepare write")
		}
		*p.st = st
	}
	return &ws, nil
}

func (ws *writeStmts) close() error {
	var errs []error
	for _, p := range ws.all() {
		if *p.st != nil {
			errs = append(errs, (*p.st).Close())
		}
	}
	return errors.Join(errs...)
}

// txStmtCache keeps the transaction-bound forms of the prepared writes for
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
