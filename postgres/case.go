package postgres

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
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
	err = s.inTx(ctx, "open case", func(tx pgx.Tx) error {
		created = false
		var id int64
		err := tx.QueryRow(ctx, `INSERT INTO cases (kind, status, priority, txn_id, txn_ids, merchant_id, terminal_id,
			amount, currency, reason, cause, title, assignee, outcome, opened_by, due_at, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
			ON CONFLICT (kind, txn_id) WHERE txn_id <> 0 DO NOTHING RETURNING id`,
			string(c.Kind), string(c.Status), string(c.Priority), c.TxnID, string(ids), c.MerchantID, c.TerminalID,
			int64(c.Amount), c.Currency, c.Reason, c.Cause, c.Title, c.Assignee, c.Outcome, c.OpenedBy,
			tsArg(c.DueAt), now, now).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
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
		row := s.pool.QueryRow(ctx, `SELECT `+sqlstore.CaseColumns+` FROM cases WHERE kind = $1 AND txn_id = $2`, string(c.Kind), c.TxnID)
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
func insertEntry(ctx context.Context, tx pgx.Tx, e *posguard.CaseEntry) error {
	if !e.Kind.Valid() {
		return posguard.Errorf(posguard.EINVALID, "case entry: unknown kind %q", e.Kind)
	}
	return tx.QueryRow(ctx, `INSERT INTO case_entries (case_id, kind, author, text, at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		e.CaseID, string(e.Kind), e.Author, e.Text, e.At.UTC()).Scan(&e.ID)
}

// Case returns the case with id; ENOTFOUND if none.
func (s *Store) Case(ctx context.Context, id int64) (*posguard.Case, error) {
	c, err := scanCase(s.pool.QueryRow(ctx, `SELECT `+sqlstore.CaseColumns+` FROM cases WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, sqlstore.CaseNotFound(id)
	}
	return c, dbError(err, "get case")
}

// Cases returns cases matching f, newest first.
func (s *Store) Cases(ctx context.Context, f posguard.CaseFilter) ([]*posguard.Case, error) {
	a := sqlstore.Args{Dollar: true}
	where := sqlstore.CaseFilterWhere(f, &a)
	q := `SELECT ` + sqlstore.CaseColumns + ` FROM cases`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY id DESC LIMIT " + a.Add(sqlstore.ClampLimit(f.Limit))
	rows, err := s.pool.Query(ctx, q, a.List...)
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
	err := s.inTx(ctx, "update case", func(tx pgx.Tx) error {
		var cur string
		err := tx.QueryRow(ctx, `SELECT status FROM cases WHERE id = $1`, u.ID).Scan(&cur)
		if errors.Is(err, pgx.ErrNoRows) {
			return sqlstore.CaseNotFound(u.ID)
		}
		if err != nil {
			return err
		}
		if err := sqlstore.CheckCaseStatus(u.ID, cur, u.FromStatus); err != nil {
			return err
		}
		var resolved, closed any
		if u.Status == posguard.CaseResolved {
			resolved = at
		}
		if u.Status == posguard.CaseClosed {
			closed = at
		}
		_, err = tx.Exec(ctx, `UPDATE cases SET
			status = COALESCE(NULLIF($1::text, ''), status),
			priority = COALESCE(NULLIF($2, ''), priority),
			assignee = COALESCE(NULLIF($3, ''), assignee),
			outcome = COALESCE(NULLIF($4, ''), outcome),
			due_at = COALESCE($5::timestamptz, due_at),
			resolved_at = COALESCE($6::timestamptz, resolved_at),
			closed_at = COALESCE($7::timestamptz, closed_at),
			updated_at = $8
			WHERE id = $9`,
			string(u.Status), string(u.Priority), u.Assignee, u.Outcome, tsArg(u.DueAt), resolved, closed, now, u.ID)
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
	err := s.inTx(ctx, "add case entry", func(tx pgx.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM cases WHERE id = $1`, e.CaseID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return sqlstore.CaseNotFound(e.CaseID)
		}
		if err := insertEntry(ctx, tx, e); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE cases SET updated_at = $1 WHERE id = $2`, s.now(), e.CaseID)
		return err
	})
	return dbError(err, "add case entry")
}

// CaseEntries returns a case's timeline, oldest first.
func (s *Store) CaseEntries(ctx context.Context, id int64) ([]posguard.CaseEntry, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, case_id, kind, author, text, at FROM case_entries WHERE case_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, dbError(err, "case entries")
	}
	defer rows.Close()
	out := []posguard.CaseEntry{}
	for rows.Next() {
		var e posguard.CaseEntry
		var kind string
		if err := rows.Scan(&e.ID, &e.CaseID, &kind, &e.Author, &e.Text, &e.At); err != nil {
			return nil, dbError(err, "case entries")
		}
		e.Kind, e.At = posguard.EntryKind(kind), e.At.UTC()
		out = append(out, e)
	}
	return out, dbError(rows.Err(), "case entries")
}

// scanCase reads one row selected with sqlstore.CaseColumns.
func scanCase(r pgx.Row) (*posguard.Case, error) {
	var c posguard.Case
	var kind, status, prio, ids string
	var amount int64
	var due, resolved, closed *time.Time
	var created, updated time.Time
	if err := r.Scan(&c.ID, &kind, &status, &prio, &c.TxnID, &ids, &c.MerchantID, &c.TerminalID, &amount, &c.Currency,
		&c.Reason, &c.Cause, &c.Title, &c.Assignee, &c.Outcome, &c.OpenedBy, &due, &created, &updated, &resolved, &closed); err != nil {
		return nil, err
	}
	if err := sqlstore.CaseFromRow(&c, kind, status, prio, amount, ids); err != nil {
		return nil, err
	}
	c.DueAt, c.CreatedAt, c.UpdatedAt = fromTS(due), created.UTC(), updated.UTC()
	c.ResolvedAt, c.ClosedAt = fromTS(resolved), fromTS(closed)
	return &c, nil
}
