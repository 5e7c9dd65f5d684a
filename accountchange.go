package posguard

import (
	"context"
	"time"
)

// ChangeState is where a settlement-account change request stands.
type ChangeState string

// Account change states: a request is pending until a finance user other
// than its requester approves (the account is then verified and applied)
// or rejects it.
const (
	ChangePending  ChangeState = "pending"
	ChangeApproved ChangeState = "approved"
	ChangeRejected ChangeState = "rejected"
)

// AccountChange is a request to change a merchant's settlement account
// (maker-checker: it changes nothing until a second user approves it).
type AccountChange struct {
	ID          int64
	MerchantID  string
	Account     SettlementAccount // the new account (Status: the bank's verification at request time)
	RequestedBy string
	RequestedAt time.Time
	State       ChangeState
	DecidedBy   string
	DecidedAt   time.Time
	Note        string // the reason of a rejection
}

// AccountChangeFilter selects account change requests.
type AccountChangeFilter struct {
	MerchantID string      // empty: every merchant
	State      ChangeState // empty: every state
}

// AccountChangeStore keeps settlement-account change requests.
type AccountChangeStore interface {
	// CreateAccountChange stores c as pending and sets its ID, State and
	// RequestedAt.
	CreateAccountChange(ctx context.Context, c *AccountChange) error
	// AccountChange returns change id; ENOTFOUND if there is none.
	AccountChange(ctx context.Context, id int64) (*AccountChange, error)
	// AccountChanges returns the changes matching f, newest first.
	AccountChanges(ctx context.Context, f AccountChangeFilter) ([]*AccountChange, error)
	// DecideAccountChange moves pending change id to state (approved or
	// rejected) by user by. ENOTFOUND if there is none; ECONFLICT if it is
	// no longer pending.
	DecideAccountChange(ctx context.Context, id int64, state ChangeState, by, note string) error
	// ApplyAccountChange approves pending change id by user by, makes a the
	// settlement account of its merchant and appends each of audit to the
	// audit log, in one store transaction. ENOTFOUND if there is no such
	// change; ECONFLICT if it is no longer pending.
	ApplyAccountChange(ctx context.Context, id int64, by string, a SettlementAccount, audit ...*AuditRecord) error
}

// AccessStore is everything access control keeps: users and tokens, the
// audit log and account change requests.
type AccessStore interface {
	UserStore
	AuditStore
	AccountChangeStore
}
