package recon

import (
	"context"
	"log/slog"
	"time"

	"github.com/posguard/posguard"
)

// Adjuster sends the credit adjustments (贷记调整) reconciliation journaled:
// each a 0220 with processing code 220000 naming the cleared line in field
// 90. Like a reversal it is retried until the network answers, and never
// twice: every attempt carries the same trace number and field 7, so the
// network answers a repeat with its first answer. posguard serve runs it.
type Adjuster struct {
	Journal    posguard.Journal
	Upstream   posguard.Upstream
	AcquirerID string
	// Timeout bounds one attempt (default 10 s).
	Timeout time.Duration
	// Now is the clock; time.Now when nil.
	Now    func() time.Time
	Logger *slog.Logger
	// Answered, when set, is called after a pass in which the network
	// answered some adjustments (reconciliation refreshes its exceptions).
	Answered func(ctx context.Context) error
}

func (a *Adjuster) now() time.Time {
	if a.Now != nil {
		return a.Now().UTC()
	}
	return time.Now().UTC()
}

// Pending returns the credit adjustments not yet answered, oldest first.
func Pending(ctx context.Context, j posguard.Journal) ([]*posguard.Transaction, error) {
	var out []*posguard.Transaction
	var after int64
	for {
		page, err := j.List(ctx, posguard.TxnFilter{State: posguard.StateReceived, After: after, Limit: 1000})
		if err != nil {
			return nil, err
		}
		for _, t := range page {
			if t.Type == posguard.TxnCreditAdjustment {
				out = append(out, t)
			}
		}
		if len(page) < 1000 {
			break
		}
		after = page[len(page)-1].ID
	}
	for i, k := 0, len(out)-1; i < k; i, k = i+1, k-1 {
		out[i], out[k] = out[k], out[i]
	}
	return out, nil
}

// RunOnce sends every pending credit adjustment once and returns how many
// the network answered. One that gets no answer stays pending.
func (a *Adjuster) RunOnce(ctx context.Context) (int, error) {
	list, err := Pending(ctx, a.Journal)
	if err != nil {
		return 0, err
	}
	timeout := a.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	n := 0
	for _, t := range list {
		req := &posguard.UpstreamRequest{
			MTI: "0220", ProcCode: "220000", Amount: t.Amount, Currency: t.Currency, STAN: t.UpstreamSTAN,
			Time: t.UpstreamTime, AcquirerID: a.AcquirerID, RRN: t.RRN, TerminalID: t.TerminalID,
			MerchantID: t.MerchantID, CondCode: "00",
			Original: &posguard.OriginalData{MTI: t.Detail["orig_mti"], STAN: t.Detail["orig_stan"],
				Time: t.Detail["orig_time"], AcquirerID: a.AcquirerID},
		}
		actx, cancel := context.WithTimeout(ctx, timeout)
		ans, err := a.Upstream.Send(actx, req)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return n, ctx.Err()
			}
			if a.Logger != nil {
				a.Logger.Warn("credit adjustment not answered; retrying later", "txn", t.ID, "err", err)
			}
			continue
		}
		u := posguard.TxnUpdate{ID: t.ID, FromStates: []posguard.State{posguard.StateReceived}, ResponseCode: ans.Code,
			AuthCode: ans.AuthCode, At: a.now(), State: posguard.StateDeclined,
			Note: "credit adjustment declined by the network (" + ans.Code + ")"}
		if posguard.ApprovedCode(ans.Code) {
			u.State, u.Note = posguard.StateApproved, "credit adjustment approved: the cardholder is credited"
		}
		if err := a.Journal.Update(ctx, u); err != nil && posguard.ErrorCode(err) != posguard.ECONFLICT {
			return n, err
		}
		n++
	}
	return n, nil
}

// Run sends pending credit adjustments every interval until ctx ends.
func (a *Adjuster) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		n, err := a.RunOnce(ctx)
		if err == nil && n > 0 && a.Answered != nil {
			err = a.Answered(ctx)
		}
		if err != nil && ctx.Err() == nil && a.Logger != nil {
			a.Logger.Error("credit adjustments", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
