package posguard

import (
	"context"
	"time"
)

// PayoutState is where a payout to a merchant's settlement account is.
type PayoutState string

// Payout states.
//
//	queued ─▶ submitted ─▶ succeeded ─▶ returned (退汇)
//	                   └─▶ failed
//
// A submitted payout whose answer was lost is submitted again under the same
// ID; the bank answers a repeat with the first outcome, so it is paid once.
const (
	PayoutQueued    PayoutState = "queued"
	PayoutSubmitted PayoutState = "submitted"
	PayoutSucceeded PayoutState = "succeeded"
	PayoutFailed    PayoutState = "failed"
	PayoutReturned  PayoutState = "returned"
)

// Payout is one transfer of settled money to a merchant's account.
type Payout struct {
	ID         string
	BatchID    string
	MerchantID string
	Amount     Amount
	Account    SettlementAccount // as it was when the payout was made
	State      PayoutState
	Reason     string // reason code of a failure or return (settlement.*)
	BankRef    string
	Attempts   int
	// ResettledBy is the payout that re-settles this failed or returned one.
	ResettledBy string
	// Resettles is the failed or returned payout this one re-settles.
	Resettles string
	CaseID    string
	CreatedAt time.Time
	UpdatedAt time.Time
	PaidAt    time.Time
}

// PayoutFilter selects payouts. Empty fields match all.
type PayoutFilter struct {
	MerchantID string
	BatchID    string
	States     []PayoutState
	Limit      int // default 100, max 10000
}

// PayoutStore keeps payouts.
type PayoutStore interface {
	// Payout returns the payout with id; ENOTFOUND if none.
	Payout(ctx context.Context, id string) (*Payout, error)
	// Payouts returns payouts matching f, oldest first.
	Payouts(ctx context.Context, f PayoutFilter) ([]*Payout, error)
	// MarkSubmitted moves a queued or submitted payout to submitted and
	// counts an attempt. ECONFLICT from another state, ENOTFOUND if unknown.
	MarkSubmitted(ctx context.Context, id string, at time.Time) error
	// FinishPayout moves payout id from one of from to state to, recording
	// reason, bank reference and case, appends ps and appends each of audit
	// to the audit log (see AuditStore.AppendAudit), in one store
	// transaction. ECONFLICT if the payout is in another state.
	FinishPayout(ctx context.Context, id string, from []PayoutState, to PayoutState, reason, bankRef string, at time.Time, ps []*Posting, audit ...*AuditRecord) error
	// SetPayoutCase records the case opened for a payout.
	SetPayoutCase(ctx context.Context, id, caseID string) error
	// Resettle queues p to re-settle the failed or returned payout
	// p.Resettles and appends ps, in one store transaction. ECONFLICT if that
	// payout is in another state or already re-settled.
	Resettle(ctx context.Context, p *Payout, ps []*Posting) error
}

// MoneyStore is everything money after authorization needs of a store.
type MoneyStore interface {
	LedgerStore
	SettlementStore
	PayoutStore
}
