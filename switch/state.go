package switching

import (
	"context"
	"sync"
	"time"

	"github.com/posguard/posguard"
)

// usageBook holds each merchant's daily debit usage in memory, seeded from
// the journal on first use, so limit checks cost no query. A forwarded
// amount is reserved before the request leaves and released when it ends
// without an approval.
type usageBook struct {
	mu sync.Mutex
	m  map[usageKey]*usage
	// refresh, when set (instances sharing the database), is how old an
	// entry may get before it is read again from the journal, which holds
	// what every instance forwarded and approved.
	refresh time.Duration
}

type usageKey struct{ merchant, date string }

type usage struct {
	amount posguard.Amount
	count  int
	at     time.Time // when it was read from the journal
}

func (b *usageBook) init() { b.m = make(map[usageKey]*usage) }

// reserve adds amount to the merchant's usage for date if it stays within
// the limits, and returns the reason when it would not. A merchant without
// a daily amount or count limit is not tracked (tracked false, nothing
// reserved, no journal read): its entry is dropped, so limits set later
// start from the journal, which counts every sale made meanwhile. When
// instances share the database an entry older than refresh is read again
// by one sale while the others go on with it as it is, rather than all
// reading the journal at once.
func (b *usageBook) reserve(ctx context.Context, j posguard.Journal, m *posguard.Merchant, date string, amount posguard.Amount) (reason string, used posguard.Amount, tracked bool, err error) {
	k := usageKey{m.ID, date}
	if m.Limits.Daily <= 0 && m.Limits.DailyCount <= 0 {
		b.mu.Lock()
		delete(b.m, k)
		b.mu.Unlock()
		return "", 0, false, nil
	}
	b.mu.Lock()
	u, ok := b.m[k]
	stale := ok && b.refresh > 0 && time.Since(u.at) >= b.refresh
	if stale {
		// This sale reads the journal again; until it has, the entry
		// counts as fresh for the others.
		u.at = time.Now()
	}
	b.mu.Unlock()
	if !ok || stale {
		read := time.Now()
		a, n, err := j.DailyUsage(ctx, m.ID, date)
		if err != nil {
			return "", 0, false, err
		}
		b.mu.Lock()
		if u, ok = b.m[k]; !ok {
			u = &usage{amount: a, count: n, at: read}
			b.m[k] = u
		} else if stale {
			// The journal counts what every instance forwarded and
			// approved; this instance's reservations not yet journaled
			// (a few milliseconds' worth) are left out until the next read.
			u.amount, u.count, u.at = a, n, read
		}
		b.mu.Unlock()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if u, ok = b.m[k]; !ok {
		// Dropped meanwhile by a sale that found the merchant's limits
		// gone: count from the journal's reading.
		return "", 0, false, nil
	}
	if m.Limits.Daily > 0 && u.amount+amount > m.Limits.Daily {
		return posguard.ReasonLimitDailyAmount, u.amount, true, nil
	}
	if m.Limits.DailyCount > 0 && u.count+1 > m.Limits.DailyCount {
		return posguard.ReasonLimitDailyCount, posguard.Amount(u.count), true, nil
	}
	u.amount += amount
	u.count++
	return "", u.amount, true, nil
}

// release gives back a reservation that did not end in an approval.
func (b *usageBook) release(merchant, date string, amount posguard.Amount) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if u, ok := b.m[usageKey{merchant, date}]; ok {
		u.amount -= amount
		u.count--
	}
}

// inflightSet tracks requests whose upstream answer has not come back yet,
// by idempotency key (so a duplicate can wait for the outcome) and by
// journal ID (so the reversal worker never overtakes the request it
// reverses). An entry is registered before the journal insert, so a
// duplicate that finds the journaled request always finds its entry too.
type inflightSet struct {
	mu    sync.Mutex
	byKey map[posguard.TxnKey]*inflight
	byID  map[int64]*inflight
}

type inflight struct {
	key posguard.TxnKey
	id  int64
	ch  chan struct{}
}

func (s *inflightSet) init() {
	s.byKey = make(map[posguard.TxnKey]*inflight)
	s.byID = make(map[int64]*inflight)
}

// begin registers a request about to be journaled and sent. owner is false
// when a request with the same key is in flight already: the caller must
// not journal or send its copy, but wait for e.ch and answer from the
// journal (only the owner inserts, so the owner is also the copy the
// journal keeps).
func (s *inflightSet) begin(k posguard.TxnKey) (e *inflight, owner bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cur, taken := s.byKey[k]; taken {
		return cur, false
	}
	e = &inflight{key: k, ch: make(chan struct{})}
	s.byKey[k] = e
	return e, true
}

// journaled records the request's journal ID.
func (s *inflightSet) journaled(e *inflight, id int64) {
	s.mu.Lock()
	e.id = id
	s.byID[id] = e
	s.mu.Unlock()
}

// done ends the entry and wakes its waiters.
func (s *inflightSet) done(e *inflight) {
	s.mu.Lock()
	if s.byKey[e.key] == e {
		delete(s.byKey, e.key)
	}
	if e.id != 0 && s.byID[e.id] == e {
		delete(s.byID, e.id)
	}
	s.mu.Unlock()
	close(e.ch)
}

var closedCh = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// has reports whether a request with key k is in flight in this process.
func (s *inflightSet) has(k posguard.TxnKey) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.byKey[k]
	return ok
}

// waitKey returns a channel closed when the request with key k is no longer
// in flight (already closed if it is not).
func (s *inflightSet) waitKey(k posguard.TxnKey) <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.byKey[k]; ok {
		return e.ch
	}
	return closedCh
}

// InFlight reports whether transaction id still waits for its upstream
// answer in this process.
func (s *Switch) InFlight(id int64) bool {
	s.inflight.mu.Lock()
	defer s.inflight.mu.Unlock()
	_, ok := s.inflight.byID[id]
	return ok
}

// recentUpstream maps the upstream identity of recent requests (STAN and
// field 7) to their transaction, so a late answer finds its transaction.
type recentUpstream struct {
	mu   sync.Mutex
	cur  map[string]int64
	prev map[string]int64
	at   time.Time
}

func (r *recentUpstream) init() { r.cur, r.prev = make(map[string]int64), make(map[string]int64) }

func (r *recentUpstream) put(key string, id int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if time.Since(r.at) > 10*time.Minute {
		r.prev, r.cur, r.at = r.cur, make(map[string]int64), time.Now()
	}
	r.cur[key] = id
}

func (r *recentUpstream) get(key string) (int64, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if id, ok := r.cur[key]; ok {
		return id, true
	}
	id, ok := r.prev[key]
	return id, ok
}

// lockSet serialises work on one original transaction (voids, refunds and
// reversals of the same sale).
type lockSet struct {
	mu sync.Mutex
	m  map[int64]*lockEntry
}

type lockEntry struct {
	mu   sync.Mutex
	refs int
}

func (l *lockSet) lock(id int64) func() {
	l.mu.Lock()
	if l.m == nil {
		l.m = make(map[int64]*lockEntry)
	}
	e, ok := l.m[id]
	if !ok {
		e = &lockEntry{}
		l.m[id] = e
	}
	e.refs++
	l.mu.Unlock()
	e.mu.Lock()
	return func() {
		e.mu.Unlock()
		l.mu.Lock()
		e.refs--
		if e.refs == 0 {
			delete(l.m, id)
		}
		l.mu.Unlock()
	}
}
