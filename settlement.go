package posguard

import (
	"context"
	"time"
)

// BatchKind is how a settlement batch came about.
type BatchKind string

// Batch kinds.
const (
	BatchT1 BatchKind = "t1" // next-day settlement by settlement date
	BatchD0 BatchKind = "d0" // same-day settlement on request
)

// Batch settles one merchant's unsettled items into one payout.
type Batch struct {
	ID         string
	Kind       BatchKind
	MerchantID string
	Date       string // the settlement date settled (T+1) or the day paid (D0)
	// MaxSeq bounds the items a T+1 batch takes: postings with Seq at or
	// below it, dated on or before Date, not yet in a batch or under review.
	MaxSeq int64
	// Items, when set, are exactly the item postings (by Seq) the batch
	// takes instead (D0).
	Items []int64
	Count int    // number of items
	Net   Amount // sum of the items' Net: what the merchant is owed by them
	Fee   Amount // extra fee charged on the batch (D0)
	// Payout is Net − Fee, paid by the batch's payout.
	Payout    Amount
	PayoutID  string
	CreatedAt time.Time
}

// MerchantTotal sums a merchant's unsettled items.
type MerchantTotal struct {
	MerchantID string
	Count      int
	Net        Amount
}

// ItemState says where a settlement item is.
type ItemState string

// Item states (an item with no row is unsettled).
const (
	ItemInBatch  ItemState = "batch"
	ItemReview   ItemState = "review"   // pending review: left out of settlement until released
	ItemReleased ItemState = "released" // released from review: unsettled, never held again
)

// SettlementItem is an item posting's settlement record.
type SettlementItem struct {
	Seq     int64
	TxnID   int64
	State   ItemState
	BatchID string
	Reason  string
}

// SettlementStore keeps settlement batches and item assignments.
type SettlementStore interface {
	// UnsettledTotals sums, per merchant, the item postings dated on or
	// before date with Seq at or below maxSeq that are in no batch and not
	// under review.
	UnsettledTotals(ctx context.Context, date string, maxSeq int64) ([]MerchantTotal, error)
	// UnsettledItems returns a merchant's unsettled item postings dated on or
	// before date, in order.
	UnsettledItems(ctx context.Context, merchantID, date string) ([]*Posting, error)
	// CreateBatch, in one store transaction: records b, assigns its items,
	// appends ps (hash-chained as AppendPostings does) and queues p.
	// ECONFLICT if b.ID exists or if the items found do not sum to b.Net
	// with b.Count items (another writer got there first).
	CreateBatch(ctx context.Context, b *Batch, ps []*Posting, p *Payout) error
	// Batch returns the batch with id; ENOTFOUND if none.
	Batch(ctx context.Context, id string) (*Batch, error)
	// Batches returns a merchant's batches ("" for all) with Date in
	// [from, to] (empty bounds are open), newest first.
	Batches(ctx context.Context, merchantID, from, to string) ([]*Batch, error)
	// HoldForReview puts under review the unsettled approval postings dated
	// on or before date with Gross at or above threshold, and the unsettled
	// items referring to them; returns how many items it held.
	HoldForReview(ctx context.Context, date string, threshold Amount, reason string) (int, error)
	// HoldTxnsForReview puts under review the unsettled item postings of
	// the transactions ids and those referring to them (a risk rule's
	// review); returns how many items it held.
	HoldTxnsForReview(ctx context.Context, ids []int64, reason string) (int, error)
	// ReleaseReview releases the items of transaction txnID (and of those
	// referring to it) from review for good: they are unsettled again and
	// never held again. ENOTFOUND if none was under review.
	ReleaseReview(ctx context.Context, txnID int64) error
	// ItemsForTxn returns the settlement records of the item postings of
	// transaction id (its own and those referring to it).
	ItemsForTxn(ctx context.Context, id int64) ([]SettlementItem, error)
	// DailyD0 returns what merchantID has been paid same-day on date.
	DailyD0(ctx context.Context, merchantID, date string) (Amount, error)
	// SettleT1 runs T+1 settlement of run.Date in one store transaction,
	// with set-based SQL: it holds for review (run.ReviewThreshold,
	// run.RiskTxns), then for every merchant whose unsettled items dated on
	// or before the date, up to the ledger head, net to a positive amount,
	// records a batch "T1-DATE-MID-n" (n counts the merchant's T+1 batches
	// of the date), assigns the items, appends the postings run.Postings
	// gives and queues the payout run.Payout gives. A rerun finds nothing
	// left and creates nothing. ECONFLICT if a concurrent writer took items
	// meanwhile (nothing is written; run it again).
	SettleT1(ctx context.Context, run T1Run) (T1Result, error)
}

// T1Run is what SettleT1 needs besides the ledger.
type T1Run struct {
	Date string // settlement date YYYY-MM-DD
	// ReviewThreshold, if positive, holds for review every unsettled sale
	// of at least this amount (and what refers to it), with ReviewReason.
	ReviewThreshold Amount
	ReviewReason    string
	// RiskTxns are held for review (with what refers to them) with
	// RiskReason before the batches are made.
	RiskTxns   []int64
	RiskReason string
	// Postings returns the postings of a new batch (its settlement posting).
	Postings func(b *Batch) []*Posting
	// Payout returns the payout of a new batch, or an error that aborts the
	// run (nothing is written).
	Payout func(ctx context.Context, b *Batch) (*Payout, error)
}

// T1Result says what SettleT1 did.
type T1Result struct {
	Held     int      // items newly held for review
	Batches  []*Batch // batches created, by merchant
	Carried  int      // merchants whose unsettled net was not positive
	Existing int      // T+1 batches the date already had
}
