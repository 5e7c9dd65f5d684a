package settlement

import (
	"context"
	"fmt"

	"github.com/posguard/posguard"
)

// ReasonRefundBalance is the reason a refund is declined for: it is more
// than the merchant's unsettled balance (diagnosis knowledge base entry).
const ReasonRefundBalance = "refund.merchant_balance"

// RefundGuard declines refunds a merchant cannot fund: a refund is taken
// from what the merchant has not yet been paid, so one above its unsettled
// balance (for example after a D0 payout) would leave the acquirer paying it.
type RefundGuard struct {
	Store posguard.LedgerStore
}

// Available returns merchant mid's unsettled balance as the ledger has
// posted it (the poster may lag the journal by a moment).
func (g *RefundGuard) Available(ctx context.Context, mid string) (posguard.Amount, error) {
	bs, err := g.Store.Balances(ctx, posguard.BalanceFilter{MerchantID: mid})
	if err != nil {
		return 0, err
	}
	acct := payable(mid)
	for _, b := range bs {
		if b.Account == acct {
			return -b.Amount, nil
		}
	}
	return 0, nil
}

// Check reports whether merchant mid can fund a refund of amount; when it
// cannot, reason names the shortfall in words safe to show the merchant.
func (g *RefundGuard) Check(ctx context.Context, mid string, amount posguard.Amount) (bool, string, error) {
	avail, err := g.Available(ctx, mid)
	if err != nil {
		return false, "", err
	}
	if amount <= avail {
		return true, "", nil
	}
	return false, fmt.Sprintf("%s: refund %s yuan is more than the merchant's unsettled balance of %s yuan",
		ReasonRefundBalance, amount, max(avail, 0)), nil
}
