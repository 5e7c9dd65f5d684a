package schedule

import (
	"context"
	"fmt"
	"strings"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/ledger"
	"github.com/posguard/posguard/payout"
	"github.com/posguard/posguard/settlement"
)

// Money is the money side the standard steps run on: the ledger poster, the
// settler and the payout runner over one store.
type Money struct {
	Poster    *ledger.Poster
	Settler   *settlement.Settler
	Payouts   *payout.Runner
	Merchants posguard.MerchantStore
}

// Attach sets s's end-of-day and D0 steps to m's.
func (m *Money) Attach(s *Scheduler) {
	s.CloseDay, s.Settle, s.Payouts, s.D0 = m.CloseDay, m.Settle, m.Pay, m.PayD0
}

// CloseDay posts what the journal holds, so the day's settlement sees every
// transaction of it (the switch dates each by the calendar: nothing new is
// dated on a closed day).
func (m *Money) CloseDay(ctx context.Context, day string) (string, error) {
	n, err := m.Poster.Drain(ctx)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("business day %s closed: %d ledger postings posted", day, n), nil
}

// Settle runs T+1 settlement of day (idempotent: a rerun creates nothing).
func (m *Money) Settle(ctx context.Context, day string) (string, error) {
	if _, err := m.Poster.Drain(ctx); err != nil {
		return "", err
	}
	rep, err := m.Settler.Settle(ctx, day)
	if err != nil {
		return "", err
	}
	return rep.String(), nil
}

// Pay submits the queued payouts to the bank (each once, by payout ID).
func (m *Money) Pay(ctx context.Context, day string) (string, error) {
	sum, err := m.Payouts.Run(ctx)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("payouts: %d paid, %d failed (held), %d pending, %d returned", sum.Succeeded, sum.Failed, sum.Pending, sum.Returned), nil
}

// PayD0 pays every merchant whose fee plan has D0 its qualifying sales of
// today (settlement.Settler.D0: card sales of at least d0.min_amount inside
// the plan's window) in one batch per merchant, then submits the payouts.
// A merchant with nothing qualifying is skipped.
func (m *Money) PayD0(ctx context.Context, day string) (string, error) {
	if _, err := m.Poster.Drain(ctx); err != nil {
		return "", err
	}
	ms, err := m.Merchants.Merchants(ctx)
	if err != nil {
		return "", err
	}
	var paid []string
	var items int
	var total posguard.Amount
	for _, mc := range ms {
		plan, ok, err := m.Settler.Fees.Plan(ctx, mc.ID)
		if err != nil {
			return "", err
		}
		if !ok || !plan.D0.Enabled {
			continue
		}
		b, err := m.Settler.D0(ctx, mc.ID)
		if posguard.ErrorCode(err) == posguard.EINVALID {
			continue // nothing qualifying now, or outside the window
		}
		if err != nil {
			return "", err
		}
		paid = append(paid, b.ID)
		items += b.Count
		total += b.Payout
	}
	if len(paid) == 0 {
		return "D0: nothing to pay", nil
	}
	sum, err := m.Payouts.Run(ctx)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("D0: %d batches (%s), %d sales, %s yuan; payouts: %d paid, %d failed (held)",
		len(paid), strings.Join(paid, ", "), items, total, sum.Succeeded, sum.Failed), nil
}
