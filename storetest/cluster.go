package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/posguard/posguard"
)

// testCluster covers what several host instances share through the store:
// leases of singleton jobs, block counters (RRNs) and claims of the
// reversal queue.
func testCluster(t *testing.T, h *harness) {
	leases := func(t *testing.T) (posguard.Store, posguard.LeaseStore, posguard.ReversalClaimer) {
		s := h.store(t)
		ls, ok := s.(posguard.LeaseStore)
		rc, ok2 := s.(posguard.ReversalClaimer)
		if !ok || !ok2 {
			t.Fatalf("%T does not implement posguard.LeaseStore and posguard.ReversalClaimer", s)
		}
		return s, ls, rc
	}
	t.Run("Leases", func(t *testing.T) {
		_, ls, _ := leases(t)
		ctx := t.Context()
		now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		ttl := 10 * time.Second
		ok, err := ls.AcquireLease(ctx, "poster", "a", now, ttl)
		must(t, err, "acquire a")
		if !ok {
			t.Fatal("a did not get a free lease")
		}
		if ok, err = ls.AcquireLease(ctx, "poster", "b", now.Add(time.Second), ttl); err != nil || ok {
			t.Fatalf("b took a's live lease: %v %v", ok, err)
		}
		if ok, err = ls.AcquireLease(ctx, "poster", "a", now.Add(5*time.Second), ttl); err != nil || !ok {
			t.Fatalf("a could not renew: %v %v", ok, err)
		}
		// a renewed until now+15s: b still waits at now+12s.
		if ok, err = ls.AcquireLease(ctx, "poster", "b", now.Add(12*time.Second), ttl); err != nil || ok {
			t.Fatalf("b took a renewed lease: %v %v", ok, err)
		}
		// Another name is independent.
		if ok, err = ls.AcquireLease(ctx, "detector", "b", now, ttl); err != nil || !ok {
			t.Fatalf("b on another lease: %v %v", ok, err)
		}
		// Expired: b takes over, a cannot renew.
		if ok, err = ls.AcquireLease(ctx, "poster", "b", now.Add(16*time.Second), ttl); err != nil || !ok {
			t.Fatalf("b did not take an expired lease: %v %v", ok, err)
		}
		if ok, err = ls.AcquireLease(ctx, "poster", "a", now.Add(17*time.Second), ttl); err != nil || ok {
			t.Fatalf("a renewed a lease b took over: %v %v", ok, err)
		}
		// a's release does nothing; b's frees it at once.
		must(t, ls.ReleaseLease(ctx, "poster", "a", now.Add(18*time.Second)), "release by a")
		if ok, _ = ls.AcquireLease(ctx, "poster", "a", now.Add(18*time.Second), ttl); ok {
			t.Fatal("a's release of b's lease freed it")
		}
		must(t, ls.ReleaseLease(ctx, "poster", "b", now.Add(18*time.Second)), "release by b")
		if ok, err = ls.AcquireLease(ctx, "poster", "a", now.Add(18*time.Second), ttl); err != nil || !ok {
			t.Fatalf("a after b's release: %v %v", ok, err)
		}
		list, err := ls.Leases(ctx)
		must(t, err, "leases")
		if len(list) != 2 || list[0].Name != "detector" || list[0].Holder != "b" || list[1].Name != "poster" || list[1].Holder != "a" {
			t.Fatalf("leases %+v", list)
		}
		wantTime(t, list[1].ExpiresAt, now.Add(28*time.Second), "ExpiresAt")
		wantTime(t, list[1].AcquiredAt, now.Add(18*time.Second), "AcquiredAt")
		wantCode(t, func() error { _, err := ls.AcquireLease(ctx, "", "a", now, ttl); return err }(), posguard.EINVALID, "lease without a name")
	})
	t.Run("Blocks", func(t *testing.T) {
		_, ls, _ := leases(t)
		ctx := t.Context()
		last, err := ls.NextBlock(ctx, "rrn", 10, 100)
		must(t, err, "first block")
		if last != 110 {
			t.Fatalf("first block ends at %d, want 110 (above the floor 100)", last)
		}
		if last, _ = ls.NextBlock(ctx, "rrn", 10, 0); last != 120 {
			t.Fatalf("second block ends at %d, want 120", last)
		}
		if last, _ = ls.NextBlock(ctx, "rrn", 5, 500); last != 505 {
			t.Fatalf("block above a higher floor ends at %d, want 505", last)
		}
		// Concurrent callers never share a number.
		var mu sync.Mutex
		seen := map[int64]bool{}
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 10; i++ {
					last, err := ls.NextBlock(ctx, "stan", 3, 0)
					if err != nil {
						errs <- err
						return
					}
					mu.Lock()
					for n := last - 2; n <= last; n++ {
						if seen[n] {
							errs <- fmt.Errorf("number %d handed out twice", n)
						}
						seen[n] = true
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if len(seen) != 240 {
			t.Fatalf("%d numbers, want 240", len(seen))
		}
	})
	t.Run("ConcurrentRollups", func(t *testing.T) {
		// Several instances flush their analytics into the same buckets
		// at once, each in its own order: no deadlock, nothing lost.
		s := h.store(t)
		as, ok := s.(posguard.AnalyticsStore)
		if !ok {
			t.Skipf("%T keeps no analytics", s)
		}
		ctx := t.Context()
		at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 10; i++ {
					var deltas []posguard.Rollup
					seen := map[string]time.Time{}
					for k := 0; k < 20; k++ {
						key := fmt.Sprintf("%08d", (k*7+g*5+i)%20)
						deltas = append(deltas, posguard.Rollup{Window: posguard.WindowMinute, Dimension: posguard.DimTerminal, Key: key, Bucket: at, Counts: posguard.Counts{Total: 1}})
						seen[key] = at
					}
					if err := as.AddRollups(ctx, deltas, seen); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		got, err := as.Rollups(ctx, posguard.RollupQuery{Window: posguard.WindowMinute, Dimension: posguard.DimTerminal})
		must(t, err, "rollups")
		var total int64
		for _, r := range got {
			total += int64(r.Total)
		}
		if len(got) != 20 || total != 4*10*20 {
			t.Fatalf("%d buckets, total %d; want 20 and %d", len(got), total, 4*10*20)
		}
	})
	t.Run("ClaimReversals", func(t *testing.T) {
		s, _, rc := leases(t)
		ctx := t.Context()
		base := time.Now().Add(time.Minute).UTC()
		_, r1 := timedOut(t, s, "000001", base.Add(-time.Second))
		_, r2 := timedOut(t, s, "000002", base.Add(-time.Second))
		_, r3 := timedOut(t, s, "000003", base.Add(time.Hour))
		got, err := rc.ClaimDueReversals(ctx, "a", base, 30*time.Second, 10)
		must(t, err, "claim a")
		if fmt.Sprint(reversalIDs(got)) != fmt.Sprint([]int64{r1.ID, r2.ID}) {
			t.Fatalf("a claimed %v, want [%d %d]", reversalIDs(got), r1.ID, r2.ID)
		}
		wantTime(t, got[0].NextAttempt, base.Add(30*time.Second), "claimed NextAttempt")
		if got, _ = rc.ClaimDueReversals(ctx, "b", base.Add(29*time.Second), 30*time.Second, 10); len(got) != 0 {
			t.Fatalf("b claimed %v while a's claim is live", reversalIDs(got))
		}
		if due, _ := s.DueReversals(ctx, base.Add(29*time.Second), 10); len(due) != 0 {
			t.Fatalf("claimed reversals are due: %v", reversalIDs(due))
		}
		// a records a failed attempt on r1: it is due again at its backoff,
		// for anyone; r2's claim expires and b takes it over.
		must(t, s.ReversalAttempted(ctx, r1.ID, base.Add(2*time.Second), "network.timeout"), "attempted")
		got, err = rc.ClaimDueReversals(ctx, "b", base.Add(31*time.Second), 30*time.Second, 10)
		must(t, err, "claim b")
		if fmt.Sprint(reversalIDs(got)) != fmt.Sprint([]int64{r1.ID, r2.ID}) || got[0].Attempts != 1 {
			t.Fatalf("b claimed %v, want [%d %d] (r1 after 1 attempt)", reversalIDs(got), r1.ID, r2.ID)
		}
		_ = r3
		// Concurrent claimers each get a reversal once.
		var ids []int64
		for i := 0; i < 12; i++ {
			_, r := timedOut(t, s, fmt.Sprintf("1%05d", i), base.Add(time.Hour+time.Minute))
			ids = append(ids, r.ID)
		}
		at := base.Add(2 * time.Hour)
		var mu sync.Mutex
		claimed := map[int64]string{}
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func(holder string) {
				defer wg.Done()
				for {
					got, err := rc.ClaimDueReversals(ctx, holder, at, time.Minute, 2)
					if err != nil {
						errs <- err
						return
					}
					if len(got) == 0 {
						return
					}
					mu.Lock()
					for _, r := range got {
						if prev, ok := claimed[r.ID]; ok {
							errs <- fmt.Errorf("reversal %d claimed by %s and %s", r.ID, prev, holder)
						}
						claimed[r.ID] = holder
					}
					mu.Unlock()
				}
			}(fmt.Sprint("h", g))
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		// r1, r2 (b's claims expired by then), r3 and the 12 new ones.
		if len(claimed) != 15 {
			t.Fatalf("%d reversals claimed, want 15", len(claimed))
		}
	})
}
