package posguard

import (
	"context"
	"time"
)

// DisputeKind is what the card network asks of the acquirer about a
// transaction (docs/disputes.md).
type DisputeKind string

// Dispute kinds.
const (
	// DisputeRetrieval (调单) asks for the transaction's evidence (the
	// slip) before a deadline; no money moves.
	DisputeRetrieval DisputeKind = "retrieval"
	// DisputeChargeback (拒付) takes the amount back from the acquirer;
	// the merchant is debited until a representment (再请款) wins it back.
	DisputeChargeback DisputeKind = "chargeback"
)

// Valid reports whether k is a known kind.
func (k DisputeKind) Valid() bool { return k == DisputeRetrieval || k == DisputeChargeback }

// DisputeState is where a dispute is.
type DisputeState string

// Dispute states (docs/disputes.md §States).
//
//	open ⇄ waiting_merchant ─▶ [responded] ─▶ won  (response accepted: representment won, retrieval fulfilled)
//	  │           │                        └─▶ lost (network ruled against) ─▶ arbitration ─▶ won | lost (final)
//	  └───────────┴──────────────────────────▶ lost (accepted, or deadline missed)
//
// responded: the response was sent and the network rules later (its ruling
// comes back in the dispute file). arbitration: a chargeback whose
// representment the network ruled against was escalated to arbitration
// (仲裁) within ArbitrationWindow; the network rules again.
const (
	DisputeOpen            DisputeState = "open"
	DisputeWaitingMerchant DisputeState = "waiting_merchant"
	DisputeResponded       DisputeState = "responded"
	DisputeArbitration     DisputeState = "arbitration"
	DisputeWon             DisputeState = "won"
	DisputeLost            DisputeState = "lost"
)

// ArbitrationWindow is how long after the network ruled against a
// chargeback's representment the acquirer may escalate it to arbitration.
const ArbitrationWindow = 10 * 24 * time.Hour

// Valid reports whether s is a known state.
func (s DisputeState) Valid() bool {
	switch s {
	case DisputeOpen, DisputeWaitingMerchant, DisputeResponded, DisputeArbitration, DisputeWon, DisputeLost:
		return true
	}
	return false
}

// Waiting reports whether the dispute waits for the network's ruling (on a
// response or an arbitration).
func (s DisputeState) Waiting() bool { return s == DisputeResponded || s == DisputeArbitration }

// Active reports whether the dispute still waits for a response.
func (s DisputeState) Active() bool { return s == DisputeOpen || s == DisputeWaitingMerchant }

// Reasons a dispute was lost.
const (
	LostByNetwork  = "network"  // the network ruled against the response
	LostByDeadline = "deadline" // no response before the deadline
	LostAccepted   = "accepted" // the acquirer accepted it without contest
	// LostByArbitration: the network ruled against the arbitration too
	// (final: no second escalation).
	LostByArbitration = "arbitration"
)

// Dispute is a retrieval request or chargeback the network raised about
// one transaction, and how it is worked.
type Dispute struct {
	ID         string // the network's dispute number, unique
	Kind       DisputeKind
	ReasonCode string // the network's four-digit reason code
	State      DisputeState
	TxnID      int64 // the disputed transaction
	MerchantID string
	TerminalID string
	RRN        string
	CardMasked string // 6 + 4
	Amount     Amount // disputed amount (a chargeback may be partial)
	Currency   string
	TxnDate    string    // the transaction's date as the network has it, YYYY-MM-DD
	RaisedAt   time.Time // when the network raised it
	DueAt      time.Time // the response deadline (from the reason code)
	CaseID     int64     // the case it is worked in
	// Outcome says how it ended: the network's words, or a Lost* reason.
	Outcome     string
	LostBy      string // LostByNetwork, LostByDeadline or LostAccepted when lost
	RespondedAt time.Time
	DecidedAt   time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Evidence sources and kinds.
const (
	EvidenceByPosguard = "posguard" // gathered automatically
	EvidenceByMerchant = "merchant"
	EvidenceByStaff    = "staff"

	EvidenceReceipt  = "receipt"  // the electronic receipt (text)
	EvidenceJournal  = "journal"  // the journal trace: the transaction's history
	EvidenceTerminal = "terminal" // the terminal, its binding and sign-on data
	EvidenceText     = "text"     // a statement typed in
	EvidenceFile     = "file"     // an uploaded JPEG, PNG or PDF
)

// DisputeEvidence is one piece of evidence attached to a dispute.
type DisputeEvidence struct {
	ID          int64
	DisputeID   string
	Source      string // EvidenceBy*
	Kind        string // Evidence*
	Name        string
	ContentType string
	Size        int64
	SHA256      string
	Data        []byte // absent from listings
	Author      string
	CreatedAt   time.Time
}

// DisputeFilter selects disputes. Empty fields match all.
type DisputeFilter struct {
	MerchantID string
	State      DisputeState
	Kind       DisputeKind
	TxnID      int64
	Active     bool // only open and waiting_merchant
	// DueBefore, if set, selects active disputes due before it.
	DueBefore time.Time
	Limit     int // default 100, max 1000
}

// DisputeUpdate changes a dispute. Zero-valued fields are left unchanged.
type DisputeUpdate struct {
	ID string
	// FromStates, if set, makes the update apply only in one of them;
	// otherwise ECONFLICT.
	FromStates  []DisputeState
	State       DisputeState
	CaseID      int64
	Outcome     string
	LostBy      string
	RespondedAt time.Time
	DecidedAt   time.Time
}

// DisputeStore keeps disputes and their evidence.
type DisputeStore interface {
	// PutDispute inserts d and sets its times. Idempotent by ID: if d.ID
	// exists, d is overwritten with the stored dispute and created is false.
	PutDispute(ctx context.Context, d *Dispute) (created bool, err error)
	// Dispute returns the dispute with id; ENOTFOUND if none.
	Dispute(ctx context.Context, id string) (*Dispute, error)
	// Disputes returns the disputes matching f, soonest due first.
	Disputes(ctx context.Context, f DisputeFilter) ([]*Dispute, error)
	// UpdateDispute applies u. ENOTFOUND if the ID is unknown; ECONFLICT if
	// FromStates is set and not matched.
	UpdateDispute(ctx context.Context, u DisputeUpdate) error
	// AddDisputeEvidence stores e and sets its ID and CreatedAt. ENOTFOUND
	// if the dispute is unknown.
	AddDisputeEvidence(ctx context.Context, e *DisputeEvidence) error
	// DisputeEvidence returns a dispute's evidence, oldest first, without
	// Data.
	DisputeEvidence(ctx context.Context, id string) ([]*DisputeEvidence, error)
	// DisputeEvidenceItem returns one piece of evidence with its Data;
	// ENOTFOUND if the dispute has no such piece.
	DisputeEvidenceItem(ctx context.Context, id string, evidenceID int64) (*DisputeEvidence, error)
}
