package settlement

import (
	"context"

	"github.com/posguard/posguard"
)

// Where a transaction's money is.
const (
	WhereNotPosted     = "not_posted"     // no money moved, or the ledger has not posted it yet
	WhereUnsettled     = "not_settled"    // owed to the merchant, not yet in a batch
	WherePendingReview = "pending_review" // held for the acquirer's review
	WhereInBatch       = "in_batch"       // in a settlement batch, payout not yet confirmed
	WherePaid          = "paid"           // paid to the merchant's account
	WhereHeld          = "held"           // payout failed or returned: held (挂账) until re-settled
)

// TxnSettlement says where one transaction's money is.
type TxnSettlement struct {
	TxnID    int64
	Where    string // one of the Where… constants
	BatchID  string
	PayoutID string // the payout now carrying the money (after re-settlements)
	PaidOn   string // YYYY-MM-DD (UTC) when paid
	Reason   string // settlement.* reason when held or under review
	CaseID   string
}

// StatusOf returns where transaction id's money is.
func StatusOf(ctx context.Context, s posguard.MoneyStore, id int64) (TxnSettlement, error) {
	st := TxnSettlement{TxnID: id, Where: WhereNotPosted}
	ps, err := s.PostingsForTxn(ctx, id)
	if err != nil {
		return st, err
	}
	var own *posguard.Posting
	for _, p := range ps {
		if p.TxnID == id && p.Kind.Item() && p.Kind != posguard.PostReversal {
			own = p
			break
		}
	}
	if own == nil {
		return st, nil
	}
	st.Where = WhereUnsettled
	items, err := s.ItemsForTxn(ctx, id)
	if err != nil {
		return st, err
	}
	var it *posguard.SettlementItem
	for i := range items {
		if items[i].Seq == own.Seq {
			it = &items[i]
		}
	}
	switch {
	case it == nil, it.State == posguard.ItemReleased:
		return st, nil
	case it.State == posguard.ItemReview:
		st.Where, st.Reason = WherePendingReview, it.Reason
		return st, nil
	}
	st.Where, st.BatchID = WhereInBatch, it.BatchID
	b, err := s.Batch(ctx, it.BatchID)
	if err != nil {
		return st, err
	}
	p, err := s.Payout(ctx, b.PayoutID)
	if err != nil {
		return st, err
	}
	for p.ResettledBy != "" {
		if p, err = s.Payout(ctx, p.ResettledBy); err != nil {
			return st, err
		}
	}
	st.PayoutID = p.ID
	switch p.State {
	case posguard.PayoutSucceeded:
		st.Where, st.PaidOn = WherePaid, posguard.Calendar{}.Date(p.PaidAt) // the merchant's calendar, UTC+8
	case posguard.PayoutFailed, posguard.PayoutReturned:
		st.Where, st.Reason, st.CaseID = WhereHeld, p.Reason, p.CaseID
	}
	return st, nil
}
