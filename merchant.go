package posguard

import (
	"context"
	"time"
)

// MerchantStatus is a merchant's standing with the acquirer.
type MerchantStatus string

// Merchant statuses. Only active merchants may transact; the others get
// field 39 "03" with a reason naming the status.
const (
	MerchantActive     MerchantStatus = "active"
	MerchantPendingKYC MerchantStatus = "pending_kyc" // real-name verification not complete
	MerchantFrozen     MerchantStatus = "frozen"      // frozen by risk control
	MerchantClosed     MerchantStatus = "closed"
)

// Valid reports whether s is a known status.
func (s MerchantStatus) Valid() bool {
	switch s {
	case MerchantActive, MerchantPendingKYC, MerchantFrozen, MerchantClosed:
		return true
	}
	return false
}

// Limits are a merchant's amount limits in fen; zero means no limit. An
// amount above a limit is over it; the limit itself is allowed.
type Limits struct {
	PerTxn     Amount
	Daily      Amount
	DailyCount int
	// CardDaily and CardDailyCount bound what one card may spend at the
	// merchant in a settlement day (sales and completions).
	CardDaily      Amount
	CardDailyCount int
	// TerminalDaily and TerminalDailyCount bound what one terminal of the
	// merchant may take in a settlement day.
	TerminalDaily      Amount
	TerminalDailyCount int
}

// PerCard reports whether l has a per-card or per-terminal limit (the
// switch then keeps usage per card and terminal).
func (l Limits) PerCard() bool {
	return l.CardDaily > 0 || l.CardDailyCount > 0 || l.TerminalDaily > 0 || l.TerminalDailyCount > 0
}

// Negative reports whether any limit is below zero.
func (l Limits) Negative() bool {
	return l.PerTxn < 0 || l.Daily < 0 || l.DailyCount < 0 || l.CardDaily < 0 || l.CardDailyCount < 0 ||
		l.TerminalDaily < 0 || l.TerminalDailyCount < 0
}

// SettlementAccount is where a merchant's money is paid.
type SettlementAccount struct {
	Bank   string
	Number string
	Name   string
	Status string // ok | frozen | closed | name_mismatch
}

// Merchant is an acquired merchant (field 42 identifies it).
type Merchant struct {
	ID          string // MID, 15 characters
	Name        string
	MCC         string
	Status      MerchantStatus
	StatusSince time.Time // when Status last changed
	Kind        string    // enterprise | individual | small
	FeePlan     string
	Limits      Limits
	// AllowedTypes lists the transaction types this merchant may do; empty
	// means all financial types.
	AllowedTypes []TxnType
	Account      SettlementAccount
	UpdatedAt    time.Time
}

// Allows reports whether the merchant may perform t.
func (m *Merchant) Allows(t TxnType) bool {
	if len(m.AllowedTypes) == 0 {
		return true
	}
	for _, a := range m.AllowedTypes {
		if a == t {
			return true
		}
	}
	return false
}

// MerchantLimitStore changes a merchant's limits alone, leaving its status
// and every other field as stored (so it cannot undo a concurrent freeze).
type MerchantLimitStore interface {
	// SetMerchantLimits replaces merchant id's limits (fen; zero means no
	// limit) and returns the merchant as stored. ENOTFOUND if there is no
	// such merchant, EINVALID for a negative limit.
	SetMerchantLimits(ctx context.Context, id string, l Limits) (*Merchant, error)
}

// MerchantStore keeps merchants.
type MerchantStore interface {
	// PutMerchant inserts or updates a merchant by ID. StatusSince is kept
	// when the status does not change and set to now when it does.
	PutMerchant(ctx context.Context, m *Merchant) error
	// Merchant returns the merchant with id; ENOTFOUND if there is none.
	Merchant(ctx context.Context, id string) (*Merchant, error)
	// Merchants returns all merchants ordered by ID.
	Merchants(ctx context.Context) ([]*Merchant, error)
	// SetMerchantStatus moves merchant id from status from to status to,
	// appends ev (when not nil) to its history and each of audit to the
	// audit log, in one store transaction, and returns the merchant.
	// ENOTFOUND if there is none; ECONFLICT when its status is not from.
	SetMerchantStatus(ctx context.Context, id string, from, to MerchantStatus, ev *MerchantEvent, audit ...*AuditRecord) (*Merchant, error)
}
