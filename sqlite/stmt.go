package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"sync"

	"github.com/posguard/posguard/sqlstore"
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
	attemptedRev  *sql.Stmt
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
		{&ws.attemptedRev, reversalAttemptedSQL}, {&ws.revOf, reversalOfSQL}, {&ws.doneRev, reversalDoneSQL},
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

// readStmts are the hot read statements (the switch's idempotency lookup
// and the reads of its sale path), prepared once on the reader pool so that
// no call parses and plans their SQL again. database/sql prepares each one
// lazily on every pooled connection it runs on and keeps it there.
type readStmts struct {
	keyID      *sql.Stmt
	byID       *sql.Stmt
	byRRN      *sql.Stmt
	dailyUsage *sql.Stmt
}

const (
	// keyIDSQL is answered from the unique key index alone; ByKey reads
	// the whole row only when there is one (on the sale path the lookup
	// usually finds nothing, and a one-column result is much cheaper to
	// set up than the thirty columns of a transaction).
	keyIDSQL = `SELECT id FROM transactions
		WHERE terminal_id = ? AND batch = ? AND stan = ? AND mti = ?`
	byIDSQL = `SELECT ` + sqlstore.TxnColumns + ` FROM transactions WHERE id = ?`
	// byRRNSQL repeats the predicate of the partial index transactions_rrn:
	// SQLite cannot prove rrn <> '' from rrn = ? and would otherwise scan
	// the table (ByRRN never runs with an empty RRN).
	byRRNSQL = `SELECT ` + sqlstore.TxnColumns + ` FROM transactions
		WHERE rrn = ? AND rrn <> '' AND type <> ? ORDER BY id DESC`
	dailyUsageSQL = `
		SELECT coalesce(sum(amount), 0), count(*) FROM transactions
		WHERE merchant_id = ? AND settlement_date = ?
		  AND type IN ('sale', 'completion')
		  AND state IN ('forwarded', 'approved', 'partially_refunded', 'refunded')`
)

func prepareReads(ctx context.Context, db *sql.DB) (*readStmts, error) {
	var rs readStmts
	for _, p := range []struct {
		st  **sql.Stmt
		sql string
	}{{&rs.keyID, keyIDSQL}, {&rs.byID, byIDSQL}, {&rs.byRRN, byRRNSQL}, {&rs.dailyUsage, dailyUsageSQL}} {
		st, err := db.PrepareContext(ctx, p.sql)
		if err != nil {
			rs.close()
			return nil, dbError(err, "prepare read")
		}
		*p.st = st
	}
	return &rs, nil
}

func (rs *readStmts) close() error {
	var errs []error
	for _, st := range []*sql.Stmt{rs.keyID, rs.byID, rs.byRRN, rs.dailyUsage} {
		if st != nil {
			errs = append(errs, st.Close())
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
