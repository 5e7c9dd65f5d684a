package risk

import (
	"sync"
	"time"
)

// counter keeps, per key, the times of the debits a rule counted within its
// sliding window (and whether each was on a credit card).
type counter struct {
	window int64 // nanoseconds
	mu     sync.Mutex
	keys   map[string]*series
}

// series is one key's events, oldest first, from head on.
type series struct {
	at      []int64
	credit  []bool
	head    int
	last    int64
	credits int // credit events from head on
}

// sweepPerAdd is how many keys each addition checks for idleness.
const sweepPerAdd = 2

func newCounter(window time.Duration) *counter {
	return &counter{window: int64(window), keys: map[string]*series{}}
}

// add records an event of key at `at` and returns how many events of key
// are in the window ending at `at` (this one included) and how many of them
// were on credit cards.
func (c *counter) add(key string, at int64, credit bool) (n, credits int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.keys[key]
	if s == nil {
		s = &series{}
		c.keys[key] = s
	}
	cut := at - c.window
	for s.head < len(s.at) && s.at[s.head] <= cut {
		if s.credit[s.head] {
			s.credits--
		}
		s.head++
	}
	if s.head > 64 && s.head*2 > len(s.at) {
		s.at = append(s.at[:0], s.at[s.head:]...)
		s.credit = append(s.credit[:0], s.credit[s.head:]...)
		s.head = 0
	}
	s.at = append(s.at, at)
	s.credit = append(s.credit, credit)
	if credit {
		s.credits++
	}
	if at > s.last {
		s.last = at
	}
	n, credits = len(s.at)-s.head, s.credits
	// Sweep a few keys per addition (map iteration starts at random), so
	// idle keys go without a pause to walk the whole map.
	checked := 0
	for k, v := range c.keys {
		if v.last <= cut {
			delete(c.keys, k)
		}
		if checked++; checked >= sweepPerAdd {
			break
		}
	}
	return n, credits
}

// size returns how many keys the counter holds.
func (c *counter) size() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.keys)
}
