package settlement

import (
	"context"
	"fmt"
	"time"

	"github.com/posguard/posguard"
)

// D0Policy is the same-day rules beyond the fee plan's D0 rule (enabled,
// minimum payout, window, extra fee): a daily quota and the card kinds
// allowed, which the world file does not carry.
type D0Policy struct {
	// DailyQuota caps what one merchant is paid same-day per day (sum of
	// D0 batch nets); zero means no cap.
	DailyQuota posguard.Amount
	// Kinds lists the card kinds whose sales may be paid same-day; empty
	// means debit and credit cards (QR payments wait for T+1).
	Kinds []posguard.CardKind
}

func (p D0Policy) allows(k posguard.CardKind) bool {
	if len(p.Kinds) == 0 {
		return k == posguard.CardDebit || k == posguard.CardCredit
	}
	for _, a := range p.Kinds {
		if a == k {
			return true
		}
	}
	return false
}

// inWindow reports whether clock time hh:mm of t lies in "HH:MM-HH:MM".
func inWindow(window string, t time.Time) (bool, error) {
	if window == "" {
		return true, nil
	}
	var h1, m1, h2, m2 int
	if _, err := fmt.Sscanf(window, "%d:%d-%d:%d", &h1, &m1, &h2, &m2); err != nil {
		return false, posguard.Errorf(posguard.EINVALID, "D0 window %q: want HH:MM-HH:MM", window)
	}
	now := t.Hour()*60 + t.Minute()
	return now >= h1*60+m1 && now < h2*60+m2, nil
}

// D0 settles merchant mid same-day: its unsettled sales of today (in the
// Calendar's time zone) on allowed card kinds of at least the plan's
// d0.min_amount each (the seeds' rule: every card sale of 11 元 or more is
// paid the same day; a smaller one waits for T+1), together with every
// unsettled void, refund and reversal, up to the daily quota, at the plan's
// rate plus its D0 extra fee. Returns EINVALID naming the rule when the
// merchant is not eligible (plan without D0, outside the window, nothing
// qualifying, quota used up).
func (s *Settler) D0(ctx context.Context, mid string) (*posguard.Batch, error) {
	now := s.now().In(s.Calendar.Zone())
	today := now.Format("2006-01-02")
	plan, ok, err := s.Fees.Plan(ctx, mid)
	if err != nil {
		return nil, err
	}
	if !ok || !plan.D0.Enabled {
		return nil, posguard.Errorf(posguard.EINVALID, "merchant %s: fee plan %q has no D0 settlement", mid, plan.Name)
	}
	if in, err := inWindow(plan.D0.Window, now); err != nil {
		return nil, err
	} else if !in {
		return nil, posguard.Errorf(posguard.EINVALID, "merchant %s: D0 is available %s, not at %s", mid, plan.D0.Window, now.Format("15:04"))
	}
	items, err := s.Store.UnsettledItems(ctx, mid, today)
	if err != nil {
		return nil, err
	}
	used, err := s.Store.DailyD0(ctx, mid, today)
	if err != nil {
		return nil, err
	}
	b := &posguard.Batch{Kind: posguard.BatchD0, MerchantID: mid, Date: today, Items: []int64{}}
	// Debits first: what the merchant owes back is always taken.
	for _, it := range items {
		if it.Net < 0 {
			b.Items = append(b.Items, it.Seq)
			b.Net += it.Net
			b.Count++
		}
	}
	for _, it := range items {
		if it.Net < 0 || it.Kind != posguard.PostApproval || it.Date != today || !s.SameDay.allows(it.CardKind) ||
			it.Gross < plan.D0.MinAmount {
			continue
		}
		if s.SameDay.DailyQuota > 0 && used+b.Net+it.Net > s.SameDay.DailyQuota {
			continue
		}
		b.Items = append(b.Items, it.Seq)
		b.Net += it.Net
		b.Count++
	}
	b.Fee = plan.D0.Extra.Fee(b.Net)
	b.Payout = b.Net - b.Fee
	if b.Payout <= 0 {
		return nil, posguard.Errorf(posguard.EINVALID, "merchant %s: nothing to pay same-day (sales of at least %s yuan today, after what is owed back: %s yuan)",
			mid, plan.D0.MinAmount, max(b.Payout, 0))
	}
	existing, err := s.Store.Batches(ctx, mid, today, today)
	if err != nil {
		return nil, err
	}
	n := 1
	for _, e := range existing {
		if e.Kind == posguard.BatchD0 {
			n++
		}
	}
	b.ID = fmt.Sprintf("D0-%s-%s-%d", today, mid, n)
	b.PayoutID = "PO-" + b.ID
	if err := s.create(ctx, b); err != nil {
		return nil, err
	}
	return b, nil
}
