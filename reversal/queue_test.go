package reversal_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/posguard/posguard/reversal"
)

// TestQueueDrain drives a queue of 70 items whose odd items fail once: a
// drain finishes the even ones, a second (after their retry time) the rest.
func TestQueueDrain(t *testing.T) {
	var mu sync.Mutex
	next := map[int]time.Time{}
	failed := map[int]bool{}
	finished := map[int]bool{}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 70; i++ {
		next[i] = now
	}
	q := reversal.Queue[int]{
		Batch: 16,
		Now:   func() time.Time { mu.Lock(); defer mu.Unlock(); return now },
		Due: func(_ context.Context, at time.Time, limit int) ([]int, error) {
			mu.Lock()
			defer mu.Unlock()
			var out []int
			for i := 0; i < 70 && len(out) < limit; i++ {
				if !finished[i] && !next[i].After(at) {
					out = append(out, i)
				}
			}
			return out, nil
		},
		Attempt: func(_ context.Context, i int) (bool, error) {
			mu.Lock()
			defer mu.Unlock()
			if i%2 == 1 && !failed[i] {
				failed[i] = true
				next[i] = now.Add(reversal.Backoff(1, time.Second, time.Minute, false))
				return false, errors.New("no answer")
			}
			finished[i] = true
			return true, nil
		},
	}
	n, err := q.Drain(context.Background())
	if err != nil || n != 35 {
		t.Fatalf("first drain: %d finished, %v", n, err)
	}
	mu.Lock()
	now = now.Add(time.Second)
	mu.Unlock()
	n, err = q.Drain(context.Background())
	if err != nil || n != 35 || len(finished) != 70 {
		t.Fatalf("second drain: %d finished (%d in all), %v", n, len(finished), err)
	}
}

func TestBackoff(t *testing.T) {
	for n, want := range map[int]time.Duration{1: 2 * time.Second, 2: 4 * time.Second, 3: 8 * time.Second, 6: 60 * time.Second, 50: 60 * time.Second} {
		if got := reversal.Backoff(n, 2*time.Second, 60*time.Second, false); got != want {
			t.Errorf("Backoff(%d) = %v, want %v", n, got, want)
		}
	}
	for i := 0; i < 100; i++ {
		if d := reversal.Backoff(3, 2*time.Second, time.Minute, true); d < 6*time.Second || d > 10*time.Second {
			t.Fatalf("jittered backoff %v outside ±25 %% of 8s", d)
		}
	}
}
