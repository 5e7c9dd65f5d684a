package posguard

import (
	"context"
	"time"
)

// Reconciliation exception classes (spec/clearing-file.md §4.2).
const (
	ReconDuplicate            = "duplicate"
	ReconNetworkOnly          = "network_only"
	ReconStateMismatch        = "state_mismatch"
	ReconAmountMismatch       = "amount_mismatch"
	ReconFeeMismatch          = "fee_mismatch"
	ReconJournalOnly          = "journal_only"
	ReconPayoutNotInBank      = "payout_not_in_bank"
	ReconBankOnly             = "bank_only"
	ReconPayoutAmountMismatch = "payout_amount_mismatch"
	ReconPayoutStatusMismatch = "payout_status_mismatch"
)

// Reconciliation exception statuses (§4.4).
const (
	ReconAwaiting      = "awaiting"
	ReconOpen          = "open"
	ReconRepairPending = "repair_pending"
	ReconRepaired      = "repaired"
	ReconResolved      = "resolved"
)

// Reconciliation actions (§4.2, §4.4).
const (
	ActionCreditCardholder = "credit_cardholder"
	ActionAwaitReversal    = "await_reversal"
	ActionInvestigate      = "investigate"
	ActionHold             = "hold"
	ActionCase             = "case"
	ActionQueryBank        = "query_bank"
	ActionApplyBankStatus  = "apply_bank_status"
)

// Posting kinds of reconciliation holds. They are settlement items for the
// batches (a hold is deducted from the merchant's next settlement, a
// release paid with it) but not earnings: they move money between the
// merchant's payable and held accounts.
const (
	PostReconHold    PostingKind = "recon_hold"    // Dr merchant_payable, Cr held
	PostReconRelease PostingKind = "recon_release" // Dr held, Cr merchant_payable
	// PostReconSuspense records money the network cleared for a
	// transaction posguard holds as failed (Dr network_receivable, Cr
	// suspense) and its return by a credit adjustment (the reverse). It
	// belongs to no merchant.
	PostReconSuspense PostingKind = "recon_suspense"
)

// Settles reports whether postings of kind k are taken by settlement
// batches: the settlement items and the reconciliation holds and releases.
func (k PostingKind) Settles() bool {
	return k.Item() || k == PostReconHold || k == PostReconRelease
}

// ReconRun is one stored reconciliation run of a clearing date.
type ReconRun struct {
	ID           string
	Date         string // clearing date YYYY-MM-DD
	ClearingFile string
	ClearingSHA  string
	BankFile     string // "" when no bank file was given
	BankSHA      string
	// Report is the run's report (JSON, spec §6) as it was made; statuses
	// and case ids are refreshed from the exceptions when it is read.
	Report []byte
	// Idents are the identities of the report's exceptions, in its order.
	Idents       []string
	SupersededBy string
	CreatedAt    time.Time
}

// ReconException is the standing record of one exception, identified across
// runs by Ident (date, class, key and, for duplicates, the occurrence).
type ReconException struct {
	Ident    string
	Date     string
	Class    string
	Status   string
	RunID    string // the latest run that found it
	TxnID    int64
	PayoutID string
	// MerchantID and HoldAmount describe the hold in force (0: none).
	MerchantID string
	HoldAmount Amount
	CaseID     int64
	// RepairTxnID is the credit adjustment sent for it (0: none).
	RepairTxnID int64
	// Body is the exception object of the report (JSON).
	Body      []byte
	UpdatedAt time.Time
}

// ReconFilter selects exceptions. Empty fields match all.
type ReconFilter struct {
	Date, Class, Status string
	TxnID               int64
	After               string // cursor: idents above it
	Limit               int    // default 100, max 10000
}

// ReconTxn is what reconciliation reads of a journal transaction.
type ReconTxn struct {
	ID             int64
	Type           TxnType
	State          State
	TerminalID     string
	MerchantID     string
	RRN            string
	Amount         Amount
	SettlementDate string
	UpstreamSTAN   string
	UpstreamTime   string
	PANMasked      string
	OrigID         int64
}

// ReconStore keeps reconciliation runs and exceptions and reads what
// reconciliation needs of the journal.
type ReconStore interface {
	// ReconTxns calls f with every journal transaction of the given types
	// whose settlement date is one of dates, in any order, streaming.
	ReconTxns(ctx context.Context, dates []string, types []TxnType, f func(*ReconTxn) error) error
	// ReconTxnsByID returns the transactions with the given ids (missing
	// ones left out).
	ReconTxnsByID(ctx context.Context, ids []int64) ([]*ReconTxn, error)
	// RunBySHA returns the run of date made from exactly these files;
	// ENOTFOUND if none.
	RunBySHA(ctx context.Context, date, clearingSHA, bankSHA string) (*ReconRun, error)
	// ReconRun returns the run with id; ENOTFOUND if none.
	ReconRun(ctx context.Context, id string) (*ReconRun, error)
	// CurrentRun returns the run of date not superseded; ENOTFOUND if none.
	CurrentRun(ctx context.Context, date string) (*ReconRun, error)
	// ReconRuns returns runs, newest first, of date ("" for all), with
	// CreatedAt before the cursor run's (before "" for the first page).
	ReconRuns(ctx context.Context, date, before string, limit int) ([]*ReconRun, error)
	// SaveRun records r, marks the date's earlier current run superseded by
	// it, and upserts exs by Ident, in one store transaction. ECONFLICT if
	// a run with the same files exists.
	SaveRun(ctx context.Context, r *ReconRun, exs []*ReconException) error
	// PutExceptions upserts exs by Ident.
	PutExceptions(ctx context.Context, exs []*ReconException) error
	// Exceptions returns exceptions matching f, ordered by Ident.
	Exceptions(ctx context.Context, f ReconFilter) ([]*ReconException, error)
	// ExceptionsByIdent returns the exceptions with these identities.
	ExceptionsByIdent(ctx context.Context, idents []string) (map[string]*ReconException, error)
	// MarkLate records that run runID of runDate matched transaction txnID
	// of settlement date txnDate with a late line.
	MarkLate(ctx context.Context, txnID int64, txnDate, runDate, runID string) error
	// LedgerNet returns the ledger's net amount receivable from the network
	// for settlement date date: the network_receivable side of the item
	// postings (approvals, voids, refunds, reversals) dated date; ok is
	// false while the ledger has posted none.
	LedgerNet(ctx context.Context, date string) (net Amount, ok bool, err error)
	// LateMatched returns the transactions of settlement date txnDate that
	// a late line matched, with the date of the run that matched each.
	LateMatched(ctx context.Context, txnDate string) (map[int64]string, error)
}
