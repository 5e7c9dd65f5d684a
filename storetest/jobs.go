package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/posguard/posguard"
)

// runJobs checks posguard.JobStore: a run is claimed once (also by
// concurrent claimers), a live claim is not taken over, an expired one is,
// a finish by a claim that was lost is refused, a failed run is retried
// after its retry time and a done run never is.
func runJobs(t *testing.T, h *harness) {
	s := h.store(t)
	js, ok := s.(posguard.JobStore)
	if !ok {
		t.Fatalf("%T does not implement posguard.JobStore", s)
	}
	ctx := t.Context()
	t0 := time.Date(2026, 3, 1, 15, 0, 0, 0, time.UTC)
	lease := t0.Add(10 * time.Minute)

	// Eight instances claim the same run at once: one wins.
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, ok, err := js.ClaimJob(ctx, posguard.JobSettle, "2026-03-01", "", "host-"+string(rune('a'+i)), t0, lease)
			if err != nil {
				t.Errorf("claim: %v", err)
				return
			}
			if ok {
				mu.Lock()
				won++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if won != 1 {
		t.Fatalf("%d claimers won the same run, want 1", won)
	}
	j, err := js.Job(ctx, "settle_t1:2026-03-01")
	must(t, err, "job")
	if j.State != posguard.JobRunning || j.Attempts != 1 || j.Kind != posguard.JobSettle || j.Day != "2026-03-01" || j.Slot != "" {
		t.Fatalf("claimed job %+v", j)
	}
	wantTime(t, j.LeaseUntil, lease, "lease")
	first := j.Owner
	// A live claim holds.
	if _, ok, err := js.ClaimJob(ctx, posguard.JobSettle, "2026-03-01", "", "host-z", t0.Add(time.Minute), lease); err != nil || ok {
		t.Fatalf("claim during a live lease: %v %v", ok, err)
	}
	// The claimer dies; after the lease another takes the run over, and
	// the first one's late finish is refused.
	j2, ok, err := js.ClaimJob(ctx, posguard.JobSettle, "2026-03-01", "", "host-z", lease.Add(time.Second), lease.Add(time.Hour))
	if err != nil || !ok || j2.Attempts != 2 || j2.Owner != "host-z" {
		t.Fatalf("take-over after the lease: %+v %v %v", j2, ok, err)
	}
	wantCode(t, js.FinishJob(ctx, j.Key, first, 1, posguard.JobDone, "late", "", lease.Add(2*time.Second), time.Time{}), posguard.ECONFLICT, "finish by a lost claim")
	must(t, js.FinishJob(ctx, j.Key, "host-z", 2, posguard.JobDone, "3 batches", "", lease.Add(3*time.Second), time.Time{}), "finish")
	// Done: never claimed again, however late.
	if _, ok, err := js.ClaimJob(ctx, posguard.JobSettle, "2026-03-01", "", "host-y", lease.Add(48*time.Hour), lease.Add(49*time.Hour)); err != nil || ok {
		t.Fatalf("claim of a done run: %v %v", ok, err)
	}
	j, _ = js.Job(ctx, j.Key)
	if j.State != posguard.JobDone || j.Result != "3 batches" || j.FinishedAt.IsZero() {
		t.Fatalf("done job %+v", j)
	}
	// A failure waits for its retry time, then is claimed again.
	d0, ok, err := js.ClaimJob(ctx, posguard.JobD0, "2026-03-01", "10:05:00", "host-a", t0, lease)
	if err != nil || !ok || d0.Key != "d0:2026-03-01:10:05:00" {
		t.Fatalf("d0 claim %+v %v %v", d0, ok, err)
	}
	retry := t0.Add(2 * time.Minute)
	must(t, js.FinishJob(ctx, d0.Key, "host-a", 1, posguard.JobFailed, "", "bank down", t0.Add(time.Second), retry), "fail")
	if _, ok, _ := js.ClaimJob(ctx, posguard.JobD0, "2026-03-01", "10:05:00", "host-b", t0.Add(time.Minute), lease); ok {
		t.Fatal("failed job claimed before its retry time")
	}
	if j, ok, err := js.ClaimJob(ctx, posguard.JobD0, "2026-03-01", "10:05:00", "host-b", retry.Add(time.Second), lease); err != nil || !ok || j.Attempts != 2 || j.Error != "" {
		t.Fatalf("retry claim %+v %v %v", j, ok, err)
	}
	wantCode(t, js.FinishJob(ctx, d0.Key, "host-b", 2, posguard.JobRunning, "", "", t0, t0), posguard.EINVALID, "finish as running")
	list, err := js.Jobs(ctx, posguard.JobFilter{Day: "2026-03-01"})
	must(t, err, "jobs")
	if len(list) != 2 {
		t.Fatalf("jobs %+v", list)
	}
	if list, _ := js.Jobs(ctx, posguard.JobFilter{Kind: posguard.JobD0}); len(list) != 1 || list[0].Slot != "10:05:00" {
		t.Fatalf("d0 jobs %+v", list)
	}
	_, err = js.Job(ctx, "nope")
	wantCode(t, err, posguard.ENOTFOUND, "unknown job")
	_, _, err = js.ClaimJob(ctx, "", "2026-03-01", "", "x", t0, lease)
	wantCode(t, err, posguard.EINVALID, "claim without kind")
}
