package sqlstore

import (
	"context"
	"strconv"

	"github.com/posguard/posguard"
)

// Settlement-account change requests (posguard.AccountChangeStore),
// migration 0010_access.

// CreateAccountChange implements posguard.AccountChangeStore.
func (s *Store) CreateAccountChange(ctx context.Context, c *posguard.AccountChange) error {
	if c == nil || c.MerchantID == "" || c.RequestedBy == "" {
		return posguard.Errorf(posguard.EINVALID, "account change: no merchant or requester")
	}
	now := s.NowUTC()
	a := c.Account
	return s.DB.InTx(ctx, "create account change", func(tx *Tx) error {
		c.RequestedAt, c.State = now, posguard.ChangePending
		return tx.Insert(ctx, &c.ID, `INSERT INTO account_changes
			(merchant_id, bank, number, name, status, requested_by, requested_at, state)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			c.MerchantID, a.Bank, a.Number, a.Name, a.Status, c.RequestedBy, s.T(now), string(posguard.ChangePending))
	})
}

const changeColumns = `id, merchant_id, bank, number, name, status, requested_by, requested_at, state, decided_by, decided_at, note`

// scanChange reads one row of changeColumns.
func scanChange(row Row) (*posguard.AccountChange, error) {
	var c posguard.AccountChange
	var state string
	if err := row.Scan(&c.ID, &c.MerchantID, &c.Account.Bank, &c.Account.Number, &c.Account.Name, &c.Account.Status,
		&c.RequestedBy, TimeCol(&c.RequestedAt), &state, &c.DecidedBy, TimeCol(&c.DecidedAt), &c.Note); err != nil {
		return nil, err
	}
	c.State = posguard.ChangeState(state)
	return &c, nil
}

// AccountChange implements posguard.AccountChangeStore.
func (s *Store) AccountChange(ctx context.Context, id int64) (*posguard.AccountChange, error) {
	return queryOne(ctx, s.DB, "account change", changeNotFound(id), scanChange, `SELECT `+changeColumns+` FROM account_changes WHERE id = ?`, id)
}

// AccountChanges implements posguard.AccountChangeStore.
func (s *Store) AccountChanges(ctx context.Context, f posguard.AccountChangeFilter) ([]*posguard.AccountChange, error) {
	a := Args{}
	q := `SELECT ` + changeColumns + ` FROM account_changes WHERE 1 = 1` + a.Eq("merchant_id", f.MerchantID, "state", f.State)
	return queryAll(ctx, s.DB, "account changes", scanChange, q+` ORDER BY id DESC LIMIT 500`, a.List...)
}

// DecideAccountChange implements posguard.AccountChangeStore.
func (s *Store) DecideAccountChange(ctx context.Context, id int64, state posguard.ChangeState, by, note string) error {
	if state != posguard.ChangeApproved && state != posguard.ChangeRejected {
		return posguard.Errorf(posguard.EINVALID, "account change %d: cannot move to %q", id, state)
	}
	return s.DB.InTx(ctx, "decide account change", func(tx *Tx) error {
		return s.decide(ctx, tx, "account_changes", "account change", id, string(state), by, note, "")
	})
}

// changeNotFound returns the error for an unknown account change.
func changeNotFound(id int64) func() error {
	return func() error { return NotFound("account change", strconv.FormatInt(id, 10)) }
}

// ApplyAccountChange implements posguard.AccountChangeStore.
func (s *Store) ApplyAccountChange(ctx context.Context, id int64, by string, a posguard.SettlementAccount, audit ...*posguard.AuditRecord) error {
	return s.DB.InTx(ctx, "apply account change", func(tx *Tx) error {
		if err := s.decide(ctx, tx, "account_changes", "account change", id, string(posguard.ChangeApproved), by, "",
			`account_bank = ?, account_number = ?, account_name = ?, account_status = ?`, a.Bank, a.Number, a.Name, a.Status); err != nil {
			return err
		}
		return s.appendAudits(ctx, tx, audit)
	})
}
