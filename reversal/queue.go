package reversal

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"
)

// Queue is the mechanism of every store-and-forward queue posguard keeps
// (card reversals here, and the QR queues of package qr: query, reverse,
// close, refunds and merchant notifications): items live in the store, Due
// reads those whose time has come, Attempt tries one and records the
// outcome in the store (done, or the next attempt time from Backoff), and
// Drain, called on a wake-up or each poll, keeps going until nothing due is
// left or no attempt made progress. Nothing is kept in memory between
// calls, so a queue survives restarts by construction.
type Queue[T any] struct {
	// Due returns the items due at now, at most limit.
	Due func(ctx context.Context, now time.Time, limit int) ([]T, error)
	// Attempt tries one item and records the outcome. done reports the item
	// finished; err a failure (the item stays due later).
	Attempt func(ctx context.Context, item T) (done bool, err error)
	// Batch is how many due items are attempted at once (32 when 0).
	Batch int
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Drain attempts every due item once, Batch at a time in parallel, and
// returns how many finished.
func (q *Queue[T]) Drain(ctx context.Context) (int, error) {
	batch := q.Batch
	if batch <= 0 {
		batch = 32
	}
	now := q.Now
	if now == nil {
		now = time.Now
	}
	done := 0
	for {
		due, err := q.Due(ctx, now(), batch)
		if err != nil {
			return done, err
		}
		if len(due) == 0 {
			return done, nil
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		progressed := false
		for _, it := range due {
			wg.Add(1)
			go func(it T) {
				defer wg.Done()
				ok, err := q.Attempt(ctx, it)
				mu.Lock()
				defer mu.Unlock()
				if ok {
					done++
				}
				if err == nil || ok {
					progressed = true
				}
			}(it)
		}
		wg.Wait()
		if ctx.Err() != nil || len(due) < batch || !progressed {
			return done, ctx.Err()
		}
	}
}

// Loop calls f at once, then whenever wake receives or every poll, until
// ctx ends.
func Loop(ctx context.Context, poll time.Duration, wake <-chan struct{}, f func(ctx context.Context)) {
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		f(ctx)
		select {
		case <-ctx.Done():
			return
		case <-wake:
		case <-t.C:
		}
	}
}

// Backoff returns the delay before attempt n+1 of an item that failed n
// times: base·2^(n-1), capped at max, with ±25 % jitter when jitter is set.
func Backoff(n int, base, max time.Duration, jitter bool) time.Duration {
	d := base
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	if !jitter || d <= 0 {
		return d
	}
	j := time.Duration(rand.Int64N(int64(d)/2+1)) - d/4
	return d + j
}
