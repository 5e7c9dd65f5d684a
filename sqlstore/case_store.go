package sqlstore

import (
	"context"
	"errors"
	"strings"

	"github.com/posguard/posguard"
)

var _ posguard.CaseStore = (*Store)(nil)

// OpenCase inserts c with its first timeline entries; idempotent per (Kind,
// TxnID) when TxnID is set (see posguard.CaseStore).
func (s *Store) OpenCase(ctx context.Context, c *posguard.Case, entries []posguard.CaseEntry) (bool, error) {
	ids, err := CaseRow(c)
	if err != nil {
		return false, err
	}
	now := s.NowUTC()
	created := false
	err = s.DB.InTx(ctx, "open case", func(tx *Tx) error {
		created = false
		var id int64
		err := tx.QueryRow(ctx, `INSERT INTO cases (kind, status, priority, txn_id, txn_ids, merchant_id, terminal_id,
			amount, currency, reason, cause, title, assignee, outcome, opened_by, due_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (kind, txn_id) WHERE txn_id <> 0 DO NOTHING RETURNING id`,
			string(c.Kind), string(c.Status), string(c.Priority), c.TxnID, string(ids), c.MerchantID, c.TerminalID,
			int64(c.Amount), c.Currency, c.Reason, c.Cause, c.Title, c.Assignee, c.Outcome, c.OpenedBy,
			s.T(c.DueAt), s.T(now), s.T(now)).Scan(&id)
		if errors.Is(err, ErrNoRows) {
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
			if err := s.insertEntry(ctx, tx, e); err != nil {
				return err
			}
		}
		created = true
		c.ID = id
		return nil
	})
	if err != nil {
		return false, err
	}
	if !created {
		stored, err := scanCase(s.DB.QueryRow(ctx, `SELECT `+CaseColumns+` FROM cases WHERE kind = ? AND txn_id = ?`, string(c.Kind), c.TxnID))
		if err != nil {
			return false, s.DB.Err(err, "open case")
		}
		*c = *stored
		return false, nil
	}
	c.CreatedAt, c.UpdatedAt = now, now
	return true, nil
}

