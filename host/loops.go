package host

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/casework"
	"github.com/posguard/posguard/payout"
)

// caseLoop opens cases for charged-but-failed transactions every minute,
// and every hour escalates overdue cases and logs the terminals that need
// attention (also at GET /v1/terminals/attention).
func (h *Host) caseLoop(ctx context.Context) {
	scan := time.NewTicker(time.Minute)
	defer scan.Stop()
	lastEscalate := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-scan.C:
		}
		if n, err := h.Cases.Scan(ctx); err != nil {
			h.Logger.Error("charged-but-failed scan", "err", err)
		} else if n > 0 {
			h.Logger.Warn("cases opened for transactions told failed whose reversal is not acknowledged", "count", n)
		}
		if time.Since(lastEscalate) >= time.Hour {
			lastEscalate = time.Now()
			if _, err := h.Cases.Escalate(ctx); err != nil {
				h.Logger.Error("case escalation", "err", err)
			}
			if list, err := h.Reports.Attention(ctx); err == nil && len(list) > 0 {
				ids := make([]string, 0, len(list))
				for _, x := range list {
					ids = append(ids, x.TerminalID)
				}
				h.Logger.Warn("terminals need attention", "count", len(list), "terminals", strings.Join(ids, ","))
			}
		}
	}
}

// payoutLoop submits queued payouts and collects returns (退汇).
func (h *Host) payoutLoop(ctx context.Context) {
	t := time.NewTicker(h.PayoutEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		sum, err := h.Payouts.Run(ctx)
		if err != nil && ctx.Err() == nil {
			h.Logger.Error("payouts", "err", err)
			continue
		}
		if sum.Failed+sum.Returned > 0 {
			h.Logger.Warn("payouts failed or returned: money held, cases opened", "failed", sum.Failed, "returned", sum.Returned)
		}
	}
}

// PayoutCases opens a casework case for each failed or returned payout; it
// is the payout runner's payout.CaseOpener.
type PayoutCases struct{ Service *casework.Service }

// OpenCase implements payout.CaseOpener.
func (p PayoutCases) OpenCase(ctx context.Context, r payout.CaseRequest) (string, error) {
	c, err := p.Service.OnPayoutProblem(ctx, casework.PayoutProblem{
		Returned: r.Kind == "payout_returned", MerchantID: r.MerchantID, PayoutID: r.PayoutID,
		Amount: r.Amount, Reason: r.Reason, Fix: r.Fix,
	})
	if err != nil {
		return "", err
	}
	return fmt.Sprint(c.ID), nil
}

// watch publishes the reversal queue and upstream link state as metrics.
func (h *Host) watch(ctx context.Context) {
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		s := h.Client.State()
		h.Metrics.UpstreamState(s.Connected, s.Outstanding)
		if rs, err := h.Store.Reversals(ctx, posguard.ReversalPending, 10000); err == nil {
			var oldest time.Duration
			for _, r := range rs {
				if age := time.Since(r.CreatedAt); age > oldest {
					oldest = age
				}
			}
			h.Metrics.ReversalQueue(len(rs), oldest)
		}
	}
}

// QRCases opens a casework case for a QR order that needs a person; it is
// the QR engine's qr.CaseOpener.
type QRCases struct{ Service *casework.Service }

// OpenQRCase implements qr.CaseOpener.
func (c QRCases) OpenQRCase(ctx context.Context, o *posguard.QROrder, reason, title string) error {
	_, err := c.Service.OnQRProblem(ctx, casework.QRProblem{Order: o, Reason: reason, Title: title})
	return err
}
