package host

import (
	"context"
	"time"
)

// preAuthLoop expires pre-authorizations left open longer than
// PreAuthHold (30 days), every PreAuthSweepEvery (the first sweep one
// interval after start, so a starting host does not add its read to the
// others): each is marked expired and its hold release (0420) is queued
// for the reversal worker.
func (h *Host) preAuthLoop(ctx context.Context) {
	every := h.PreAuthSweepEvery
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
		if n, err := h.Switch.ExpirePreAuths(ctx, h.PreAuthHold); err != nil && ctx.Err() == nil {
			h.Logger.Error("pre-authorization expiry", "err", err)
		} else if n > 0 {
			h.Logger.Info("pre-authorizations expired: hold releases queued", "count", n)
		}
	}
}
