package reversal

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/posguard/posguard"
)

var errInFlight = errors.New("original still in flight")

// Worker sends queued reversals until each is acknowledged.
type Worker struct {
	Store    posguard.Store
	Upstream posguard.Upstream
	// AcquirerID is field 32 (and part of field 90).
	AcquirerID string
	// InFlight reports whether a transaction's own request is still waiting
	// for its answer; its reversal is held back until it is not, so the
	// reversal never overtakes the request it reverses. May be nil.
	InFlight func(txnID int64) bool
	// MaxAttempts after which the transaction is flagged reversal_failed
	// (retries continue). Default 5.
	MaxAttempts int
	// Timeout for one attempt. Default 10 s.
	Timeout time.Duration
	// BaseBackoff and MaxBackoff bound the delay between attempts
	// (exponential, jittered). Defaults 500 ms and 20 s, so a reversal is
	// retried within about 25 s of the network coming back.
	BaseBackoff, MaxBackoff time.Duration
	// Poll is how often the queue is read when nothing wakes the worker.
	// Default 1 s.
	Poll time.Duration
	// Grace is how long a transaction may stay forwarded before the sweep
	// treats it as abandoned. Default 60 s.
	Grace time.Duration
	// RecoveryGrace is the grace of the sweep when the worker starts.
	// Default 0: nothing is in flight in a process that just started. Where
	// several instances share the database it must be longer than the
	// upstream timeout: another instance's requests may be in flight.
	RecoveryGrace time.Duration
	// Holder, when set (several instances share the queue), names this
	// instance on the reversals it claims: with a store that is a
	// posguard.ReversalClaimer each due reversal is claimed for Lease
	// before it is sent, so that only one instance sends it; a dead
	// instance's claims are taken over once they expire. Empty (one
	// instance): due reversals are read without claims.
	Holder string
	// Lease is how long a claim lasts. Default 30 s; at least Timeout + 5 s,
	// so an attempt always ends inside its claim.
	Lease time.Duration
	// Hold is how long after its transaction was journaled a reversal is
	// held back (default 0). Where several instances share the queue it is
	// the upstream timeout plus a margin: the instance that forwarded the
	// original may still await its answer, and the reversal must not
	// overtake it (InFlight sees this process's requests only).
	Hold time.Duration
	// Batch is how many due reversals are sent at once. Default 32.
	Batch  int
	Logger *slog.Logger
	Now    func() time.Time
	// Attempted, if set, is called after each attempt (metrics).
	Attempted func(r *posguard.Reversal, err error)
	// Failed, if set, is called once when a reversal reaches MaxAttempts
	// (the transaction is flagged reversal_failed; retries go on), e.g. to
	// open a case.
	Failed func(ctx context.Context, txn *posguard.Transaction)

	once sync.Once
	wake chan struct{}
}

func (w *Worker) defaults() {
	w.once.Do(func() {
		if w.MaxAttempts <= 0 {
			w.MaxAttempts = 5
		}
		if w.Timeout <= 0 {
			w.Timeout = 10 * time.Second
		}
		if w.BaseBackoff <= 0 {
			w.BaseBackoff = 500 * time.Millisecond
		}
		if w.MaxBackoff <= 0 {
			w.MaxBackoff = 20 * time.Second
		}
		if w.Poll <= 0 {
			w.Poll = time.Second
		}
		if w.Grace <= 0 {
			w.Grace = 60 * time.Second
		}
		if w.Batch <= 0 {
			w.Batch = 32
		}
		if w.Lease < w.Timeout+5*time.Second {
			w.Lease = max(30*time.Second, w.Timeout+5*time.Second)
		}
		if w.Logger == nil {
			w.Logger = slog.Default()
		}
		if w.Now == nil {
			w.Now = time.Now
		}
		w.wake = make(chan struct{}, 1)
	})
}

