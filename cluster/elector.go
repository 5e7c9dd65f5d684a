package cluster

import (
	"context"
	"log/slog"
	"os"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/posguard/posguard"
)

// DefaultTTL is a lease's default time to live.
const DefaultTTL = 15 * time.Second

// Elector runs jobs under leases of one instance, Holder. Its zero value
// (with Store and Holder set) is usable; it is safe for concurrent use by
// several Run calls, one per job name.
type Elector struct {
	Store posguard.LeaseStore
	// Holder names this instance in the leases (InstanceID's default).
	Holder string
	// TTL is how long a lease lasts without renewal (DefaultTTL). The
	// leader renews every TTL/3; a failover takes at most TTL plus Retry.
	TTL time.Duration
	// Retry is how often an instance that is not the leader tries to take
	// the lease (TTL/3).
	Retry  time.Duration
	Logger *slog.Logger
	// Now is the clock (time.Now).
	Now func() time.Time
	// Changed, if set, is told each time this instance becomes or stops
	// being a job's leader.
	Changed func(name string, leader bool)

	mu      sync.Mutex
	leading map[string]bool
}

// InstanceID is the default name of this instance: host name and process
// id, unique among instances running at the same time.
func InstanceID() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		h = "host"
	}
	return h + "-" + strconv.Itoa(os.Getpid())
}

func (e *Elector) defaults() (ttl, retry time.Duration, now func() time.Time, log *slog.Logger) {
	ttl, retry, now, log = e.TTL, e.Retry, e.Now, e.Logger
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	if retry <= 0 {
		retry = ttl / 3
	}
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return
}

// Leading reports whether this instance leads the job name now.
func (e *Elector) Leading(name string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.leading[name]
}

// Led returns the names of the jobs this instance leads now, sorted.
func (e *Elector) Led() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for name, on := range e.leading {
		if on {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

func (e *Elector) set(name string, on bool) {
	e.mu.Lock()
	if e.leading == nil {
		e.leading = map[string]bool{}
	}
	changed := e.leading[name] != on
	e.leading[name] = on
	e.mu.Unlock()
	if changed && e.Changed != nil {
		e.Changed(name, on)
	}
}

// Run runs f whenever this instance holds the lease name, until ctx ends:
// it takes the lease (waiting while another instance holds it), runs f with
// a context that is cancelled when the lease is lost or about to expire
// unrenewed, waits for f to return, and tries again. When ctx ends it stops
// f and releases the lease, so another instance takes over at once.
func (e *Elector) Run(ctx context.Context, name string, f func(ctx context.Context)) {
	ttl, retry, now, log := e.defaults()
	for ctx.Err() == nil {
		ok, err := e.Store.AcquireLease(ctx, name, e.Holder, now(), ttl)
		if err != nil && ctx.Err() == nil {
			log.Warn("lease not taken", "job", name, "err", err)
		}
		if ok {
			e.lead(ctx, name, f, ttl, now, log)
		}
		select {
		case <-ctx.Done():
		case <-time.After(retry):
		}
	}
}

// lead runs f while the lease taken at the start of the call is renewed.
func (e *Elector) lead(ctx context.Context, name string, f func(ctx context.Context), ttl time.Duration, now func() time.Time, log *slog.Logger) {
	// The job stops a fifth of the TTL before the last renewal would
	// expire, leaving room for clock differences between instances.
	margin := ttl / 5
	deadline := now().Add(ttl - margin)
	log.Info("leading job", "job", name, "instance", e.Holder)
	e.set(name, true)
	defer e.set(name, false)
	jctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	go func() { defer close(done); f(jctx) }()
	renew := time.NewTicker(ttl / 3)
	defer renew.Stop()
	stop := func(why string) {
		cancel()
		<-done
		if why != "" {
			log.Warn("job stopped: lease lost", "job", name, "instance", e.Holder, "why", why)
		}
	}
	for {
		select {
		case <-ctx.Done():
			stop("")
			// Hand over at once: the next leader need not wait for expiry.
			rctx, rc := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
			_ = e.Store.ReleaseLease(rctx, name, e.Holder, now())
			rc()
			return
		case <-done:
			// The job ended on its own: let another instance have it.
			_ = e.Store.ReleaseLease(context.WithoutCancel(ctx), name, e.Holder, now())
			return
		case <-renew.C:
			at := now()
			ok, err := e.Store.AcquireLease(ctx, name, e.Holder, at, ttl)
			switch {
			case ok:
				deadline = at.Add(ttl - margin)
			case err == nil:
				stop("another instance holds it")
				return
			case now().After(deadline):
				stop("not renewed in time: " + posguard.ErrorMessage(err))
				return
			}
		case <-time.After(time.Until(deadline)):
			stop("not renewed in time")
			return
		}
	}
}
