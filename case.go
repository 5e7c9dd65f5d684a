package posguard

import (
	"context"
	"time"
)

// CaseKind is why an exception case exists.
type CaseKind string

// Case kinds. Reconciliation cases are opened by the reconciliation part;
// every other kind is opened by posguard as it runs.
const (
	CaseReversalFailed    CaseKind = "reversal_failed"        // a reversal is past its attempt limit
	CaseLateApproval      CaseKind = "late_approval_reversed" // the issuer approved after the timeout; reversed
	CaseChargedButFailed  CaseKind = "charged_but_failed"     // the terminal was told it failed, the reversal is not acknowledged
	CaseMerchantComplaint CaseKind = "merchant_complaint"     // opened by a merchant or an operator
	CasePayoutFailed      CaseKind = "payout_failed"          // a payout failed or was returned by the bank; the money is held
	CaseReconDiscrepancy  CaseKind = "recon_discrepancy"      // reconciliation found a difference
	CaseRiskFreeze        CaseKind = "risk_freeze"            // a risk rule froze a merchant
	CaseQRException       CaseKind = "qr_exception"           // a QR order needs a person: reverse past its attempts, channel refusal, late payment, notification undelivered
	CaseRetrieval         CaseKind = "retrieval_request"      // 调单: the network asks for evidence (dispute/)
	CaseChargeback        CaseKind = "chargeback"             // 拒付: the network took a sale back (dispute/)
)

// Valid reports whether k is a known kind.
func (k CaseKind) Valid() bool {
	switch k {
	case CaseReversalFailed, CaseLateApproval, CaseChargedButFailed, CaseMerchantComplaint, CasePayoutFailed, CaseReconDiscrepancy, CaseRiskFreeze,
		CaseRetrieval, CaseChargeback, CaseQRException:
		return true
	}
	return false
}

// CaseStatus is where a case is in its handling.
type CaseStatus string

// Case statuses.
//
//	open ─▶ investigating ⇄ waiting_merchant
//	  │           │               │
//	  └───────────┴──▶ resolved ◀─┘ ─▶ closed
//	                      └─▶ investigating (reopened)
const (
	CaseOpen            CaseStatus = "open"
	CaseInvestigating   CaseStatus = "investigating"
	CaseWaitingMerchant CaseStatus = "waiting_merchant"
	CaseResolved        CaseStatus = "resolved"
	CaseClosed          CaseStatus = "closed"
)

// caseMoves lists the statuses each status may move to.
var caseMoves = map[CaseStatus][]CaseStatus{
	CaseOpen:            {CaseInvestigating, CaseWaitingMerchant, CaseResolved},
	CaseInvestigating:   {CaseWaitingMerchant, CaseResolved},
	CaseWaitingMerchant: {CaseInvestigating, CaseResolved},
	CaseResolved:        {CaseClosed, CaseInvestigating},
}

// Valid reports whether s is a known status.
func (s CaseStatus) Valid() bool {
	switch s {
	case CaseOpen, CaseInvestigating, CaseWaitingMerchant, CaseResolved, CaseClosed:
		return true
	}
	return false
}

// CanMoveTo reports whether a case in status s may move to next.
func (s CaseStatus) CanMoveTo(next CaseStatus) bool {
	for _, n := range caseMoves[s] {
		if n == next {
			return true
		}
	}
	return false
}

// Active reports whether the case still needs work (not resolved or closed).
func (s CaseStatus) Active() bool {
	return s == CaseOpen || s == CaseInvestigating || s == CaseWaitingMerchant
}

// Priority is how urgent a case is: P1 most urgent.
type Priority string

// Priorities.
const (
	P1 Priority = "P1"
	P2 Priority = "P2"
	P3 Priority = "P3"
	P4 Priority = "P4"
)

// Valid reports whether p is a known priority.
func (p Priority) Valid() bool { return p == P1 || p == P2 || p == P3 || p == P4 }

// EntryKind is what a timeline entry records.
type EntryKind string