// insertEntry appends e inside tx and sets its ID.
func (s *Store) insertEntry(ctx context.Context, tx *Tx, e *posguard.CaseEntry) error {
	if !e.Kind.Valid() {
		return posguard.Errorf(posguard.EINVALID, "case entry: unknown kind %q", e.Kind)
	}
	return tx.QueryRow(ctx, `INSERT INTO case_entries (case_id, kind, author, text, at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		e.CaseID, string(e.Kind), e.Author, e.Text, s.T(e.At.UTC())).Scan(&e.ID)
}

// Case returns the case with id; ENOTFOUND if none.
func (s *Store) Case(ctx context.Context, id int64) (*posguard.Case, error) {
	c, err := scanCase(s.DB.QueryRow(ctx, `SELECT `+CaseColumns+` FROM cases WHERE id = ?`, id))
	if errors.Is(err, ErrNoRows) {
		return nil, CaseNotFound(id)
	}
	return c, s.DB.Err(err, "get case")
}

// Cases returns cases matching f, newest first.
func (s *Store) Cases(ctx context.Context, f posguard.CaseFilter) ([]*posguard.Case, error) {
	a := Args{}
	where := CaseFilterWhere(f, &a)
	q := `SELECT ` + CaseColumns + ` FROM cases`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY id DESC LIMIT " + a.Add(ClampLimit(f.Limit))
	rows, err := s.DB.Query(ctx, "list cases", q, a.List...)
	if err != nil {
		return nil, err
	}
	return Collect(s.DB, rows, "list cases", scanCase)
}

// UpdateCase applies u atomically (see posguard.CaseUpdate).
func (s *Store) UpdateCase(ctx context.Context, u posguard.CaseUpdate) error {
	now := s.NowUTC()
	at := u.At.UTC()
	if u.At.IsZero() {
		at = now
	}
	return s.DB.InTx(ctx, "update case", func(tx *Tx) error {
		var cur string
		err := tx.QueryRow(ctx, `SELECT status FROM cases WHERE id = ?`+s.DB.D.ForUpdate, u.ID).Scan(&cur)
		if errors.Is(err, ErrNoRows) {
			return CaseNotFound(u.ID)
		}
		if err != nil {
			return err
		}
		if err := CheckCaseStatus(u.ID, cur, u.FromStatus); err != nil {
			return err
		}
		var resolved, closed any
		if u.Status == posguard.CaseResolved {
			resolved = s.T(at)
		}
		if u.Status == posguard.CaseClosed {
			closed = s.T(at)
		}
		_, err = tx.Exec(ctx, "update case", `UPDATE cases SET
			status = COALESCE(NULLIF(?, ''), status),
			priority = COALESCE(NULLIF(?, ''), priority),
			assignee = COALESCE(NULLIF(?, ''), assignee),
			outcome = COALESCE(NULLIF(?, ''), outcome),
			due_at = COALESCE(?, due_at),
			resolved_at = COALESCE(?, resolved_at),
			closed_at = COALESCE(?, closed_at),
			updated_at = ?
			WHERE id = ?`,
			string(u.Status), string(u.Priority), u.Assignee, u.Outcome, s.NullT(u.DueAt), resolved, closed, s.T(now), u.ID)
		if err != nil {
			return err
		}
		if u.Entry != nil {
			u.Entry.CaseID = u.ID
			if u.Entry.At.IsZero() {
				u.Entry.At = at
			}
			return s.insertEntry(ctx, tx, u.Entry)
		}
		return nil
	})
}

// AddCaseEntry appends e to its case's timeline; ENOTFOUND if the case is
// unknown.
func (s *Store) AddCaseEntry(ctx context.Context, e *posguard.CaseEntry) error {
	if e.At.IsZero() {
		e.At = s.NowUTC()
	}
	return s.DB.InTx(ctx, "add case entry", func(tx *Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM cases WHERE id = ?`, e.CaseID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return CaseNotFound(e.CaseID)
		}
		if err := s.insertEntry(ctx, tx, e); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "add case entry", `UPDATE cases SET updated_at = ? WHERE id = ?`, s.T(s.NowUTC()), e.CaseID)
		return err
	})
}

// CaseEntries returns a case's timeline, oldest first.
func (s *Store) CaseEntries(ctx context.Context, id int64) ([]posguard.CaseEntry, error) {
	rows, err := s.DB.Query(ctx, "case entries", `SELECT id, case_id, kind, author, text, at FROM case_entries WHERE case_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	return Collect(s.DB, rows, "case entries", func(r Row) (posguard.CaseEntry, error) {
		var e posguard.CaseEntry
		var kind string
		err := r.Scan(&e.ID, &e.CaseID, &kind, &e.Author, &e.Text, TimeCol(&e.At))
		e.Kind = posguard.EntryKind(kind)
		return e, err
	})
}

// scanCase reads one row selected with CaseColumns.
func scanCase(r Row) (*posguard.Case, error) {
	var c posguard.Case
	var kind, status, prio, ids string
	var amount int64
	if err := r.Scan(&c.ID, &kind, &status, &prio, &c.TxnID, &ids, &c.MerchantID, &c.TerminalID, &amount, &c.Currency,
		&c.Reason, &c.Cause, &c.Title, &c.Assignee, &c.Outcome, &c.OpenedBy, TimeCol(&c.DueAt), TimeCol(&c.CreatedAt),
		TimeCol(&c.UpdatedAt), TimeCol(&c.ResolvedAt), TimeCol(&c.ClosedAt)); err != nil {
		return nil, err
	}
	if err := CaseFromRow(&c, kind, status, prio, amount, ids); err != nil {
		return nil, err
	}
	return &c, nil
}
