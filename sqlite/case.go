package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/internal/sqlstore"
)

var _ posguard.CaseStore = (*Store)(nil)

// OpenCase inserts c with its first timeline entries; idempotent per (Kind,
// TxnID) when TxnID is set (see posguard.CaseStore).
func (s *Store) OpenCase(ctx context.Context, c *posguard.Case, entries []posguard.CaseEntry) (bool, error) {
	ids, err := sqlstore.CaseRow(c)
	if err != nil {
		return false, err
	}
	now := s.now()
	created := false
	err = s.writeTx(ctx, "open case", func(ctx context.Context, tx *sql.Tx) error {
		created = false
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO cases (kind, status, priority, txn_id, txn_ids, merchant_id, terminal_id,
			amount, currency, reason, cause, title, assignee, outcome, opened_by, due_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (kind, txn_id) WHERE txn_id <> 0 DO NOTHING RETURNING id`,
			string(c.Kind), string(c.Status), string(c.Priority), c.TxnID, string(ids), c.MerchantID, c.TerminalID,
			int64(c.Amount), c.Currency, c.Reason, c.Cause, c.Title, c.Assignee, c.Outcome, c.OpenedBy,
			nanos(c.DueAt), nanos(now), nanos(now)).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // exists: read below
		}
		if err != nil {
			return err
		}
		for i := range entries {
			e := &entries[i]
			e.CaseID = id
			if e.At.IsZero() {
				e.At = now
			}
			if err := insertEntry(ctx, tx, e); err != nil {
				return err
			}
		}
		created = true
		c.ID = id
		return nil
	})
	if err != nil {
		return false, dbError(err, "open case")
	}
	if !created {
		row := s.read.QueryRowContext(ctx, `SELECT `+sqlstore.CaseColumns+` FROM cases WHERE kind = ? AND txn_id = ?`, string(c.Kind), c.TxnID)
		stored, err := scanCase(row)
		if err != nil {
			return false, dbError(err, "open case")
		}
		*c = *stored
		return false, nil
	}
	c.CreatedAt, c.UpdatedAt = now, now
	return true, nil
}

// insertEntry appends e inside tx and sets its ID.
func insertEntry(ctx context.Context, tx *sql.Tx, e *posguard.CaseEntry) error {
	if !e.Kind.Valid() {
		return posguard.Errorf(posguard.EINVALID, "case entry: unknown kind %q", e.Kind)
	}
	return tx.QueryRowContext(ctx, `INSERT INTO case_entries (case_id, kind, author, text, at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		e.CaseID, string(e.Kind), e.Author, e.Text, nanos(e.At.UTC())).Scan(&e.ID)
}

// Case returns the case with id; ENOTFOUND if none.
func (s *Store) Case(ctx context.Context, id int64) (*posguard.Case, error) {
	c, err := scanCase(s.read.QueryRowContext(ctx, `SELECT `+sqlstore.CaseColumns+` FROM cases WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sqlstore.CaseNotFound(id)
	}
	return c, dbError(err, "get case")
}

// Cases returns cases matching f, newest first.
func (s *Store) Cases(ctx context.Context, f posguard.CaseFilter) ([]*posguard.Case, error) {
	a := sqlstore.Args{}
	where := sqlstore.CaseFilterWhere(f, &a)
	q := `SELECT ` + sqlstore.CaseColumns + ` FROM cases`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY id DESC LIMIT " + a.Add(sqlstore.ClampLimit(f.Limit))
	rows, err := s.read.QueryContext(ctx, q, a.List...)
	if err != nil {
		return nil, dbError(err, "list cases")
	}
	defer rows.Close()
	out := []*posguard.Case{}
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, dbError(err, "list cases")
		}
		out = append(out, c)
	}
	return out, dbError(rows.Err(), "list cases")
}

// UpdateCase applies u atomically (see posguard.CaseUpdate).
func (s *Store) UpdateCase(ctx context.Context, u posguard.CaseUpdate) error {
	now := s.now()
	at := u.At.UTC()
	if u.At.IsZero() {
		at = now
	}
	err := s.writeTx(ctx, "update case", func(ctx context.Context, tx *sql.Tx) error {
		var cur string
		err := tx.QueryRowContext(ctx, `SELECT status FROM cases WHERE id = ?`, u.ID).Scan(&cur)
		if errors.Is(err, sql.ErrNoRows) {
			return sqlstore.CaseNotFound(u.ID)
		}
		if err != nil {
			return err
		}
		if err := sqlstore.CheckCaseStatus(u.ID, cur, u.FromStatus); err != nil {
			return err
		}
		var resolved, closed int64
		if u.Status == posguard.CaseResolved {
			resolved = nanos(at)
		}
		if u.Status == posguard.CaseClosed {
			closed = nanos(at)
		}
		_, err = tx.ExecContext(ctx, `UPDATE cases SET
			status = COALESCE(NULLIF(?, ''), status),
			priority = COALESCE(NULLIF(?, ''), priority),
			assignee = COALESCE(NULLIF(?, ''), assignee),
			outcome = COALESCE(NULLIF(?, ''), outcome),
			due_at = COALESCE(NULLIF(?, 0), due_at),
			resolved_at = COALESCE(NULLIF(?, 0), resolved_at),
			closed_at = COALESCE(NULLIF(?, 0), closed_at),
			updated_at = ?
			WHERE id = ?`,
			string(u.Status), string(u.Priority), u.Assignee, u.Outcome, nanos(u.DueAt), resolved, closed, nanos(now), u.ID)
		if err != nil {
			return err
		}
		if u.Entry != nil {
			u.Entry.CaseID = u.ID
			if u.Entry.At.IsZero() {
				u.Entry.At = at
			}
			return insertEntry(ctx, tx, u.Entry)
		}
		return nil
	})
	return dbError(err, "update case")
}

// AddCaseEntry appends e to its case's timeline; ENOTFOUND if the case is
// unknown.
func (s *Store) AddCaseEntry(ctx context.Context, e *posguard.CaseEntry) error {
	if e.At.IsZero() {
		e.At = s.now()
	}
	err := s.writeTx(ctx, "add case entry", func(ctx context.Context, tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM cases WHERE id = ?`, e.CaseID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return sqlstore.CaseNotFound(e.CaseID)
		}
		if err := insertEntry(ctx, tx, e); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE cases SET updated_at = ? WHERE id = ?`, nanos(s.now()), e.CaseID)
		return err
	})
	return dbError(err, "add case entry")
}

// CaseEntries returns a case's timeline, oldest first.
func (s *Store) CaseEntries(ctx context.Context, id int64) ([]posguard.CaseEntry, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id, case_id, kind, author, text, at FROM case_entries WHERE case_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, dbError(err, "case entries")
	}
	defer rows.Close()
	out := []posguard.CaseEntry{}
	for rows.Next() {
		var e posguard.CaseEntry
		var kind string
		var at int64
		if err := rows.Scan(&e.ID, &e.CaseID, &kind, &e.Author, &e.Text, &at); err != nil {
			return nil, dbError(err, "case entries")
		}
		e.Kind, e.At = posguard.EntryKind(kind), fromNanos(at)
		out = append(out, e)
	}
	return out, dbError(rows.Err(), "case entries")
}

// scanCase reads one row selected with sqlstore.CaseColumns.
func scanCase(r scanner) (*posguard.Case, error) {
	var c posguard.Case
	var kind, status, prio, ids string
	var amount, due, created, updated, resolved, closed int64
	if err := r.Scan(&c.ID, &kind, &status, &prio, &c.TxnID, &ids, &c.MerchantID, &c.TerminalID, &amount, &c.Currency,
		&c.Reason, &c.Cause, &c.Title, &c.Assignee, &c.Outcome, &c.OpenedBy, &due, &created, &updated, &resolved, &closed); err != nil {
		return nil, err
	}
	if err := sqlstore.CaseFromRow(&c, kind, status, prio, amount, ids); err != nil {
		return nil, err
	}
	c.DueAt, c.CreatedAt, c.UpdatedAt = fromNanos(due), fromNanos(created), fromNanos(updated)
	c.ResolvedAt, c.ClosedAt = fromNanos(resolved), fromNanos(closed)
	return &c, nil
}
