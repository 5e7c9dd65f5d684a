package ledger

import (
	"sort"

	"github.com/posguard/posguard"
)

// Position is where a merchant's money is, from its postings. It always
// holds that Unsettled + InFlight + Held + Paid = Earned (see Balanced).
type Position struct {
	MerchantID string
	Sales      posguard.Amount // gross of approvals
	Fees       posguard.Amount // fees kept: item fees net of returns, plus D0 fees
	// Earned is net sales minus fees: the sum of the items' Net, less D0 fees.
	Earned    posguard.Amount
	Unsettled posguard.Amount // merchant_payable credit balance
	InFlight  posguard.Amount // payout_clearing credit balance
	Held      posguard.Amount // held credit balance (挂账)
	Paid      posguard.Amount // payouts credited, less returns
}

// Balanced reports whether paid + held + in flight + unsettled equals
// what the merchant earned.
func (p Position) Balanced() bool {
	return p.Unsettled+p.InFlight+p.Held+p.Paid == p.Earned
}

// Positions folds postings into each merchant's position, ordered by merchant.
func Positions(ps []*posguard.Posting) []Position {
	by := map[string]*Position{}
	get := func(mid string) *Position {
		p := by[mid]
		if p == nil {
			p = &Position{MerchantID: mid}
			by[mid] = p
		}
		return p
	}
	for _, q := range ps {
		if q.MerchantID == "" {
			continue
		}
		pos := get(q.MerchantID)
		switch {
		case q.Kind.Item():
			pos.Earned += q.Net
			pos.Fees += q.Fee
			if q.Kind == posguard.PostApproval {
				pos.Sales += q.Gross
			}
		case q.Kind == posguard.PostD0Fee:
			pos.Earned -= q.Gross
			pos.Fees += q.Gross
		case q.Kind == posguard.PostPayout:
			pos.Paid += q.Gross
		case q.Kind == posguard.PostReturn:
			pos.Paid -= q.Gross
		}
		for _, e := range q.Entries {
			switch e.Account.Kind() {
			case posguard.AccountMerchantPayable:
				get(e.Account.Merchant()).Unsettled -= e.Amount
			case posguard.AccountPayoutClearing:
				get(e.Account.Merchant()).InFlight -= e.Amount
			case posguard.AccountHeld:
				get(e.Account.Merchant()).Held -= e.Amount
			}
		}
	}
	out := make([]Position, 0, len(by))
	for _, p := range by {
		out = append(out, *p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].MerchantID < out[j].MerchantID })
	return out
}

// Total sums the entries of ps per account (debit positive).
func Total(ps []*posguard.Posting) map[posguard.Account]posguard.Amount {
	m := map[posguard.Account]posguard.Amount{}
	for _, p := range ps {
		for _, e := range p.Entries {
			m[e.Account] += e.Amount
		}
	}
	return m
}
