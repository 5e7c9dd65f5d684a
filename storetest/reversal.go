package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/posguard/posguard"
)

// timedOut journals a forwarded sale and moves it to reversal_pending with a
// queued reversal due at next (zero: now); it returns both.
func timedOut(t *testing.T, s posguard.Store, stan string, next time.Time) (*posguard.Transaction, *posguard.Reversal) {
	t.Helper()
	x := txn("10000001", stan)
	x.State, x.ResponseCode, x.Reason = posguard.StateForwarded, "", ""
	insert(t, s, x)
	r := &posguard.Reversal{Reason: posguard.ReasonNetworkTimeout, NextAttempt: next}
	must(t, s.Update(t.Context(), posguard.TxnUpdate{
		ID: x.ID, FromStates: []posguard.State{posguard.StateForwarded}, State: posguard.StateReversalPending,
		ResponseCode: "98", Reason: posguard.ReasonNetworkTimeout, QueueReversal: r,
	}), "time out "+stan)
	return x, r
}

func reversalIDs(rs []*posguard.Reversal) []int64 {
	var ids []int64
	for _, r := range rs {
		ids = append(ids, r.ID)
	}
	return ids
}

func testReversals(t *testing.T, h *harness) {
	t.Run("QueueViaUpdate", func(t *testing.T) {
		s := h.store(t)
		before := time.Now().Add(-time.Second)
		x, r := timedOut(t, s, "000001", time.Time{})
		if r.ID <= 0 || r.TxnID != x.ID || r.State != posguard.ReversalPending || r.Attempts != 0 ||
			r.Reason != posguard.ReasonNetworkTimeout || r.NextAttempt.Before(before) || r.CreatedAt.IsZero() {
			t.Fatalf("queued reversal %+v", r)
		}
		got, err := s.PendingReversalFor(t.Context(), x.ID)
		must(t, err, "pending for")
		if got.ID != r.ID || got.TxnID != r.TxnID || got.State != r.State || got.Reason != r.Reason || got.Attempts != 0 {
			t.Fatalf("PendingReversalFor %+v, want %+v", got, r)
		}
		wantTime(t, got.NextAttempt, r.NextAttempt, "NextAttempt")
		wantTime(t, got.CreatedAt, r.CreatedAt, "CreatedAt")
		tx, err := s.ByID(t.Context(), x.ID)
		must(t, err, "ByID")
		if tx.State != posguard.StateReversalPending || tx.ResponseCode != "98" {
			t.Fatalf("transaction %s/%s after queueing", tx.State, tx.ResponseCode)
		}
		due, err := s.DueReversals(t.Context(), time.Now().Add(time.Second), 10)
		must(t, err, "due")
		if fmt.Sprint(reversalIDs(due)) != fmt.Sprint([]int64{r.ID}) {
			t.Fatalf("due %v, want [%d]", reversalIDs(due), r.ID)
		}

		// Queueing again while one is pending reports the existing one.
		again := &posguard.Reversal{Reason: "terminal.98"}
		must(t, s.Update(t.Context(), posguard.TxnUpdate{ID: x.ID, Note: "terminal 0400", QueueReversal: again}), "queue again")
		if again.ID != r.ID || again.Reason != r.Reason {
			t.Fatalf("second queue got %+v, want the pending reversal %d", again, r.ID)
		}
		all, err := s.Reversals(t.Context(), "", 100)
		must(t, err, "reversals")
		if len(all) != 1 {
			t.Fatalf("%d reversals, want 1", len(all))
		}
	})

	t.Run("DueOrderingAndAttempts", func(t *testing.T) {
		s := h.store(t)
		base := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		_, r1 := timedOut(t, s, "000001", base.Add(-time.Minute))
		_, r2 := timedOut(t, s, "000002", base.Add(time.Hour))
		_, r3 := timedOut(t, s, "000003", base.Add(-2*time.Minute))
		_, r4 := timedOut(t, s, "000004", base) // at now: due

		due, err := s.DueReversals(t.Context(), base, 10)
		must(t, err, "due")
		if fmt.Sprint(reversalIDs(due)) != fmt.Sprint([]int64{r1.ID, r3.ID, r4.ID}) {
			t.Fatalf("due %v, want oldest first [%d %d %d]", reversalIDs(due), r1.ID, r3.ID, r4.ID)
		}
		due, err = s.DueReversals(t.Context(), base, 1)
		must(t, err, "due limit")
		if len(due) != 1 || due[0].ID != r1.ID {
			t.Fatalf("due with limit 1: %v", reversalIDs(due))
		}

		next := base.Add(30*time.Second + 123456*time.Nanosecond)
		must(t, s.ReversalAttempted(t.Context(), r1.ID, next, "network.timeout"), "attempt 1")
		must(t, s.ReversalAttempted(t.Context(), r1.ID, next.Add(time.Minute), "network.unavailable"), "attempt 2")
		got, err := s.PendingReversalFor(t.Context(), r1.TxnID)
		must(t, err, "pending")
		if got.Attempts != 2 || got.LastError != "network.unavailable" || got.State != posguard.ReversalPending {
			t.Fatalf("after two attempts: %+v", got)
		}
		wantTime(t, got.NextAttempt, next.Add(time.Minute), "NextAttempt after attempts")
		due, err = s.DueReversals(t.Context(), base, 10)
		must(t, err, "due")
		if fmt.Sprint(reversalIDs(due)) != fmt.Sprint([]int64{r3.ID, r4.ID}) {
			t.Fatalf("due after backoff %v, want [%d %d]", reversalIDs(due), r3.ID, r4.ID)
		}
		due, err = s.DueReversals(t.Context(), base.Add(2*time.Hour), 10)
		must(t, err, "due later")
		if len(due) != 4 {
			t.Fatalf("all due later: %v", reversalIDs(due))
		}
		wantCode(t, s.ReversalAttempted(t.Context(), 9999, next, "x"), posguard.ENOTFOUND, "attempt on unknown reversal")

		list, err := s.Reversals(t.Context(), posguard.ReversalPending, 2)
		must(t, err, "reversals")
		if fmt.Sprint(reversalIDs(list)) != fmt.Sprint([]int64{r4.ID, r3.ID}) {
			t.Fatalf("reversals newest first %v, want [%d %d]", reversalIDs(list), r4.ID, r3.ID)
		}
		// The next page continues below the last ID of the previous one.
		next2, err := s.ReversalsBefore(t.Context(), posguard.ReversalPending, r3.ID, 2)
		must(t, err, "reversals before")
		if fmt.Sprint(reversalIDs(next2)) != fmt.Sprint([]int64{r2.ID, r1.ID}) {
			t.Fatalf("reversals before %d: %v, want [%d %d]", r3.ID, reversalIDs(next2), r2.ID, r1.ID)
		}
		first, err := s.ReversalsBefore(t.Context(), "", 0, 2)
		must(t, err, "reversals before 0")
		if fmt.Sprint(reversalIDs(first)) != fmt.Sprint(reversalIDs(list)) {
			t.Fatalf("reversals before 0: %v, want %v", reversalIDs(first), reversalIDs(list))
		}
	})

	t.Run("Complete", func(t *testing.T) {
		s := h.store(t)
		x, r := timedOut(t, s, "000001", time.Time{})
		_, other := timedOut(t, s, "000002", time.Time{})

		// A refused update leaves the reversal pending.
		err := s.CompleteReversal(t.Context(), r.ID, posguard.TxnUpdate{
			FromStates: []posguard.State{posguard.StateApproved}, State: posguard.StateReversed,
		})
		wantCode(t, err, posguard.ECONFLICT, "complete with unmatched FromStates")
		if _, err := s.PendingReversalFor(t.Context(), x.ID); err != nil {
			t.Fatalf("reversal no longer pending after a refused completion: %v", err)
		}

		must(t, s.CompleteReversal(t.Context(), r.ID, posguard.TxnUpdate{
			FromStates: []posguard.State{posguard.StateReversalPending, posguard.StateReversalFailed},
			State:      posguard.StateReversed, Reason: posguard.ReasonReversalDone, Note: "0430 00",
			Detail: map[string]string{"reversal_code": "00"},
		}), "complete")
		tx, err := s.ByID(t.Context(), x.ID)
		must(t, err, "ByID")
		if tx.State != posguard.StateReversed || tx.Reason != posguard.ReasonReversalDone || tx.Detail["reversal_code"] != "00" {
			t.Fatalf("transaction after completion: %s %s %v", tx.State, tx.Reason, tx.Detail)
		}
		evs, err := s.Events(t.Context(), x.ID)
		must(t, err, "events")
		if last := evs[len(evs)-1]; last.State != posguard.StateReversed || last.Note != "0430 00" {
			t.Fatalf("last event %+v", last)
		}
		_, err = s.PendingReversalFor(t.Context(), x.ID)
		wantCode(t, err, posguard.ENOTFOUND, "pending after completion")
		done, err := s.Reversals(t.Context(), posguard.ReversalDone, 10)
		must(t, err, "done list")
		if len(done) != 1 || done[0].ID != r.ID || done[0].State != posguard.ReversalDone {
			t.Fatalf("done reversals %v", reversalIDs(done))
		}
		due, err := s.DueReversals(t.Context(), time.Now().Add(time.Hour), 10)
		must(t, err, "due")
		if fmt.Sprint(reversalIDs(due)) != fmt.Sprint([]int64{other.ID}) {
			t.Fatalf("due after completion %v, want only [%d]", reversalIDs(due), other.ID)
		}

		wantCode(t, s.CompleteReversal(t.Context(), r.ID, posguard.TxnUpdate{State: posguard.StateReversed}), posguard.ECONFLICT, "complete twice")
		wantCode(t, s.CompleteReversal(t.Context(), 9999, posguard.TxnUpdate{}), posguard.ENOTFOUND, "complete unknown")
		wantCode(t, s.CompleteReversal(t.Context(), other.ID, posguard.TxnUpdate{ID: x.ID}), posguard.EINVALID, "complete for another transaction")

		// A transaction whose reversal is done can be queued again.
		again := &posguard.Reversal{Reason: "late"}
		must(t, s.Update(t.Context(), posguard.TxnUpdate{ID: x.ID, QueueReversal: again}), "queue after done")
		if again.ID == r.ID || again.State != posguard.ReversalPending {
			t.Fatalf("new reversal %+v", again)
		}
	})

	t.Run("NotFound", func(t *testing.T) {
		s := h.store(t)
		r, err := s.PendingReversalFor(t.Context(), 42)
		wantCode(t, err, posguard.ENOTFOUND, "PendingReversalFor")
		if r != nil {
			t.Fatal("PendingReversalFor returned a reversal with ENOTFOUND")
		}
		list, err := s.Reversals(t.Context(), "", 0)
		must(t, err, "empty list")
		if list == nil || len(list) != 0 {
			t.Fatalf("empty queue lists %v", list)
		}
	})
}
