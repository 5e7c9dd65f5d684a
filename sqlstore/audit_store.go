package sqlstore

import (
	"context"
	"time"

	"github.com/posguard/posguard"
)

// The audit log (posguard.AuditStore): audit_log is append-only (both
// databases refuse UPDATE and DELETE by trigger) and hash-chained;
// audit_head holds the chain's last id and hash. Migration 0010_access.

// maxAuditPage caps one read of the audit log.
const maxAuditPage = 1000

// AppendAudit implements posguard.AuditStore: under the head's lock it takes
// the next id, chains the record's hash to the head's and moves the head.
// Its transaction carries no request's record (it is no change of one).
// On SQLite the record joins the group-commit batches (one writer: an
// audited request whose change wrote nothing of its own no longer costs a
// commit of its own); on PostgreSQL it keeps a transaction of its own, so
// that the head's lock is never held by a shared batch that goes on to
// lock other rows.
func (s *Store) AppendAudit(ctx context.Context, r *posguard.AuditRecord) error {
	ctx = posguard.WithTxAuditor(ctx, nil)
	if s.DB.D.ForUpdate == "" {
		return s.InGroupTx(ctx, "append audit", func(ctx context.Context, tx *Tx) error {
			return s.appendAudits(ctx, tx, []*posguard.AuditRecord{r})
		})
	}
	return s.DB.InTx(ctx, "append audit", func(tx *Tx) error { return s.appendAudits(ctx, tx, []*posguard.AuditRecord{r}) })
}

// appendAudits appends rs to the audit log inside tx (a change and its
// record commit together). The audit head is locked last, after anything
// else the transaction locks (the ledger's head), in every transaction.
func (s *Store) appendAudits(ctx context.Context, tx *Tx, rs []*posguard.AuditRecord) error {
	for _, r := range rs {
		if r != nil && r.At.IsZero() {
			r.At = s.NowUTC()
		}
		if err := tx.appendAudit(ctx, r); err != nil {
			return err
		}
	}
	return nil
}

// appendAudit appends r (its At set; now when zero) to the audit log in tx.
func (tx *Tx) appendAudit(ctx context.Context, r *posguard.AuditRecord) error {
	if r == nil || r.Action == "" {
		return posguard.Errorf(posguard.EINVALID, "audit: a record needs an action")
	}
	if r.At.IsZero() {
		r.At = time.Now()
	}
	// The hash covers the time as stored: microseconds, UTC.
	r.At = r.At.UTC().Truncate(time.Microsecond)
	var seq int64
	var prev string
	if err := tx.QueryRow(ctx, auditHeadSQL+tx.db.D.ForUpdate).Scan(&seq, &prev); err != nil {
		return err
	}
	r.ID, r.PrevHash = seq+1, prev
	r.Hash = posguard.AuditHash(prev, r)
	if _, err := tx.Exec(ctx, "append audit", insertAuditSQL, tx.auditArgs(r)...); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, "append audit", moveAuditHeadSQL, r.ID, r.Hash)
	return err
}

// The audit chain's statements: the head's read (locked with the
// dialect's FOR UPDATE), a record's insert (its arguments auditArgs') and
// the head's move.
const (
	auditHeadSQL     = `SELECT seq, hash FROM audit_head WHERE id = 1`
	auditColumns     = `id, at, user_name, role, remote, action, object, outcome, changes, prev_hash, hash`
	insertAuditSQL   = `INSERT INTO audit_log (` + auditColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	moveAuditHeadSQL = `UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`
)

// auditArgs are r's values in auditColumns' order.
func (tx *Tx) auditArgs(r *posguard.AuditRecord) []any {
	return []any{r.ID, tx.db.D.TimeArg(r.At), r.User, string(r.Role), r.Remote, r.Action, r.Object, r.Outcome, r.Changes, r.PrevHash, r.Hash}
}

// auditTable is audit_log, numbered by the chain's head.
var auditTable = newTable("audit_log", "", auditColumns,
	func(r *posguard.AuditRecord) []any {
		return []any{&r.ID, &r.At, &r.User, &r.Role, &r.Remote, &r.Action, &r.Object, &r.Outcome, &r.Changes, &r.PrevHash, &r.Hash}
	})

// AuditRecords implements posguard.AuditStore.
func (s *Store) AuditRecords(ctx context.Context, f posguard.AuditFilter) ([]*posguard.AuditRecord, error) {
	a := s.args()
	return auditTable.page(ctx, s, "audit records", a, a.Eq("user_name", f.User, "action", f.Action, "object", f.Object,
		"at >=", f.From, "at <", f.To, "id <", max(f.Before, 0)), "id DESC", f.Limit, maxAuditPage, maxAuditPage)
}

// AuditChain implements posguard.AuditStore.
func (s *Store) AuditChain(ctx context.Context, after int64, limit int) ([]*posguard.AuditRecord, error) {
	return auditTable.list(ctx, s.DB, "audit chain", ` WHERE id > ? ORDER BY id LIMIT ?`, after, pageLimit(limit, 10000, 10000))
}

// AuditHead implements posguard.AuditStore.
func (s *Store) AuditHead(ctx context.Context) (int64, string, error) {
	var seq int64
	var hash string
	err := s.DB.QueryRow(ctx, auditHeadSQL).Scan(&seq, &hash)
	return seq, hash, s.DB.Err(err, "audit head")
}
