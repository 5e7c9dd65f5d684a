package switching

import (
	"sync"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/keys"
)

// Sign-on defaults (terminal-8583.md §3).
const (
	// DefaultSignOnGrace is how long the working keys a terminal used
	// before a sign-on it has not yet confirmed stay valid.
	DefaultSignOnGrace = 10 * time.Minute
	// DefaultSignOnsPerMinute bounds the sign-ons of one terminal.
	DefaultSignOnsPerMinute = 6
)

// keyGuard keeps, per known terminal, what a sign-on nobody authenticated
// must not take away: the working keys issued before the current ones, each
// valid until the terminal uses the current keys (its first request that
// verifies under them) or the grace period after it was replaced passes;
// and the times of its recent sign-ons (to bound their rate). Since the rate
// is bounded, so is the number of older keys alive at once. Entries exist
// only for terminals found in the store, so unknown terminal ids cost
// nothing here. The store keeps the older keys too (SaveSignOn keeps what it
// replaces): a terminal read from the store after a restart gets back the
// ones still in their grace period (restore).
type keyGuard struct {
	mu sync.Mutex
	m  map[string]*termKeys
}

type termKeys struct {
	older   []oldKeys   // newest last
	signOns []time.Time // the most recent sign-ons, oldest first
}

type oldKeys struct {
	keys  posguard.WorkingKeys
	mac   string
	until time.Time
}

// maxOlder bounds the older keys kept per terminal whatever the settings.
const maxOlder = 256

func (g *keyGuard) entry(id string) *termKeys {
	if g.m == nil {
		g.m = make(map[string]*termKeys)
	}
	e, ok := g.m[id]
	if !ok {
		e = &termKeys{}
		g.m[id] = e
	}
	return e
}

// allowSignOn reports whether terminal id may sign on at now (at most
// perMinute in any minute) and, if so, counts the sign-on.
func (g *keyGuard) allowSignOn(id string, now time.Time, perMinute int) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	e := g.entry(id)
	if len(e.signOns) >= perMinute && now.Sub(e.signOns[len(e.signOns)-perMinute]) < time.Minute {
		return false
	}
	e.signOns = append(e.signOns, now)
	if len(e.signOns) > perMinute {
		e.signOns = append(e.signOns[:0], e.signOns[len(e.signOns)-perMinute:]...)
	}
	return true
}

// uncount forgets the latest sign-on counted for id (it did not happen: the
// host failed before answering 00).
func (g *keyGuard) uncount(id string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if e := g.entry(id); len(e.signOns) > 0 {
		e.signOns = e.signOns[:len(e.signOns)-1]
	}
}

// signedOn records that t's working keys (the ones before this sign-on) were
// replaced at now: they stay valid for grace unless the terminal uses the
// new ones first.
func (g *keyGuard) signedOn(t *posguard.Terminal, now time.Time, grace time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	e := g.entry(t.ID)
	live := e.older[:0]
	for _, o := range e.older {
		if now.Before(o.until) {
			live = append(live, o)
		}
	}
	e.older = live
	if len(t.Keys.MAK) > 0 {
		if len(e.older) >= maxOlder {
			// Keep the oldest (most likely the terminal's own) and drop the
			// newest of the rest.
			e.older = append(e.older[:1], e.older[2:]...)
		}
		e.older = append(e.older, oldKeys{keys: t.Keys, mac: t.MAC, until: now.Add(grace)})
	}
}

// restore sets the older keys of terminal id from the store's kept
// replaced keys (read when the terminal is read from the store): those
// still in their grace period at now stay valid.
func (g *keyGuard) restore(id string, kept []posguard.ReplacedKeys, now time.Time, grace time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	e := g.entry(id)
	e.older = e.older[:0]
	for _, k := range kept {
		if until := k.ReplacedAt.Add(grace); now.Before(until) && len(k.Keys.MAK) > 0 {
			e.older = append(e.older, oldKeys{keys: k.Keys, mac: k.MAC, until: until})
		}
	}
	if len(e.older) > maxOlder {
		e.older = append(e.older[:1], e.older[len(e.older)-maxOlder+1:]...)
	}
}

// verify checks a request's MAC for terminal t: under the current keys
// first (which ends every older key's validity), else under the older keys
// still in their grace period, newest first. It returns the terminal as the
// request is to be served: t itself, or a copy carrying the older keys that
// verified (so the answer's MAC and the PIN translation use the keys the
// terminal actually holds); ended is true when the current keys verified
// and ended older keys' validity (the caller drops them from the store).
func (g *keyGuard) verify(t *posguard.Terminal, data, mac []byte, now time.Time) (served *posguard.Terminal, ok, ended bool) {
	if keys.VerifyMAC(t.MAC, t.Keys.MAK, data, mac) {
		g.mu.Lock()
		if e, found := g.m[t.ID]; found && len(e.older) > 0 {
			e.older = nil
			ended = true
		}
		g.mu.Unlock()
		return t, true, ended
	}
	g.mu.Lock()
	var cands []oldKeys
	if e, ok := g.m[t.ID]; ok {
		for i := len(e.older) - 1; i >= 0; i-- {
			if now.Before(e.older[i].until) {
				cands = append(cands, e.older[i])
			}
		}
	}
	g.mu.Unlock()
	for _, o := range cands {
		if keys.VerifyMAC(o.mac, o.keys.MAK, data, mac) {
			old := *t
			old.Keys = o.keys
			old.MAC = o.mac
			return &old, true, false
		}
	}
	return t, false, false
}