// Timeline entry kinds: 原因 cause found, 处理过程 step taken, 处理结果
// outcome, a free note, and the entries posguard writes itself when the
// status or assignee changes.
const (
	EntryCause   EntryKind = "cause"
	EntryStep    EntryKind = "step"
	EntryOutcome EntryKind = "outcome"
	EntryNote    EntryKind = "note"
	EntryStatus  EntryKind = "status"
	EntryAssign  EntryKind = "assign"
)

// Valid reports whether k is a known entry kind.
func (k EntryKind) Valid() bool {
	switch k {
	case EntryCause, EntryStep, EntryOutcome, EntryNote, EntryStatus, EntryAssign:
		return true
	}
	return false
}

// CaseEntry is one line of a case's timeline.
type CaseEntry struct {
	ID     int64
	CaseID int64
	Kind   EntryKind
	Author string // operator name, or "posguard" for automatic entries
	Text   string
	At     time.Time
}

// Case is an exception that someone must handle: its cause, the money
// involved, who handles it, by when, and what was done.
type Case struct {
	ID         int64
	Kind       CaseKind
	Status     CaseStatus
	Priority   Priority
	TxnID      int64   // the transaction the case is about (0 if none)
	TxnIDs     []int64 // every transaction involved, TxnID first
	MerchantID string
	TerminalID string
	// Subject names what a case not about one transaction is about
	// ("batch-upload/{terminal}/{batch}"); "" for none. Opening is
	// idempotent per (Kind, Subject) when it is set.
	Subject    string
	Amount     Amount // money involved, fen
	Currency   string
	Reason     string // internal reason code of the cause
	Cause      string // one sentence naming the cause (from the knowledge base)
	Title      string
	Assignee   string
	Outcome    string // set when resolved
	OpenedBy   string
	DueAt      time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
	ResolvedAt time.Time
	ClosedAt   time.Time
}

// CaseFilter selects cases for listing. Empty fields match all.
type CaseFilter struct {
	Status     CaseStatus
	Kind       CaseKind
	MerchantID string
	Priority   Priority
	TxnID      int64
	// After is a cursor: only cases with ID below it (newest first).
	After int64
	Limit int // default 50, max 1000
}

// CaseUpdate changes a case and appends a timeline entry, in one store
// transaction. Zero-valued fields are left unchanged.
type CaseUpdate struct {
	ID int64
	// FromStatus, if set, makes the update apply only when the case is in
	// that status; otherwise ECONFLICT.
	FromStatus CaseStatus
	Status     CaseStatus
	Priority   Priority
	Assignee   string
	Outcome    string
	DueAt      time.Time
	Entry      *CaseEntry // appended when set
	At         time.Time
}

// CaseStore keeps exception cases and their timelines.
type CaseStore interface {
	// OpenCase inserts c with its first timeline entries and sets its ID and
	// times. Opening is idempotent per (Kind, Subject) when Subject is set,
	// else per (Kind, TxnID) when TxnID is not 0: if such a case exists, c
	// is overwritten with the stored case and created is false.
	OpenCase(ctx context.Context, c *Case, entries []CaseEntry) (created bool, err error)
	// Case returns the case with id; ENOTFOUND if none.
	Case(ctx context.Context, id int64) (*Case, error)
	// Cases returns cases matching f, newest first.
	Cases(ctx context.Context, f CaseFilter) ([]*Case, error)
	// UpdateCase applies u atomically. ENOTFOUND if the ID is unknown;
	// ECONFLICT if FromStatus is set and not matched.
	UpdateCase(ctx context.Context, u CaseUpdate) error
	// AddCaseEntry appends e to its case's timeline and sets its ID.
	// ENOTFOUND if the case is unknown.
	AddCaseEntry(ctx context.Context, e *CaseEntry) error
	// CaseEntries returns a case's timeline, oldest first.
	CaseEntries(ctx context.Context, id int64) ([]CaseEntry, error)
}
