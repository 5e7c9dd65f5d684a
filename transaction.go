package posguard

import (
	"context"
	"time"
)

// TxnType is the kind of a terminal request.
type TxnType string

// Transaction types of the terminal link (spec/terminal-8583.md §3).
const (
	TxnSignOn         TxnType = "sign_on"
	TxnSignOff        TxnType = "sign_off"
	TxnEcho           TxnType = "echo"
	TxnInquiry        TxnType = "balance_inquiry"
	TxnSale           TxnType = "sale"
	TxnVoid           TxnType = "void"
	TxnRefund         TxnType = "refund"
	TxnPreAuth        TxnType = "preauth"
	TxnPreAuthCancel  TxnType = "preauth_cancel"
	TxnCompletion     TxnType = "completion"
	TxnCompletionVoid TxnType = "completion_void"
	TxnReversal       TxnType = "reversal"
	TxnSettlement     TxnType = "settlement"
	TxnBatchUpload    TxnType = "batch_upload"
	// TxnCreditAdjustment (贷记调整) returns money to a cardholder the network
	// charged for a transaction posguard holds as failed: reconciliation's
	// repair, sent upstream as a 0220 with processing code 220000.
	TxnCreditAdjustment TxnType = "credit_adjustment"
)

// MovesMoney reports whether an approval of t moves money at the issuer.
func (t TxnType) MovesMoney() bool {
	switch t {
	case TxnSale, TxnVoid, TxnRefund, TxnPreAuth, TxnPreAuthCancel, TxnCompletion, TxnCompletionVoid:
		return true
	}
	return false
}

// MustReverse reports whether a failed t must be reversed upstream (the
// terminal table's "must reverse" column; a refund is not reversed).
func (t TxnType) MustReverse() bool {
	switch t {
	case TxnSale, TxnVoid, TxnPreAuth, TxnPreAuthCancel, TxnCompletion, TxnCompletionVoid:
		return true
	}
	return false
}

// State is where a transaction is in its life. See docs/states.md.
type State string

// Transaction states.
//
//	received ─▶ rejected
//	   │
//	   ▼
//	forwarded ─▶ approved ─▶ voided | partially_refunded | refunded
//	   │     └─▶ declined
//	   └─▶ timed_out ─▶ reversal_pending ─▶ reversed
//	                                   └─▶ reversal_failed (retries continue)
const (
	StateReceived        State = "received"
	StateRejected        State = "rejected"  // a gate failed; never left the host
	StateForwarded       State = "forwarded" // sent upstream, no outcome yet
	StateApproved        State = "approved"
	StateDeclined        State = "declined" // the issuer or network said no
	StateTimedOut        State = "timed_out"
	StateReversalPending State = "reversal_pending"
	StateReversed        State = "reversed"
	StateReversalFailed  State = "reversal_failed"
	StateVoided          State = "voided"
	StatePartRefunded    State = "partially_refunded"
	StateRefunded        State = "refunded"
	StateCompleted       State = "completed" // terminal-side records: sign-on, settlement, reversal requests
)

// Final reports whether no further outcome is expected from the network.
func (s State) Final() bool {
	switch s {
	case StateReceived, StateForwarded, StateTimedOut, StateReversalPending, StateReversalFailed:
		return false
	}
	return true
}

// TxnKey identifies a terminal request for idempotency: terminal, batch,
// STAN and MTI (a reversal shares its original's STAN).
type TxnKey struct {
	TerminalID string
	Batch      string
	STAN       string
	MTI        string
}

