package payout

import (
	"context"

	"github.com/posguard/posguard"
)

// AccountVerifier verifies a settlement account with the bank and applies
// one to a merchant; *Runner implements it.
type AccountVerifier interface {
	VerifyAccount(ctx context.Context, a posguard.SettlementAccount) (string, error)
	UpdateAccount(ctx context.Context, mid string, a posguard.SettlementAccount) (posguard.SettlementAccount, error)
}

// Changes is the maker-checker flow of settlement-account changes, the one
// the API and the console both use: a request changes nothing until a
// finance user other than its requester approves it.
type Changes struct {
	Bank  AccountVerifier
	Store posguard.AccountChangeStore
}

// Request records user by's request to give merchant mid account a, after
// the bank reports the account ok (EINVALID, nothing stored, otherwise).
// The caller checks that by may ask for mid.
func (c Changes) Request(ctx context.Context, mid string, a posguard.SettlementAccount, by string) (*posguard.AccountChange, error) {
	a = posguard.SettlementAccount{Bank: a.Bank, Number: a.Number, Name: a.Name}
	st, err := c.Bank.VerifyAccount(ctx, a)
	if err != nil {
		return nil, err
	}
	if a.Status = st; st != "ok" {
		return nil, posguard.Errorf(posguard.EINVALID, "settlement account of %s: the bank reports it %s; nothing was stored", mid, st)
	}
	ch := &posguard.AccountChange{MerchantID: mid, Account: a, RequestedBy: by}
	posguard.NoteAudit(ctx, ch) // the request's record names it, in its transaction
	if err := c.Store.CreateAccountChange(ctx, ch); err != nil {
		return nil, err
	}
	return ch, nil
}

// Approve applies pending change ch for user by: EFORBIDDEN when by
// requested it, ECONFLICT when it is no longer pending; the account is
// verified again and then replaces the merchant's, in the same store
// transaction as the change's decision and the audit records (EINVALID,
// nothing stored, when the bank no longer reports it ok). It returns the
// account applied. The caller checks that by is finance.
func (c Changes) Approve(ctx context.Context, ch *posguard.AccountChange, by string, audit ...*posguard.AuditRecord) (posguard.SettlementAccount, error) {
	if posguard.NameKey(ch.RequestedBy) == posguard.NameKey(by) {
		return posguard.SettlementAccount{}, posguard.Errorf(posguard.EFORBIDDEN, "account change %d: a change is approved by a user other than its requester", ch.ID)
	}
	if ch.State != posguard.ChangePending {
		return posguard.SettlementAccount{}, posguard.Errorf(posguard.ECONFLICT, "account change %d is %s", ch.ID, ch.State)
	}
	a := posguard.SettlementAccount{Bank: ch.Account.Bank, Number: ch.Account.Number, Name: ch.Account.Name}
	if a.Number == "" || a.Name == "" {
		return a, posguard.Errorf(posguard.EINVALID, "settlement account: number and name are required")
	}
	st, err := c.Bank.VerifyAccount(ctx, a)
	if err != nil {
		return a, err
	}
	if a.Status = st; st != "ok" {
		return a, posguard.Errorf(posguard.EINVALID, "settlement account of %s: the bank reports it %s; the account on file is unchanged", ch.MerchantID, st)
	}
	return a, c.Store.ApplyAccountChange(ctx, ch.ID, by, a, audit...)
}

// Reject closes pending change id for user by with reason; nothing
// changes. ECONFLICT when it is no longer pending.
func (c Changes) Reject(ctx context.Context, id int64, by, reason string) error {
	return c.Store.DecideAccountChange(ctx, id, posguard.ChangeRejected, by, reason)
}
