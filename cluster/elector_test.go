package cluster_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/cluster"
	"github.com/posguard/posguard/postgres"
	"github.com/posguard/posguard/postgres/pgtest"
	"github.com/posguard/posguard/sqlite"
	"github.com/posguard/posguard/storetest"
)

// failing is a real lease store that can be cut off from its database, as
// an instance that loses the network would be.
type failing struct {
	posguard.LeaseStore
	cut atomic.Bool
}

var errCut = errors.New("database unreachable")

func (f *failing) AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error) {
	if f.cut.Load() {
		return false, errCut
	}
	return f.LeaseStore.AcquireLease(ctx, name, holder, now, ttl)
}

func (f *failing) ReleaseLease(ctx context.Context, name, holder string, now time.Time) error {
	if f.cut.Load() {
		return errCut
	}
	return f.LeaseStore.ReleaseLease(ctx, name, holder, now)
}

// job counts how many instances run it at once and who ran it last.
type job struct {
	running atomic.Int32
	overlap atomic.Bool
	mu      sync.Mutex
	last    string
}

func (j *job) run(who string) func(ctx context.Context) {
	return func(ctx context.Context) {
		if j.running.Add(1) > 1 {
			j.overlap.Store(true)
		}
		j.mu.Lock()
		j.last = who
		j.mu.Unlock()
		<-ctx.Done()
		j.running.Add(-1)
	}
}

func (j *job) lastRunner() string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.last
}

func waitFor(t *testing.T, what string, limit time.Duration, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > limit {
			t.Fatalf("%s: not within %s", what, limit)
		}
		time.Sleep(10 * time.Millisecond) // polling the electors' state
	}
	return time.Since(start)
}

func testFailover(t *testing.T, st posguard.LeaseStore) {
	ttl := 600 * time.Millisecond
	a := &failing{LeaseStore: st}
	ea := &cluster.Elector{Store: a, Holder: "a", TTL: ttl}
	eb := &cluster.Elector{Store: st, Holder: "b", TTL: ttl}
	ec := &cluster.Elector{Store: st, Holder: "c", TTL: ttl}
	var j job
	ctxA, stopA := context.WithCancel(context.Background())
	ctxB, stopB := context.WithCancel(context.Background())
	ctxC, stopC := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, x := range []struct {
		ctx context.Context
		e   *cluster.Elector
	}{{ctxA, ea}, {ctxB, eb}, {ctxC, ec}} {
		wg.Add(1)
		go func() { defer wg.Done(); x.e.Run(x.ctx, "poster", j.run(x.e.Holder)) }()
		if x.e == ea {
			waitFor(t, "a leads", 5*time.Second, func() bool { return ea.Leading("poster") })
		}
	}
	defer func() { stopA(); stopB(); stopC(); wg.Wait() }()

	// a is the leader; the others wait.
	time.Sleep(2 * ttl) // let b and c try a few times: they must not start the job
	if !ea.Leading("poster") || eb.Leading("poster") || ec.Leading("poster") || j.lastRunner() != "a" {
		t.Fatalf("leaders a=%v b=%v c=%v, last runner %q", ea.Leading("poster"), eb.Leading("poster"), ec.Leading("poster"), j.lastRunner())
	}
	// a loses the database: it stops the job, and b or c takes it over
	// after the lease expires, never both at once.
	a.cut.Store(true)
	took := waitFor(t, "failover after a lost the database", 5*ttl, func() bool {
		return eb.Leading("poster") || ec.Leading("poster")
	})
	t.Logf("failover after the leader lost the database: %s (TTL %s)", took, ttl)
	if ea.Leading("poster") {
		t.Fatal("a still leads without its database")
	}
	// The new leader stops cleanly: the other takes over at once (release).
	next, other := eb, ec
	stopNext := stopB
	if ec.Leading("poster") {
		next, other, stopNext = ec, eb, stopC
	}
	stopNext()
	took = waitFor(t, "hand-over after a clean stop", 3*ttl, func() bool { return other.Leading("poster") })
	t.Logf("hand-over after a clean stop: %s", took)
	_ = next
	if j.overlap.Load() {
		t.Fatal("two instances ran the job at the same time")
	}
}

func TestFailoverSQLite(t *testing.T) {
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "p.db"), storetest.NewSealer())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	testFailover(t, st)
}

func TestFailoverPostgres(t *testing.T) {
	st, err := postgres.Open(context.Background(), pgtest.URL(t), storetest.NewSealer())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	testFailover(t, st)
}