// Wake tells the worker that a reversal was queued.
func (w *Worker) Wake() {
	w.defaults()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run sweeps for abandoned transactions once without grace (nothing is in
// flight in a process that just started), then sends due reversals until
// ctx ends.
func (w *Worker) Run(ctx context.Context) error {
	w.defaults()
	if n, err := w.Sweep(ctx, w.RecoveryGrace); err != nil {
		w.Logger.Error("recovery sweep", "err", err)
	} else if n > 0 {
		w.Logger.Warn("recovery: transactions left forwarded were queued for reversal", "count", n)
	}
	tick := time.NewTicker(w.Poll)
	defer tick.Stop()
	lastSweep := time.Now()
	for {
		if _, err := w.RunOnce(ctx); err != nil && ctx.Err() == nil {
			w.Logger.Error("reversal queue", "err", err)
		}
		if time.Since(lastSweep) > w.Grace/2 {
			lastSweep = time.Now()
			if _, err := w.Sweep(ctx, w.Grace); err != nil && ctx.Err() == nil {
				w.Logger.Error("sweep", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-w.wake:
		case <-tick.C:
		}
	}
}

// RunOnce sends every due reversal once and returns how many were
// acknowledged.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	w.defaults()
	due := w.Store.DueReversals
	if claimer, ok := w.Store.(posguard.ReversalClaimer); ok && w.Holder != "" {
		// Instances sharing the queue each claim what they send.
		due = func(ctx context.Context, now time.Time, limit int) ([]*posguard.Reversal, error) {
			return claimer.ClaimDueReversals(ctx, w.Holder, now, w.Lease, limit)
		}
	}
	q := Queue[*posguard.Reversal]{Due: due, Attempt: w.attempt, Batch: w.Batch, Now: w.Now}
	return q.Drain(ctx)
}

// attempt sends one reversal and records the outcome. It reports whether
// the reversal was acknowledged.
func (w *Worker) attempt(ctx context.Context, r *posguard.Reversal) (bool, error) {
	txn, err := w.Store.ByID(ctx, r.TxnID)
	if err != nil {
		return false, err
	}
	if w.InFlight != nil && w.InFlight(txn.ID) {
		// The original's answer is still awaited: try again at the next poll.
		return false, w.holdBack(ctx, r, w.Now())
	}
	if until := txn.CreatedAt.Add(w.Hold); w.Hold > 0 && w.Now().Before(until) {
		// Another instance may still await the original's answer.
		return false, w.holdBack(ctx, r, until)
	}
	req := w.request(r, txn)
	// The attempt ends inside the claim (Lease > Timeout): while the claim
	// is live no other instance sends this reversal.
	actx, cancel := context.WithTimeout(ctx, w.Timeout)
	ans, err := w.Upstream.Send(actx, req)
	cancel()
	if w.Attempted != nil {
		w.Attempted(r, err)
	}
	if err != nil {
		return false, w.failed(ctx, r, txn, posguard.ErrorMessage(err))
	}
	if ans.Code == "" {
		return false, w.failed(ctx, r, txn, "reversal answer without a response code")
	}
	u := posguard.TxnUpdate{
		ID:     txn.ID,
		State:  posguard.StateReversed,
		Reason: posguard.ReasonReversalDone,
		Detail: map[string]string{"reversal_code": ans.Code, "reversal_attempts": fmt.Sprint(r.Attempts + 1)},
		Note:   fmt.Sprintf("network acknowledged the reversal (0430, code %s) after %d attempt(s)", ans.Code, r.Attempts+1),
		At:     w.Now(),
	}
	if err := w.Store.CompleteReversal(ctx, r.ID, u); err != nil {
		return false, err
	}
	w.restoreOriginal(ctx, txn)
	w.Logger.Info("reversal acknowledged", "txn", txn.ID, "attempts", r.Attempts+1, "code", ans.Code)
	return true, nil
}

// holdBack gives a claimed reversal back to the queue, due at next, without
// counting an attempt.
func (w *Worker) holdBack(ctx context.Context, r *posguard.Reversal, next time.Time) error {
	if c, ok := w.Store.(posguard.ReversalClaimer); ok && w.Holder != "" {
		if err := c.UnclaimReversal(ctx, r.ID, next); err != nil {
			return err
		}
	}
	return errInFlight
}

// request builds the reversal advice for txn.
func (w *Worker) request(r *posguard.Reversal, txn *posguard.Transaction) *posguard.UpstreamRequest {
	now := w.Now().UTC()
	mti := "0420"
	if r.Attempts > 0 {
		mti = "0421"
	}
	return &posguard.UpstreamRequest{
		MTI:        mti,
		ProcCode:   txn.ProcCode,
		Amount:     txn.Amount,
		Currency:   txn.Currency,
		STAN:       fmt.Sprintf("%06d", r.ID%999999+1),
		Time:       now.Format("0102150405"),
		AcquirerID: w.AcquirerID,
		RRN:        txn.RRN,
		ReasonCode: "98",
		TerminalID: txn.TerminalID,
		MerchantID: txn.MerchantID,
		EntryMode:  txn.EntryMode,
		CondCode:   "00",
		Original: &posguard.OriginalData{
			MTI:        txn.Type.UpstreamMTI(),
			STAN:       txn.UpstreamSTAN,
			Time:       txn.UpstreamTime,
			AcquirerID: w.AcquirerID,
		},
	}
}

// failed records a failed attempt and flags the transaction once the
// attempt limit is reached. The reversal stays pending.
func (w *Worker) failed(ctx context.Context, r *posguard.Reversal, txn *posguard.Transaction, msg string) error {
	next := w.Now().Add(w.backoff(r.Attempts + 1))
	if err := w.Store.ReversalAttempted(ctx, r.ID, next, msg); err != nil {
		return err
	}
	// The transaction's history shows each attempt up to the limit, then
	// every tenth, so a long outage does not flood it.
	if n := r.Attempts + 1; n <= w.MaxAttempts || n%10 == 0 {
		err := w.Store.Update(ctx, posguard.TxnUpdate{
			ID: txn.ID, At: w.Now(),
			Note: fmt.Sprintf("reversal attempt %d failed: %s; next at %s", n, msg, next.UTC().Format(time.RFC3339)),
		})
		if err != nil {
			w.Logger.Error("record reversal attempt", "txn", txn.ID, "err", err)
		}
	}
	if r.Attempts+1 == w.MaxAttempts {
		err := w.Store.Update(ctx, posguard.TxnUpdate{
			ID: txn.ID, FromStates: []posguard.State{posguard.StateReversalPending},
			State: posguard.StateReversalFailed, Reason: posguard.ReasonReversalRetrying,
			Note: fmt.Sprintf("reversal not acknowledged after %d attempts (%s); retries continue", w.MaxAttempts, msg),
			At:   w.Now(),
		})
		if err != nil && posguard.ErrorCode(err) != posguard.ECONFLICT {
			return err
		}
		w.Logger.Warn("reversal past its attempt limit", "txn", txn.ID, "attempts", r.Attempts+1, "err", msg)
		if w.Failed != nil {
			w.Failed(ctx, txn)
		}
	}
	return posguard.Errorf(posguard.EUNAVAILABLE, "reversal of transaction %d: %s", txn.ID, msg)
}

// backoff returns the delay before attempt n+1: BaseBackoff·2^(n-1), capped
// at MaxBackoff, with ±25 % jitter.
func (w *Worker) backoff(n int) time.Duration {
	return Backoff(n, w.BaseBackoff, w.MaxBackoff, true)
}

// Sweep queues a reversal for every transaction left forwarded for longer
// than grace whose request is not in flight in this process (a crash lost
// its outcome). Requests that move no money are marked timed out. It
// returns how many reversals it queued.
func (w *Worker) Sweep(ctx context.Context, grace time.Duration) (int, error) {
	w.defaults()
	list, err := w.Store.Unresolved(ctx, 1000)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, t := range list {
		if (grace > 0 && w.Now().Sub(t.UpdatedAt) < grace) || (w.InFlight != nil && w.InFlight(t.ID)) {
			continue
		}
		u := posguard.TxnUpdate{
			ID: t.ID, FromStates: []posguard.State{posguard.StateForwarded},
			State: posguard.StateTimedOut, ResponseCode: "98", Reason: posguard.ReasonNetworkTimeout,
			Answer: &posguard.Answer{Code: "98"},
			Note:   "found forwarded without an outcome (host restart or lost answer)", At: w.Now(),
		}
		if t.Type.MovesMoney() {
			u.State = posguard.StateReversalPending
			u.QueueReversal = &posguard.Reversal{Reason: "recovery"}
			n++
		}
		if err := w.Store.Update(ctx, u); err != nil && posguard.ErrorCode(err) != posguard.ECONFLICT {
			return n, err
		}
	}
	return n, nil
}

// restoreOriginal undoes, in the journal, what a reversed transaction did
// to its original (the issuer has undone it already):
//
//   - a void, completion void or pre-auth cancel: the original stands
//     again (a cancelled pre-auth is open again, its hold restored);
//   - a completion void: besides, the completion consumes its pre-auth
//     again (open → completed);
//   - a completion: its pre-auth is open again (completed → open).
func (w *Worker) restoreOriginal(ctx context.Context, txn *posguard.Transaction) {
	if txn.OrigID == 0 {
		return
	}
	set := func(id int64, from, to posguard.State, note string) {
		err := w.Store.Update(ctx, posguard.TxnUpdate{ID: id, FromStates: []posguard.State{from}, State: to, Note: note, At: w.Now()})
		if err != nil && posguard.ErrorCode(err) != posguard.ECONFLICT {
			w.Logger.Error("restore original after reversal", "txn", id, "err", err)
		}
	}
	switch txn.Type {
	case posguard.TxnVoid, posguard.TxnCompletionVoid, posguard.TxnPreAuthCancel:
		set(txn.OrigID, posguard.StateVoided, posguard.StateApproved,
			fmt.Sprintf("void %d reversed: the original is approved again", txn.ID))
		if txn.Type == posguard.TxnCompletionVoid {
			if c, err := w.Store.ByID(ctx, txn.OrigID); err == nil && c.Type == posguard.TxnCompletion && c.OrigID != 0 {
				err := w.Store.Update(ctx, posguard.TxnUpdate{ID: c.OrigID, FromStates: []posguard.State{posguard.StateApproved},
					State: posguard.StateCompleted, Detail: map[string]string{"completed_by": fmt.Sprint(c.ID)},
					Note: fmt.Sprintf("completion void %d reversed: completion %d takes the pre-authorization again", txn.ID, c.ID), At: w.Now()})
				if err != nil && posguard.ErrorCode(err) != posguard.ECONFLICT {
					w.Logger.Error("restore completed pre-auth", "txn", c.OrigID, "err", err)
				}
			}
		}
	case posguard.TxnCompletion:
		// Only the completion that took the pre-auth gives it back (a
		// completion that timed out never took it).
		if p, err := w.Store.ByID(ctx, txn.OrigID); err == nil && p.Detail["completed_by"] == fmt.Sprint(txn.ID) {
			set(txn.OrigID, posguard.StateCompleted, posguard.StateApproved,
				fmt.Sprintf("completion %d reversed: the pre-authorization is open again", txn.ID))
		}
	}
}
