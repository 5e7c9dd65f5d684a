package accesssql

import (
	"context"
	"database/sql"

	"github.com/posguard/posguard"
)

// maxAuditPage caps one read of the audit log.
const maxAuditPage = 1000

// AppendAudit implements posguard.AuditStore: under the head's lock it takes
// the next id, chains the record's hash to the head's and moves the head.
func (s *Store) AppendAudit(ctx context.Context, r *posguard.AuditRecord) error {
	if r == nil || r.Action == "" {
		return posguard.Errorf(posguard.EINVALID, "audit: a record needs an action")
	}
	if r.At.IsZero() {
		r.At = s.now()
	}
	r.At = r.At.UTC()
	return s.inTx(ctx, "append audit", func(tx *sql.Tx) error {
		var seq int64
		var prev string
		if err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`+s.d.LockHead).Scan(&seq, &prev); err != nil {
			return err
		}
		r.ID, r.PrevHash = seq+1, prev
		r.Hash = posguard.AuditHash(prev, r)
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO audit_log (id, at, user_name, role, remote, action, object, outcome, changes, prev_hash, hash)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			r.ID, r.At.UnixNano(), r.User, string(r.Role), r.Remote, r.Action, r.Object, r.Outcome, r.Changes, r.PrevHash, r.Hash); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`), r.ID, r.Hash)
		return err
	})
}

const auditColumns = `id, at, user_name, role, remote, action, object, outcome, changes, prev_hash, hash`

// auditRows reads records of auditColumns.
func (s *Store) auditRows(ctx context.Context, op, query string, args ...any) ([]*posguard.AuditRecord, error) {
	rows, err := s.read.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, s.err(err, op)
	}
	defer rows.Close()
	var out []*posguard.AuditRecord
	for rows.Next() {
		var r posguard.AuditRecord
		var at int64
		var role string
		if err := rows.Scan(&r.ID, &at, &r.User, &role, &r.Remote, &r.Action, &r.Object, &r.Outcome, &r.Changes, &r.PrevHash, &r.Hash); err != nil {
			return nil, s.err(err, op)
		}
		r.At, r.Role = fromNanos(at), posguard.Role(role)
		out = append(out, &r)
	}
	return out, s.err(rows.Err(), op)
}

// AuditRecords implements posguard.AuditStore.
func (s *Store) AuditRecords(ctx context.Context, f posguard.AuditFilter) ([]*posguard.AuditRecord, error) {
	q := `SELECT ` + auditColumns + ` FROM audit_log WHERE 1 = 1`
	var args []any
	add := func(cond string, arg any) {
		q += ` AND ` + cond
		args = append(args, arg)
	}
	if f.User != "" {
		add(`user_name = ?`, f.User)
	}
	if f.Action != "" {
		add(`action = ?`, f.Action)
	}
	if f.Object != "" {
		add(`object = ?`, f.Object)
	}
	if !f.From.IsZero() {
		add(`at >= ?`, f.From.UnixNano())
	}
	if !f.To.IsZero() {
		add(`at < ?`, f.To.UnixNano())
	}
	if f.Before > 0 {
		add(`id < ?`, f.Before)
	}
	n := f.Limit
	if n <= 0 || n > maxAuditPage {
		n = maxAuditPage
	}
	args = append(args, n)
	return s.auditRows(ctx, "audit records", q+` ORDER BY id DESC LIMIT ?`, args...)
}

// AuditChain implements posguard.AuditStore.
func (s *Store) AuditChain(ctx context.Context, after int64, limit int) ([]*posguard.AuditRecord, error) {
	if limit <= 0 || limit > 10000 {
		limit = 10000
	}
	return s.auditRows(ctx, "audit chain", `SELECT `+auditColumns+` FROM audit_log WHERE id > ? ORDER BY id LIMIT ?`, after, limit)
}

// AuditHead implements posguard.AuditStore.
func (s *Store) AuditHead(ctx context.Context) (int64, string, error) {
	var seq int64
	var hash string
	err := s.read.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&seq, &hash)
	return seq, hash, s.err(err, "audit head")
}
