package sqlite

import (
	"context"
	"database/sql"
	"sync"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/sqlstore"
)

// DoTx implements sqlstore.TxGroup: the core's writes (the QR engine's)
// run in the committer's shared transactions beside the journal's.
//
// Their statements are prepared once on the writer connection, like the
// journal's: a query first met inside a batch is prepared in that batch's
// transaction for the rest of the batch, and on the writer (outside any
// batch, once the connection is free) for every later one.
//
// Inside a batch the writes hand their requests' audit records to it
// (sqlstore.AuditDeferrer): the batch appends them all just before it
// commits, reading and moving the audit head once instead of once per
// record. A write run on its own (grouping off) appends its record itself.
func (c *committer) DoTx(ctx context.Context, name string, f func(ctx context.Context, q sqlstore.Querier) error) error {
	return c.Do(ctx, name, func(ctx context.Context, tx *sql.Tx) error {
		q := batchQuerier{c: c, tx: tx, st: c.groupStmts()}
		if b := c.cur.Load(); b != nil && b.tx == tx {
			return f(ctx, auditingQuerier{q, b})
		}
		return f(ctx, q)
	})
}

// auditingQuerier is a shared transaction as a core write sees it: it
// takes the write's audit record for the batch's end.
type auditingQuerier struct {
	batchQuerier
	b *batchTx
}

// DeferAudit implements sqlstore.AuditDeferrer.
func (q auditingQuerier) DeferAudit(rec *posguard.AuditRecord) { q.b.audits = append(q.b.audits, rec) }

// appendAudits appends the batch's deferred audit records, in the order
// their writes ran, through the writer's prepared statements.
func (b *batchTx) appendAudits(ctx context.Context) error {
	if len(b.audits) == 0 {
		return nil
	}
	return b.c.s.AppendBatchAudits(ctx, batchQuerier{c: b.c, tx: b.tx, st: b.c.groupStmts()}, b.audits)
}

// groupStmtSets holds each committer's statements (package-level: the
// committer's own fields belong to the journal's code).
var groupStmtSets sync.Map // *committer → *groupStmts

// groupStmts are the core's write statements of one committer.
type groupStmts struct {
	mu sync.Mutex
	// prepared are prepared on the writer connection; a nil value is a
	// preparation under way.
	prepared map[string]*sql.Stmt
	// tx and inTx are the statements prepared in the current shared
	// transaction (database/sql closes them with it).
	tx   *sql.Tx
	inTx map[string]*sql.Stmt
}

// maxGroupStmts bounds the statements prepared for the core's writes.
const maxGroupStmts = 64

func (c *committer) groupStmts() *groupStmts {
	if v, ok := groupStmtSets.Load(c); ok {
		return v.(*groupStmts)
	}
	v, _ := groupStmtSets.LoadOrStore(c, &groupStmts{prepared: map[string]*sql.Stmt{}})
	return v.(*groupStmts)
}

// batchQuerier is a shared transaction as a sqlstore.Querier. Only the
// committer goroutine uses it, during one write.
type batchQuerier struct {
	c  *committer
	tx *sql.Tx
	st *groupStmts
}

// stmt returns query prepared for the transaction, or nil to run it
// unprepared.
func (q batchQuerier) stmt(ctx context.Context, query string) *sql.Stmt {
	g := q.st
	g.mu.Lock()
	defer g.mu.Unlock()
	if st := g.prepared[query]; st != nil {
		return q.c.s.txStmt(ctx, q.tx, st)
	}
	if g.tx != q.tx {
		g.tx, g.inTx = q.tx, map[string]*sql.Stmt{}
	}
	if st := g.inTx[query]; st != nil {
		return st
	}
	if _, known := g.prepared[query]; !known {
		if len(g.prepared) >= maxGroupStmts {
			return nil
		}
		// Prepared on the writer once the batch has released it.
		g.prepared[query] = nil
		go q.c.prepareGroupStmt(g, query)
	}
	st, err := q.tx.PrepareContext(ctx, query)
	if err != nil {
		return nil // the unprepared call reports the error
	}
	g.inTx[query] = st
	return st
}

// prepareGroupStmt prepares query on the writer connection (waiting for it
// to be free of batches); a failure is left to the unprepared calls.
func (c *committer) prepareGroupStmt(g *groupStmts, query string) {
	st, err := c.s.write.PrepareContext(context.Background(), query)
	g.mu.Lock()
	defer g.mu.Unlock()
	if err != nil {
		delete(g.prepared, query)
		return
	}
	g.prepared[query] = st
}

// Exec implements sqlstore.Querier.
func (q batchQuerier) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := q.exec(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// ExecID implements sqlstore.IDExecer.
func (q batchQuerier) ExecID(ctx context.Context, query string, args ...any) (id, n int64, err error) {
	res, err := q.exec(ctx, query, args...)
	if err == nil {
		n, err = res.RowsAffected()
	}
	if err != nil || n == 0 {
		return 0, n, err
	}
	id, err = res.LastInsertId()
	return id, n, err
}

// exec runs a statement, prepared when it can be.
func (q batchQuerier) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := q.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return q.tx.ExecContext(ctx, query, args...)
}

// Query implements sqlstore.Querier.
func (q batchQuerier) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	if st := q.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return q.tx.QueryContext(ctx, query, args...)
}

// QueryRow implements sqlstore.Querier.
func (q batchQuerier) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	if st := q.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return q.tx.QueryRowContext(ctx, query, args...)
}