// Transaction is one journaled terminal request and everything known about
// its outcome. The journal never holds a full PAN, track data or a PIN block.
type Transaction struct {
	ID          int64
	TxnKey      // terminal, batch, STAN, MTI
	Type        TxnType
	ContentHash string // hex SHA-256 of the request's fields except 12, 13, 64
	MerchantID  string
	PANMasked   string // 6 + 4
	PANHash     string // keyed hash of the PAN (same-card checks), hex
	IssuerBIN   string
	CardOrg     string // CUP, VIS, MCC…
	Amount      Amount
	Currency    string
	ProcCode    string
	EntryMode   string
	// SettlementDate is the host business date (YYYY-MM-DD) the transaction
	// belongs to; it rolls at the configured cut-off.
	SettlementDate string
	RRN            string // host-assigned retrieval reference number
	AuthCode       string
	ResponseCode   string // field 39 sent to the terminal
	Reason         string // internal reason code (see reason.go)
	State          State
	// OrigID links a void, refund or reversal to its original.
	OrigID int64
	// RefundedAmount sums the approved refunds against this transaction.
	RefundedAmount Amount
	// Upstream message identity (network link): STAN and field 7.
	UpstreamSTAN string
	UpstreamTime string // MMDDhhmmss UTC
	// Answer holds the non-sensitive response fields so an identical
	// retransmission gets the same answer again.
	Answer    *Answer
	Detail    map[string]string // evidence: gate, limit and value, upstream timings…
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Event is one step in a transaction's state history.
type Event struct {
	TxnID  int64
	At     time.Time
	State  State
	Code   string // field 39 at that step, if any
	Reason string // internal reason code, if any
	Note   string
}

// TxnUpdate changes a transaction's outcome and appends an event, in one
// store transaction. Zero-valued fields are left unchanged.
type TxnUpdate struct {
	ID           int64
	FromStates   []State // if set, the update applies only when the current state is one of these; otherwise ECONFLICT
	State        State
	ResponseCode string
	Reason       string
	AuthCode     string
	RRN          string
	UpstreamSTAN string
	UpstreamTime string
	AddRefunded  Amount            // added to RefundedAmount
	Answer       *Answer           // replaces the stored answer when set
	Detail       map[string]string // merged into Detail
	Note         string            // event note
	At           time.Time
	// QueueReversal, when set, enqueues an upstream reversal of this
	// transaction in the same store transaction, so no crash can lose it.
	QueueReversal *Reversal
}

// TxnFilter selects transactions for listing. Empty fields match all.
type TxnFilter struct {
	MerchantID   string
	TerminalID   string
	State        State
	ResponseCode string
	From, To     time.Time // CreatedAt in [From, To)
	RRN          string    // field 37
	AuthCode     string    // field 38
	CardTail     string    // the card number's last 4 digits
	Amount       Amount    // exact amount in fen; 0 matches all
	// After is a cursor: only transactions with ID below it (newest first).
	After int64
	Limit int // default 50, max 1000
}

// BatchTotals are a terminal batch's settlement totals (field 48): debits
// (sales, completions — voided ones still counted) and credits (voids,
// refunds, completion voids); reversed transactions count nowhere.
type BatchTotals struct {
	DomesticDebitAmount, DomesticCreditAmount Amount
	DomesticDebitCount, DomesticCreditCount   int
	ForeignDebitAmount, ForeignCreditAmount   Amount
	ForeignDebitCount, ForeignCreditCount     int
}

// CardUsage is one row of Journal.DailyByCard.
type CardUsage struct {
	PANHash    string
	TerminalID string
	NoPIN      bool // read contactless without PIN (entry mode 072)
	Amount     Amount
	Count      int
}

// Journal is the write-ahead transaction journal. Entries are appended before
// a request leaves the host; outcomes are new events, never edits of history.
type Journal interface {
	// Insert journals a new transaction and sets its ID, CreatedAt and
	// UpdatedAt, and a first event with its state. Returns ECONFLICT if a
	// transaction with the same TxnKey exists.
	Insert(ctx context.Context, t *Transaction) error
	// ByKey returns the transaction with key k; ENOTFOUND if none.
	ByKey(ctx context.Context, k TxnKey) (*Transaction, error)
	// ByID returns the transaction with id; ENOTFOUND if none.
	ByID(ctx context.Context, id int64) (*Transaction, error)
	// ByRRN returns the financial transactions (not reversals) carrying rrn,
	// newest first; an empty slice if none.
	ByRRN(ctx context.Context, rrn string) ([]*Transaction, error)
	// Update applies u atomically (see TxnUpdate). ENOTFOUND if the ID is
	// unknown; ECONFLICT if FromStates is set and not matched.
	Update(ctx context.Context, u TxnUpdate) error
	// Events returns a transaction's history, oldest first.
	Events(ctx context.Context, id int64) ([]Event, error)
	// List returns transactions matching f, newest first.
	List(ctx context.Context, f TxnFilter) ([]*Transaction, error)
	// BatchTotals sums the approved financial transactions of a terminal batch.
	BatchTotals(ctx context.Context, terminalID, batch string) (BatchTotals, error)
	// DailyUsage returns the approved or in-flight amount and count of a
	// merchant's debits (sales, completions) on settlement date date.
	DailyUsage(ctx context.Context, merchantID, date string) (Amount, int, error)
	// DailyByCard returns a merchant's debits (sales, completions) of
	// settlement date date that count against limits (as DailyUsage),
	// summed per card (keyed PAN hash), terminal and contactless no-PIN
	// read (entry mode 072).
	DailyByCard(ctx context.Context, merchantID, date string) ([]CardUsage, error)
	// PreAuths returns the pre-authorizations of a merchant whose
	// authorization code (field 38) is authCode, newest first; an empty
	// slice if none.
	PreAuths(ctx context.Context, merchantID, authCode string) ([]*Transaction, error)
	// ExpiringPreAuths returns approved (still open) pre-authorizations
	// created before before, oldest first, at most limit.
	ExpiringPreAuths(ctx context.Context, before time.Time, limit int) ([]*Transaction, error)
	// Unresolved returns transactions left forwarded without an outcome
	// (crash recovery), oldest first.
	Unresolved(ctx context.Context, limit int) ([]*Transaction, error)
	// MaxID returns the highest transaction ID, 0 for an empty journal.
	MaxID(ctx context.Context) (int64, error)
}

// UpstreamMTI returns the MTI under which a transaction of type t is sent to
// the network: authorizations 0100, refunds 0220 (advice), others 0200.
func (t TxnType) UpstreamMTI() string {
	switch t {
	case TxnPreAuth, TxnPreAuthCancel:
		return "0100"
	case TxnRefund, TxnCreditAdjustment:
		return "0220"
	}
	return "0200"
}

// ApprovedCode reports whether a field 39 code means approved (00, 11, and
// the approved-with-defect codes A2, A4, A5, A6).
func ApprovedCode(code string) bool {
	switch code {
	case "00", "11", "A2", "A4", "A5", "A6":
		return true
	}
	return false
}
