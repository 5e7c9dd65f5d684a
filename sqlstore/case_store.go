package sqlstore

import (
	"context"
	"errors"
	"time"

	"github.com/posguard/posguard"
)

var _ posguard.CaseStore = (*Store)(nil)

// caseTable is cases, whose ID the database assigns.
var caseTable = newTable("cases", "id", `id, kind, status, priority, txn_id, txn_ids, merchant_id, terminal_id, amount,
	currency, reason, cause, title, assignee, outcome, opened_by, due_at, created_at, updated_at, resolved_at, closed_at, subject`,
	func(c *posguard.Case) []any {
		return []any{&c.ID, &c.Kind, &c.Status, &c.Priority, &c.TxnID, asJSON(&c.TxnIDs, nil), &c.MerchantID, &c.TerminalID,
			&c.Amount, &c.Currency, &c.Reason, &c.Cause, &c.Title, &c.Assignee, &c.Outcome, &c.OpenedBy, &c.DueAt,
			&c.CreatedAt, &c.UpdatedAt, &c.ResolvedAt, &c.ClosedAt, &c.Subject}
	})

// caseEntryTable is case_entries, whose ID the database assigns.
var caseEntryTable = newTable("case_entries", "id", `id, case_id, kind, author, text, at`, func(e *posguard.CaseEntry) []any {
	return []any{&e.ID, &e.CaseID, &e.Kind, &e.Author, &e.Text, &e.At}
})

// caseNotFound is the error for an unknown case ID.
func caseNotFound(id int64) error {
	return posguard.Errorf(posguard.ENOTFOUND, "case %d not found", id)
}

// OpenCase inserts c with its first timeline entries; idempotent per (Kind,
// TxnID) when TxnID is set (see posguard.CaseStore).
func (s *Store) OpenCase(ctx context.Context, c *posguard.Case, entries []posguard.CaseEntry) (bool, error) {
	if c == nil || !c.Kind.Valid() || !c.Status.Valid() || !c.Priority.Valid() {
		return false, posguard.Errorf(posguard.EINVALID, "open case: kind, status and priority are required")
	}
	now := s.NowUTC()
	// The case's key: its subject when it has one, else its transaction.
	conflict, existing, key := `(kind, txn_id) WHERE txn_id <> 0`, `txn_id = ?`, any(c.TxnID)
	if c.Subject != "" {
		conflict, existing, key = `(kind, subject) WHERE subject <> ''`, `subject = ?`, c.Subject
	}
	c.CreatedAt, c.UpdatedAt, c.ResolvedAt, c.ClosedAt = now, now, time.Time{}, time.Time{}
	created, err := inTx(ctx, s.DB, "open case", func(tx *Tx) (bool, error) {
		err := caseTable.add(ctx, tx, s, c, ` ON CONFLICT `+conflict+` DO NOTHING`)
		if errors.Is(err, ErrNoRows) {
			return false, nil // exists: read below
		}
		for i := 0; err == nil && i < len(entries); i++ {
			e := &entries[i]
			e.CaseID = c.ID
			if e.At.IsZero() {
				e.At = now
			}
			err = s.insertEntry(ctx, tx, e)
		}
		return err == nil, err
	})
	if err != nil || created {
		return created, err
	}
	stored, err := caseTable.get(ctx, s.DB, "open case", nil, ` WHERE kind = ? AND `+existing, string(c.Kind), key)
	if err == nil {
		*c = *stored
	}
	return false, err
}

// insertEntry appends e inside tx and sets its ID.
func (s *Store) insertEntry(ctx context.Context, tx *Tx, e *posguard.CaseEntry) error {
	if !e.Kind.Valid() {
		return posguard.Errorf(posguard.EINVALID, "case entry: unknown kind %q", e.Kind)
	}
	return caseEntryTable.add(ctx, tx, s, e, "")
}

// Case returns the case with id; ENOTFOUND if none.
func (s *Store) Case(ctx context.Context, id int64) (*posguard.Case, error) {
	return caseTable.get(ctx, s.DB, "get case", func() error { return caseNotFound(id) }, ` WHERE id = ?`, id)
}

// Cases returns cases matching f, newest first.
func (s *Store) Cases(ctx context.Context, f posguard.CaseFilter) ([]*posguard.Case, error) {
	a := &Args{}
	return caseTable.page(ctx, s, "list cases", a, a.Eq("status", f.Status, "kind", f.Kind, "merchant_id", f.MerchantID,
		"priority", f.Priority, "txn_id", f.TxnID, "id <", max(f.After, 0)), "id DESC", f.Limit, 50, 1000)
}

// UpdateCase applies u atomically (see posguard.CaseUpdate).
func (s *Store) UpdateCase(ctx context.Context, u posguard.CaseUpdate) error {
	now := s.NowUTC()
	at := u.At.UTC()
	if u.At.IsZero() {
		at = now
	}
	return s.DB.InTx(ctx, "update case", func(tx *Tx) error {
		cur, err := queryOne(ctx, tx, "update case", func() error { return caseNotFound(u.ID) }, one[string],
			`SELECT status FROM cases WHERE id = ?`+s.DB.D.ForUpdate, u.ID)
		if err != nil {
			return err
		}
		if u.FromStatus != "" && posguard.CaseStatus(cur) != u.FromStatus {
			return posguard.Errorf(posguard.ECONFLICT, "case %d is %s, not %s", u.ID, cur, u.FromStatus)
		}
		// at is the time of the status the case moves to (resolved or closed).
		times := map[posguard.CaseStatus]any{u.Status: s.T(at)}
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
			string(u.Status), string(u.Priority), u.Assignee, u.Outcome, s.NullT(u.DueAt), times[posguard.CaseResolved], times[posguard.CaseClosed], s.T(now), u.ID)
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
		n, err := tx.Exec(ctx, "add case entry", `UPDATE cases SET updated_at = ? WHERE id = ?`, s.T(s.NowUTC()), e.CaseID)
		if err := changed(n, err, func() error { return caseNotFound(e.CaseID) }); err != nil {
			return err
		}
		return s.insertEntry(ctx, tx, e)
	})
}

// CaseEntries returns a case's timeline, oldest first.
func (s *Store) CaseEntries(ctx context.Context, id int64) ([]posguard.CaseEntry, error) {
	return queryAll(ctx, s.DB, "case entries", caseEntryTable.val, `SELECT `+caseEntryTable.cols+` FROM case_entries WHERE case_id = ? ORDER BY id`, id)
}
