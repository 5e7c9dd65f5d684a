package switching

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/posguard/posguard"
)

// usageJournal answers DailyUsage with a set amount and count, counts the
// calls and, when gate is set, holds each call until gate is closed.
type usageJournal struct {
	posguard.Journal // nil: only DailyUsage is called

	mu      sync.Mutex
	calls   int
	amount  posguard.Amount
	count   int
	entered chan struct{} // receives once per call, when set
	gate    chan struct{}
}

func (j *usageJournal) DailyUsage(ctx context.Context, merchantID, date string) (posguard.Amount, int, error) {
	j.mu.Lock()
	j.calls++
	a, n := j.amount, j.count
	j.mu.Unlock()
	if j.entered != nil {
		j.entered <- struct{}{}
	}
	if j.gate != nil {
		<-j.gate
	}
	return a, n, nil
}

func (j *usageJournal) callCount() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.calls
}

// TestUsageNotReadWithoutDailyLimits: a merchant without a daily amount or
// count limit costs no journal read, even when instances share the database
// and the usage would be re-read every refresh.
func TestUsageNotReadWithoutDailyLimits(t *testing.T) {
	var b usageBook
	b.init()
	b.refresh = time.Nanosecond
	j := &usageJournal{amount: 500, count: 5}
	m := &posguard.Merchant{ID: "m1", Limits: posguard.Limits{PerTxn: 100000}}
	for range 10 {
		reason, _, tracked, err := b.reserve(context.Background(), j, m, "2026-03-01", 100)
		if err != nil || reason != "" || tracked {
			t.Fatalf("reserve: reason %q, tracked %v, err %v: want no reason, untracked", reason, tracked, err)
		}
	}
	if n := j.callCount(); n != 0 {
		t.Fatalf("%d journal reads for a merchant without daily limits, want 0", n)
	}
}

// TestUsageLimitsSetLaterStartFromJournal: once a merchant without daily
// limits gets one, its usage is read from the journal (which counts the
// sales made meanwhile), not continued from what was counted before.
func TestUsageLimitsSetLaterStartFromJournal(t *testing.T) {
	var b usageBook
	b.init()
	ctx := context.Background()
	j := &usageJournal{}
	limited := &posguard.Merchant{ID: "m1", Limits: posguard.Limits{Daily: 10000}}
	if _, used, tracked, err := b.reserve(ctx, j, limited, "2026-03-01", 100); err != nil || !tracked || used != 100 {
		t.Fatalf("first reserve: used %d, tracked %v, err %v", used, tracked, err)
	}
	free := &posguard.Merchant{ID: "m1"}
	for range 3 {
		if _, _, tracked, err := b.reserve(ctx, j, free, "2026-03-01", 1000); err != nil || tracked {
			t.Fatalf("reserve without limits: tracked %v, err %v", tracked, err)
		}
	}
	j.amount, j.count = 3100, 4 // the journal has the four sales
	reason, used, tracked, err := b.reserve(ctx, j, limited, "2026-03-01", 100)
	if err != nil || reason != "" || !tracked || used != 3200 {
		t.Fatalf("reserve after limits came back: reason %q, used %d, tracked %v, err %v; want 3,200 counted from the journal", reason, used, tracked, err)
	}
	if n := j.callCount(); n != 2 {
		t.Fatalf("%d journal reads, want 2 (first use, and after the limits came back)", n)
	}
}

// TestUsageStaleReadOnce: when a shared-database entry is due for a
// re-read, one sale reads the journal and the others meanwhile go on with
// the entry as it is, instead of all reading at once.
func TestUsageStaleReadOnce(t *testing.T) {
	var b usageBook
	b.init()
	b.refresh = time.Hour
	ctx := context.Background()
	m := &posguard.Merchant{ID: "m1", Limits: posguard.Limits{Daily: 1000000}}
	k := usageKey{m.ID, "2026-03-01"}
	b.m[k] = &usage{amount: 1000, count: 1, at: time.Now().Add(-2 * time.Hour)}
	j := &usageJournal{amount: 5000, count: 3, entered: make(chan struct{}, 1), gate: make(chan struct{})}
	done := make(chan error, 1)
	go func() {
		_, _, _, err := b.reserve(ctx, j, m, k.date, 100)
		done <- err
	}()
	<-j.entered // the first sale is reading the journal
	for range 5 {
		reason, _, tracked, err := b.reserve(ctx, j, m, k.date, 100)
		if err != nil || reason != "" || !tracked {
			t.Fatalf("reserve during the re-read: reason %q, tracked %v, err %v", reason, tracked, err)
		}
	}
	close(j.gate)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := j.callCount(); n != 1 {
		t.Fatalf("%d journal reads for a stale entry, want 1", n)
	}
	b.mu.Lock()
	u := *b.m[k]
	b.mu.Unlock()
	if u.amount != 5000+100 || u.count != 3+1 {
		t.Fatalf("after the re-read: amount %d, count %d; want the journal's 5,000 and 3 plus the reading sale's 100", u.amount, u.count)
	}
}
