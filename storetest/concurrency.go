package storetest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/posguard/posguard"
)

// parallel runs f(i) for i in [0,n) in n goroutines released together and
// returns their errors.
func parallel(n int, f func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = f(i)
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

// countCodes tallies error codes ("" for success).
func countCodes(errs []error) map[string]int {
	m := map[string]int{}
	for _, err := range errs {
		m[posguard.ErrorCode(err)]++
	}
	return m
}

func testConcurrency(t *testing.T, h *harness) {
	const n = 20

	t.Run("InsertSameKey", func(t *testing.T) {
		s := h.store(t)
		errs := parallel(n, func(i int) error {
			x := txn("10000001", "000777")
			x.Amount = posguard.Amount(i + 1)
			return s.Insert(t.Context(), x)
		})
		if c := countCodes(errs); c[""] != 1 || c[posguard.ECONFLICT] != n-1 {
			t.Fatalf("outcomes %v (%v), want one success and %d conflicts", c, errs, n-1)
		}
		list, err := s.List(t.Context(), posguard.TxnFilter{})
		must(t, err, "list")
		if len(list) != 1 {
			t.Fatalf("%d rows journaled, want 1", len(list))
		}
	})

	t.Run("UpdateFromStates", func(t *testing.T) {
		s := h.store(t)
		x := txn("10000001", "000778")
		x.State = posguard.StateForwarded
		insert(t, s, x)
		errs := parallel(n, func(i int) error {
			return s.Update(t.Context(), posguard.TxnUpdate{
				ID: x.ID, FromStates: []posguard.State{posguard.StateForwarded}, State: posguard.StateApproved,
				AddRefunded: 1, Note: fmt.Sprint("winner ", i),
			})
		})
		if c := countCodes(errs); c[""] != 1 || c[posguard.ECONFLICT] != n-1 {
			t.Fatalf("outcomes %v, want one success and %d conflicts", c, n-1)
		}
		got, err := s.ByID(t.Context(), x.ID)
		must(t, err, "ByID")
		evs, err := s.Events(t.Context(), x.ID)
		must(t, err, "events")
		if got.State != posguard.StateApproved || got.RefundedAmount != 1 || len(evs) != 2 {
			t.Fatalf("state %s refunded %d events %d, want approved, 1, 2", got.State, got.RefundedAmount, len(evs))
		}
	})

	t.Run("MixedLoad", func(t *testing.T) {
		// Writers and readers at once: nothing may fail (no SQLITE_BUSY or
		// the like), every write lands.
		s := h.store(t)
		errs := parallel(2*n, func(i int) error {
			if i%2 == 1 {
				_, err := s.List(t.Context(), posguard.TxnFilter{Limit: 10})
				if err == nil {
					_, _, err = s.DailyUsage(t.Context(), "898310048990001", "2026-03-01")
				}
				return err
			}
			x := txn("10000001", fmt.Sprintf("%06d", i+1))
			x.State = posguard.StateForwarded
			if err := s.Insert(t.Context(), x); err != nil {
				return err
			}
			return s.Update(t.Context(), posguard.TxnUpdate{ID: x.ID, State: posguard.StateApproved,
				QueueReversal: &posguard.Reversal{Reason: "load"}})
		})
		for i, err := range errs {
			if err != nil {
				t.Fatalf("goroutine %d: %v", i, err)
			}
		}
		list, err := s.List(t.Context(), posguard.TxnFilter{State: posguard.StateApproved, Limit: 1000})
		must(t, err, "list")
		rs, err := s.Reversals(t.Context(), posguard.ReversalPending, 1000)
		must(t, err, "reversals")
		if len(list) != n || len(rs) != n {
			t.Fatalf("%d approved and %d reversals, want %d each", len(list), len(rs), n)
		}
	})
}
