package host

import (
	"context"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/dispute"
)

// newDisputes builds the dispute service: retrieval requests answerable by
// the receipt alone are answered at import; with cfg.DisputeURL, the
// network's dispute API is the link.
func newDisputes(st Store, money posguard.MoneyStore, cfg Config, cal posguard.Calendar) *dispute.Service {
	s := &dispute.Service{Store: st, Ledger: money, Audit: st.Access(), AutoRetrieval: true, Calendar: cal, Logger: cfg.Logger}
	if cfg.DisputeURL != "" {
		s.Network = &dispute.Client{BaseURL: cfg.DisputeURL}
	}
	return s
}

// disputeLoop fetches and imports the network's dispute file every
// DisputeEvery (when a dispute link is configured) and loses the disputes
// past their deadline.
func (h *Host) disputeLoop(ctx context.Context) {
	every := h.DisputeEvery
	if every <= 0 {
		every = time.Minute
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if h.Disputes.Network != nil {
			rep, err := h.Disputes.Fetch(ctx)
			if err != nil && ctx.Err() == nil {
				h.Logger.Error("disputes: fetch", "err", err)
				continue
			}
			if len(rep.Unmatched) > 0 {
				h.Logger.Warn("disputes the journal cannot match", "count", len(rep.Unmatched), "lines", rep.Unmatched)
			}
			continue
		}
		if n, err := h.Disputes.Expire(ctx); err != nil && ctx.Err() == nil {
			h.Logger.Error("disputes: expire", "err", err)
		} else if n > 0 {
			h.Logger.Warn("disputes lost: deadline passed without a response", "count", n)
		}
	}
}
