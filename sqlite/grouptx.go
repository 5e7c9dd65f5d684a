package sqlite

import (
	"context"
	"database/sql"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/sqlstore"
)

// DoTx implements sqlstore.TxGroup: the core's writes (the QR engine's)
// run in the committer's shared transactions beside the journal's.
//
// Their statements, like the journal's and the savepoints', are prepared
// as in the writer's own transactions (sqlstore.SQLConn.Tx): a query first
// met inside a batch is prepared in that batch's transaction for the rest
// of the batch, and on the writer (outside any batch, once the connection
// is free) for every later one.
//
// Inside a batch the writes hand their requests' audit records to it
// (sqlstore.AuditDeferrer): the batch appends them all just before it
// commits, reading and moving the audit head once instead of once per
// record. A write run on its own (grouping off) appends its record itself.
func (c *committer) DoTx(ctx context.Context, name string, f func(ctx context.Context, q sqlstore.Querier) error) error {
	return c.Do(ctx, name, func(ctx context.Context, tx *sql.Tx) error {
		if b := c.cur.Load(); b != nil && b.tx == tx {
			return f(ctx, auditingQuerier{b.q, b})
		}
		return f(ctx, c.s.writeC.Tx(tx))
	})
}

// auditingQuerier is a shared transaction as a core write sees it: it
// takes the write's audit record for the batch's end.
type auditingQuerier struct {
	sqlstore.SQLTx
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
	return b.c.s.AppendBatchAudits(ctx, b.q, b.audits)
}
