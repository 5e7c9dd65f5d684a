package accesssql

import (
	"context"
	"database/sql"
	"errors"

	"github.com/posguard/posguard"
)

// CreateAccountChange implements posguard.AccountChangeStore.
func (s *Store) CreateAccountChange(ctx context.Context, c *posguard.AccountChange) error {
	if c == nil || c.MerchantID == "" || c.RequestedBy == "" {
		return posguard.Errorf(posguard.EINVALID, "account change: no merchant or requester")
	}
	now := s.now()
	a := c.Account
	if err := s.write.QueryRowContext(ctx, s.q(`INSERT INTO account_changes
		(merchant_id, bank, number, name, status, requested_by, requested_at, state)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		c.MerchantID, a.Bank, a.Number, a.Name, a.Status, c.RequestedBy, nanos(now), string(posguard.ChangePending)).Scan(&c.ID); err != nil {
		return s.err(err, "create account change")
	}
	c.RequestedAt, c.State = now, posguard.ChangePending
	return nil
}

const changeColumns = `id, merchant_id, bank, number, name, status, requested_by, requested_at, state, decided_by, decided_at, note`

// scanChange reads one row of changeColumns.
func scanChange(row interface{ Scan(...any) error }) (*posguard.AccountChange, error) {
	var c posguard.AccountChange
	var state string
	var req, dec int64
	if err := row.Scan(&c.ID, &c.MerchantID, &c.Account.Bank, &c.Account.Number, &c.Account.Name, &c.Account.Status,
		&c.RequestedBy, &req, &state, &c.DecidedBy, &dec, &c.Note); err != nil {
		return nil, err
	}
	c.RequestedAt, c.State, c.DecidedAt = fromNanos(req), posguard.ChangeState(state), fromNanos(dec)
	return &c, nil
}

// AccountChange implements posguard.AccountChangeStore.
func (s *Store) AccountChange(ctx context.Context, id int64) (*posguard.AccountChange, error) {
	c, err := scanChange(s.read.QueryRowContext(ctx, s.q(`SELECT `+changeColumns+` FROM account_changes WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, posguard.Errorf(posguard.ENOTFOUND, "account change %d not found", id)
	}
	return c, s.err(err, "account change")
}

// AccountChanges implements posguard.AccountChangeStore.
func (s *Store) AccountChanges(ctx context.Context, f posguard.AccountChangeFilter) ([]*posguard.AccountChange, error) {
	q := `SELECT ` + changeColumns + ` FROM account_changes WHERE 1 = 1`
	var args []any
	if f.MerchantID != "" {
		q += ` AND merchant_id = ?`
		args = append(args, f.MerchantID)
	}
	if f.State != "" {
		q += ` AND state = ?`
		args = append(args, string(f.State))
	}
	rows, err := s.read.QueryContext(ctx, s.q(q+` ORDER BY id DESC LIMIT 500`), args...)
	if err != nil {
		return nil, s.err(err, "account changes")
	}
	defer rows.Close()
	var out []*posguard.AccountChange
	for rows.Next() {
		c, err := scanChange(rows)
		if err != nil {
			return nil, s.err(err, "account changes")
		}
		out = append(out, c)
	}
	return out, s.err(rows.Err(), "account changes")
}

// DecideAccountChange implements posguard.AccountChangeStore.
func (s *Store) DecideAccountChange(ctx context.Context, id int64, state posguard.ChangeState, by, note string) error {
	if state != posguard.ChangeApproved && state != posguard.ChangeRejected {
		return posguard.Errorf(posguard.EINVALID, "account change %d: cannot move to %q", id, state)
	}
	res, err := s.write.ExecContext(ctx, s.q(`UPDATE account_changes SET state = ?, decided_by = ?, decided_at = ?, note = ?
		WHERE id = ? AND state = ?`), string(state), by, nanos(s.now()), note, id, string(posguard.ChangePending))
	if err != nil {
		return s.err(err, "decide account change")
	}
	if n, err := res.RowsAffected(); err != nil {
		return s.err(err, "decide account change")
	} else if n == 1 {
		return nil
	}
	if _, err := s.AccountChange(ctx, id); err != nil {
		return err
	}
	return posguard.Errorf(posguard.ECONFLICT, "account change %d was already decided", id)
}
