package sqlstore

import (
	"context"
	"strconv"
	"time"

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
	return s.DB.InTx(ctx, "create account change", func(tx *Tx) error {
		c.RequestedAt, c.State, c.DecidedBy, c.DecidedAt, c.Note = now, posguard.ChangePending, "", time.Time{}, ""
		return changeTable.add(ctx, tx, s, c, "")
	})
}

// changeTable is account_changes, whose ID the database assigns.
var changeTable = newTable("account_changes", "id",
	`id, merchant_id, bank, number, name, status, requested_by, requested_at, state, decided_by, decided_at, note`,
	func(c *posguard.AccountChange) []any {
		return []any{&c.ID, &c.MerchantID, &c.Account.Bank, &c.Account.Number, &c.Account.Name, &c.Account.Status,
			&c.RequestedBy, &c.RequestedAt, &c.State, &c.DecidedBy, &c.DecidedAt, &c.Note}
	})

// AccountChange implements posguard.AccountChangeStore.
func (s *Store) AccountChange(ctx context.Context, id int64) (*posguard.AccountChange, error) {
	return changeTable.get(ctx, s.DB, "account change", changeNotFound(id), ` WHERE id = ?`, id)
}

// AccountChanges implements posguard.AccountChangeStore.
func (s *Store) AccountChanges(ctx context.Context, f posguard.AccountChangeFilter) ([]*posguard.AccountChange, error) {
	a := Args{}
	return changeTable.list(ctx, s.DB, "account changes", ` WHERE 1 = 1`+a.Eq("merchant_id", f.MerchantID, "state", f.State)+
		` ORDER BY id DESC LIMIT 500`, a.List...)
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
