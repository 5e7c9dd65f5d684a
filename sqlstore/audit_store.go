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
			return tx.appendAudits(ctx, s.NowUTC(), r)
		})
	}
	return s.DB.InTx(ctx, "append audit", func(tx *Tx) error { return tx.appendAudits(ctx, s.NowUTC(), r) })
}

// appendAudits appends rs, in order, to the audit log inside tx (a change
// and its records commit together): the head is read and locked once, the
// records are inserted and the head moves once. A record without a time
// gets now. The audit head is locked last, after anything else the
// transaction locks (the ledger's head), in every transaction. PostgreSQL
// takes the records in one INSERT (one round trip); SQLite runs the
// one-record INSERT per record, a statement its writer keeps prepared (a
// multi-row INSERT would be a new statement to parse for every count).
func (tx *Tx) appendAudits(ctx context.Context, now time.Time, rs ...*posguard.AuditRecord) error {
	if len(rs) == 0 {
		return nil
	}
	tx.db.auditAppends.Add(1)
	var seq int64
	var prev string
	if err := tx.QueryRow(ctx, auditHeadSQL+tx.db.D.ForUpdate).Scan(&seq, &prev); err != nil {
		return tx.db.Err(err, "append audit")
	}
	return tx.appendAuditsAfter(ctx, now, seq, prev, false, rs)
}

// appendAuditsAfter appends rs after the head (seq, prev): numbered and
// chained after it, inserted, and the head moved to the last. guarded, the
// head was not read in tx but remembered: its move then fails (seq set to
// NULL, which audit_head refuses) unless the head is still (seq, …).
func (tx *Tx) appendAuditsAfter(ctx context.Context, now time.Time, seq int64, prev string, guarded bool, rs []*posguard.AuditRecord) error {
	from := seq
	seq, prev, err := chainAudits(now, seq, prev, rs)
	if err != nil {
		return err
	}
	args := make([]any, 0, len(rs)*auditArgCount)
	for _, r := range rs {
		args = append(args, r.ID, tx.db.D.TimeArg(r.At), r.User, string(r.Role), r.Remote, r.Action, r.Object, r.Outcome, r.Changes, r.PrevHash, r.Hash)
	}
	perStmt := 1
	if tx.db.D.Dollar {
		perStmt = len(rs)
	}
	if err := insertRows(ctx, tx, "append audit", insertAuditSQL, "", auditArgCount, perStmt, args); err != nil {
		return err
	}
	if guarded {
		_, err = tx.Exec(ctx, "append audit", moveAuditHeadGuardedSQL, from, seq, prev)
		return err
	}
	_, err = tx.Exec(ctx, "append audit", moveAuditHeadSQL, seq, prev)
	return err
}

// chainAudits numbers rs after the head (seq, prev) and chains their
// hashes; it returns the head after them. A record without a time gets
// now.
func chainAudits(now time.Time, seq int64, prev string, rs []*posguard.AuditRecord) (int64, string, error) {
	for _, r := range rs {
		if err := checkAudit(r); err != nil {
			return 0, "", err
		}
		if r.At.IsZero() {
			r.At = now
		}
		// The hash covers the time as stored: microseconds, UTC.
		r.At = r.At.UTC().Truncate(time.Microsecond)
		seq++
		r.ID, r.PrevHash = seq, prev
		r.Hash = posguard.AuditHash(prev, r)
		prev = r.Hash
	}
	return seq, prev, nil
}

// The audit chain's statements: the head's read (locked with the
// dialect's FOR UPDATE), the records' columns (their arguments auditArgs')
// and the head's move.
const (
	auditHeadSQL     = `SELECT seq, hash FROM audit_head WHERE id = 1`
	auditColumns     = `id, at, user_name, role, remote, action, object, outcome, changes, prev_hash, hash`
	auditArgCount    = 11 // auditColumns' count
	moveAuditHeadSQL = `UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`
	insertAuditSQL   = `INSERT INTO audit_log (` + auditColumns + `) VALUES `
	// moveAuditHeadGuardedSQL moves the head from (?1) to (?2, ?3); a head
	// at another seq gets NULL, which audit_head.seq refuses (both
	// dialects; PostgreSQL's batches use moveAuditHeadFromSQL).
	moveAuditHeadGuardedSQL = `UPDATE audit_head SET seq = CASE WHEN seq = ? THEN CAST(? AS BIGINT) END, hash = ? WHERE id = 1`
)

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
