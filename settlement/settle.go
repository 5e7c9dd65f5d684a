package settlement

import (
	"context"
	"fmt"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/ledger"
)

// ReasonPendingReview is the reason recorded on items held for review.
const ReasonPendingReview = posguard.ReasonPendingReview

// Settler settles merchants.
type Settler struct {
	Store     posguard.MoneyStore
	Merchants posguard.MerchantStore
	Fees      *FeeBook
	// ReviewThreshold holds for review, before each T+1 run, every sale of
	// at least this amount (and what refers to it); zero holds nothing.
	ReviewThreshold posguard.Amount
	// SameDay is the same-day policy beyond the fee plan; see D0Policy.
	SameDay D0Policy
	// Calendar is the business calendar: D0 windows are in its time zone
	// and "today" is its date. The zero value is UTC+8.
	Calendar posguard.Calendar
	// Now is the clock; default time.Now.
	Now func() time.Time
	// RiskHolds, if set, returns the transactions a risk rule put under
	// review and no risk user released yet: their items are held before
	// each run (reason settlement.risk_hold).
	RiskHolds func(ctx context.Context) ([]int64, error)
}

// Report says what a settlement run did.
type Report struct {
	Date     string
	Held     int               // items newly held for review
	Batches  []*posguard.Batch // batches created
	Carried  int               // merchants whose unsettled net was not positive (carried forward)
	Items    int
	Net      posguard.Amount
	Existing int // batches this date already had (a rerun creates none)
}

// String summarizes the report in one line.
func (r Report) String() string {
	return fmt.Sprintf("settlement %s: %d batches, %d items, net %s yuan; %d held for review, %d merchants carried forward, %d batches existed",
		r.Date, len(r.Batches), r.Items, r.Net, r.Held, r.Carried, r.Existing)
}

func (s *Settler) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// clearing and payable name a merchant's accounts.
func clearing(mid string) posguard.Account {
	return posguard.MerchantAccount(posguard.AccountPayoutClearing, mid)
}

func payable(mid string) posguard.Account {
	return posguard.MerchantAccount(posguard.AccountMerchantPayable, mid)
}

// Settle runs T+1 settlement for settlement date date (YYYY-MM-DD): it holds
// large items for review, then for each merchant whose unsettled items dated
// on or before date net to a positive amount creates a batch, its settlement
// posting and a queued payout. The store does it all in one transaction with
// set-based SQL (SettleT1). Running it again for the same date creates
// nothing (the items are taken); items posted since are settled by a
// supplementary batch (…-2).
func (s *Settler) Settle(ctx context.Context, date string) (Report, error) {
	rep := Report{Date: date}
	if _, err := time.Parse("2006-01-02", date); err != nil {
		return rep, posguard.Errorf(posguard.EINVALID, "settlement date %q: want YYYY-MM-DD", date)
	}
	run := posguard.T1Run{Date: date, ReviewReason: ReasonPendingReview, RiskReason: posguard.ReasonRiskHold,
		Postings: s.postings, Payout: s.payout}
	if s.ReviewThreshold > 0 {
		run.ReviewThreshold = s.ReviewThreshold
	}
	if s.RiskHolds != nil {
		ids, err := s.RiskHolds(ctx)
		if err != nil {
			return rep, err
		}
		run.RiskTxns = ids
	}
	res, err := s.Store.SettleT1(ctx, run)
	if err != nil {
		return rep, err
	}
	rep.Held, rep.Batches, rep.Carried, rep.Existing = res.Held, res.Batches, res.Carried, res.Existing
	for _, b := range res.Batches {
		rep.Items += b.Count
		rep.Net += b.Net
	}
	return rep, nil
}

// postings returns batch b's postings: its D0 fee, if any, and its
// settlement posting.
func (s *Settler) postings(b *posguard.Batch) []*posguard.Posting {
	var ps []*posguard.Posting
	if b.Fee > 0 {
		ps = append(ps, ledger.Transfer("batch:"+b.ID+":d0_fee", posguard.PostD0Fee, b.MerchantID, b.Date, b.ID,
			b.Fee, payable(b.MerchantID), ledger.FeeIncome))
	}
	return append(ps, ledger.Transfer("batch:"+b.ID+":settle", posguard.PostSettlement, b.MerchantID, b.Date, b.ID,
		b.Payout, payable(b.MerchantID), clearing(b.MerchantID)))
}

// payout returns batch b's queued payout to the merchant's settlement
// account (none known: an empty account, which the bank refuses and the
// payout runner holds).
func (s *Settler) payout(ctx context.Context, b *posguard.Batch) (*posguard.Payout, error) {
	acct := posguard.SettlementAccount{}
	if m, err := s.Merchants.Merchant(ctx, b.MerchantID); err == nil {
		acct = m.Account
	} else if posguard.ErrorCode(err) != posguard.ENOTFOUND {
		return nil, err
	}
	return &posguard.Payout{ID: b.PayoutID, BatchID: b.ID, MerchantID: b.MerchantID, Amount: b.Payout, Account: acct}, nil
}

// create writes batch b with its postings and payout.
func (s *Settler) create(ctx context.Context, b *posguard.Batch) error {
	p, err := s.payout(ctx, b)
	if err != nil {
		return err
	}
	return s.Store.CreateBatch(ctx, b, s.postings(b), p)
}

// Release releases transaction txnID's items from review; the next run
// settles them.
func (s *Settler) Release(ctx context.Context, txnID int64) error {
	return s.Store.ReleaseReview(ctx, txnID)
}
