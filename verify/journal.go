package verify

import (
	"context"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/diagnosis"
)

// JournalStore is what the journal checks read.
type JournalStore interface {
	posguard.Journal
	posguard.ReversalQueue
}

// pageSize is the journal page read at a time (the store's maximum).
const pageSize = 1000

// Journal checks the journal's invariants into r. It returns an error only
// when the store cannot be read.
func Journal(ctx context.Context, s JournalStore, opt Options, r *Report) error {
	now := time.Now
	if opt.Now != nil {
		now = opt.Now
	}
	checkedAt := now()
	f := posguard.TxnFilter{Limit: pageSize}
	for {
		page, err := s.List(ctx, f)
		if err != nil {
			return err
		}
		for _, t := range page {
			r.Transactions++
			explained(t, r)
			if err := inFlight(t, checkedAt, opt.Grace, r); err != nil {
				return err
			}
			if err := reversalOf(ctx, s, t, r); err != nil {
				return err
			}
			f.After = t.ID
		}
		if len(page) < pageSize {
			break
		}
	}
	return queue(ctx, s, r)
}

// failed reports whether st is the state of a failure the journal must
// explain.
func failed(st posguard.State) bool {
	switch st {
	case posguard.StateRejected, posguard.StateDeclined, posguard.StateTimedOut,
		posguard.StateReversalPending, posguard.StateReversed, posguard.StateReversalFailed:
		return true
	}
	return false
}

// explained checks that a failure carries a reason the knowledge base
// explains and, for a rejection or a decline, answered that reason's code.
func explained(t *posguard.Transaction, r *Report) {
	if !failed(t.State) {
		return
	}
	if t.Reason == "" {
		r.add("journal", "transaction %d: %s without a reason", t.ID, t.State)
		return
	}
	if _, ok := diagnosis.Lookup(t.Reason); !ok {
		r.add("journal", "transaction %d: %s with reason %q, which the knowledge base does not explain", t.ID, t.State, t.Reason)
		return
	}
	switch t.State {
	case posguard.StateRejected:
		if want := posguard.ReasonCode(t.Reason); t.ResponseCode != want {
			r.add("journal", "transaction %d: rejected with reason %s (code %s) but answered %q", t.ID, t.Reason, want, t.ResponseCode)
		}
	case posguard.StateDeclined:
		if want := posguard.IssuerReason(t.ResponseCode); t.Reason != want {
			r.add("journal", "transaction %d: declined %q but its reason is %s", t.ID, t.ResponseCode, t.Reason)
		}
	}
}

// inFlight checks that a transaction is not left forwarded (or received)
// past the grace period: a request without an outcome and without a
// reversal queued.
func inFlight(t *posguard.Transaction, now time.Time, grace time.Duration, r *Report) error {
	if t.State != posguard.StateForwarded && t.State != posguard.StateReceived {
		return nil
	}
	if grace > 0 && now.Sub(t.UpdatedAt) < grace {
		return nil
	}
	r.add("journal", "transaction %d: left %s since %s with no request in flight and no reversal queued",
		t.ID, t.State, t.UpdatedAt.UTC().Format(time.RFC3339))
	return nil
}

// reversalOf checks a transaction against the reversal queue.
func reversalOf(ctx context.Context, s JournalStore, t *posguard.Transaction, r *Report) error {
	switch t.State {
	case posguard.StateReversalPending, posguard.StateReversalFailed:
		// Waiting for its reversal: one must be pending.
		if _, err := s.PendingReversalFor(ctx, t.ID); err != nil {
			if posguard.ErrorCode(err) != posguard.ENOTFOUND {
				return err
			}
			r.add("journal", "transaction %d: %s but no reversal of it is pending", t.ID, t.State)
		}
	}
	if t.Type != posguard.TxnReversal || t.State != posguard.StateCompleted || t.OrigID == 0 {
		return nil
	}
	// A terminal reversal (0400) that queued a reversal, or found one
	// already, points at an original being or already reversed.
	var allowed []posguard.State
	switch t.Reason {
	case posguard.ReasonReversalQueued:
		allowed = []posguard.State{posguard.StateReversalPending, posguard.StateReversalFailed, posguard.StateReversed}
	case posguard.ReasonReversalAlready:
		allowed = []posguard.State{posguard.StateTimedOut, posguard.StateReversalPending, posguard.StateReversalFailed, posguard.StateReversed}
	default:
		return nil
	}
	orig, err := s.ByID(ctx, t.OrigID)
	if err != nil {
		if posguard.ErrorCode(err) != posguard.ENOTFOUND {
			return err
		}
		r.add("journal", "terminal reversal %d: its original %d is not in the journal", t.ID, t.OrigID)
		return nil
	}
	for _, st := range allowed {
		if orig.State == st {
			return nil
		}
	}
	r.add("journal", "terminal reversal %d (%s): its original %d is %s", t.ID, t.Reason, orig.ID, orig.State)
	return nil
}

// queuePage is how many reversals the queue check reads at a time (the
// store's maximum); it pages through every one (a variable so that a
// test can page with a small one).
var queuePage = 1000

// queue checks the reversal queue against the transactions: a pending
// reversal's transaction awaits it; an acknowledged one's is reversed.
// Every reversal is checked, a page at a time (memory stays bounded by
// the page, not the queue).
func queue(ctx context.Context, s JournalStore, r *Report) error {
	check := func(rv *posguard.Reversal, want ...posguard.State) error {
		t, err := s.ByID(ctx, rv.TxnID)
		if err != nil {
			if posguard.ErrorCode(err) != posguard.ENOTFOUND {
				return err
			}
			r.add("journal", "reversal %d: its transaction %d is not in the journal", rv.ID, rv.TxnID)
			return nil
		}
		for _, st := range want {
			if t.State == st {
				return nil
			}
		}
		r.add("journal", "reversal %d (%s): its transaction %d is %s", rv.ID, rv.State, t.ID, t.State)
		return nil
	}
	pending := 0
	err := eachReversal(ctx, s, posguard.ReversalPending, func(rv *posguard.Reversal) error {
		pending++
		return check(rv, posguard.StateReversalPending, posguard.StateReversalFailed)
	})
	if err != nil {
		return err
	}
	r.PendingReversals = pending
	return eachReversal(ctx, s, posguard.ReversalDone, func(rv *posguard.Reversal) error {
		return check(rv, posguard.StateReversed)
	})
}

// eachReversal calls f for every reversal in state, newest first, reading
// queuePage at a time.
func eachReversal(ctx context.Context, s JournalStore, state posguard.ReversalState, f func(*posguard.Reversal) error) error {
	var before int64
	for {
		page, err := s.ReversalsBefore(ctx, state, before, queuePage)
		if err != nil || len(page) == 0 {
			return err
		}
		for _, rv := range page {
			if err := f(rv); err != nil {
				return err
			}
			before = rv.ID
		}
	}
}
