package host

import (
	"context"
	"errors"
	"fmt"
	"net"
	nethttp "net/http"
	"sync"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/terminal"
)

// Run connects the network link, starts the background parts (reversal
// worker, analytics, incident detection, case loop, ledger poster, payouts,
// credit adjustments, the journal search indexer, metrics, the scheduler when Config.Schedule, and h.Also) and serves terminals on tl and, when h.HTTP is set, the API on
// hl, until ctx ends or a server fails. It then drains: in-flight terminal
// requests are answered first, then the background parts stop. The network
// link stays open until Close.
func (h *Host) Run(ctx context.Context, tl, hl net.Listener, ready func()) error {
	if err := h.Client.Start(ctx); err != nil {
		tl.Close()
		if hl != nil {
			hl.Close()
		}
		return fmt.Errorf("network link: %w", err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Every part runs on its own goroutine; the servers report how they
	// ended, the background parts end with runCtx.
	parts := []func() error{func() error { return ignoreClosed(h.Terminals.Serve(tl)) }}
	if h.HTTP != nil && hl != nil {
		parts = append(parts, func() error {
			if h.TLSCert != "" {
				return ignoreClosed(h.HTTP.ServeTLS(hl, h.TLSCert, h.TLSKey))
			}
			return ignoreClosed(h.HTTP.Serve(hl))
		})
	}
	bg := func(f func(context.Context)) { parts = append(parts, func() error { f(runCtx); return nil }) }
	// one runs a singleton job: on every start of this instance alone, or,
	// when instances share the database, on the leader of its lease.
	one := func(name string, f func(context.Context)) {
		if h.Elector == nil {
			bg(f)
			return
		}
		bg(func(ctx context.Context) { h.Elector.Run(ctx, name, f) })
	}
	// Per instance: the reversal worker (each claims its reversals), the
	// analytics of its own answers, metrics.
	bg(func(ctx context.Context) { _ = h.Worker.Run(ctx) })
	bg(func(ctx context.Context) { _ = h.aggregator.Run(ctx) })
	bg(h.watch)
	one("incident-detector", func(ctx context.Context) { _ = h.detector.Run(ctx, h.IncidentWindow/6) })
	one("case-loop", h.caseLoop)
	one("ledger-poster", func(ctx context.Context) { _ = h.Poster.Run(ctx, 2*time.Second) })
	if ix, ok := h.Store.(posguard.JournalIndexer); ok {
		one("journal-search", h.searchLoop(ix))
	}
	one("payouts", h.payoutLoop)
	one("preauth-expiry", h.preAuthLoop)
	one("credit-adjustments", func(ctx context.Context) { h.Adjuster.Run(ctx, time.Second) })
	// The scheduler claims each run by its job row as well, so a second
	// instance running it could not run a job twice either.
	if h.Schedule {
		one("scheduler", func(ctx context.Context) { h.Scheduler.Run(ctx, h.ScheduleEvery) })
	}
	// The QR queues (orders, refunds, merchant notifications) are worked
	// by one instance at a time.
	one("qr-queues", h.QR.Run)
	one("qr-ledger", func(ctx context.Context) { h.QRPoster.Run(ctx, 2*time.Second) })
	// h.Also's parts run once too (the clearing-file watcher).
	for i, f := range h.Also {
		one(fmt.Sprintf("also-%d", i), f)
	}
	for _, j := range h.jobs {
		one(j.name, j.run)
	}
	var wg sync.WaitGroup
	errc := make(chan error, len(parts)) // never blocks a part that ends
	for _, f := range parts {
		wg.Add(1)
		go func() { defer wg.Done(); errc <- f() }()
	}
	if ready != nil {
		ready()
	}

	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	h.Logger.Info("shutting down: draining in-flight terminal requests")
	sctx, scancel := context.WithTimeout(context.Background(), h.UpstreamTimeout+5*time.Second)
	defer scancel()
	_ = h.Terminals.Shutdown(sctx)
	if h.HTTP != nil {
		_ = h.HTTP.Shutdown(sctx)
	}
	cancel()
	wg.Wait()
	return err
}

// Close closes the network link. The store is the caller's.
func (h *Host) Close() {
	if h.Client != nil {
		h.Client.Close()
	}
}

func ignoreClosed(err error) error {
	if errors.Is(err, terminal.ErrServerClosed) || errors.Is(err, nethttp.ErrServerClosed) || errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}
