package network

import (
	"context"
	"time"

	"github.com/posguard/posguard"
)

// LinkState is a snapshot of the link for metrics and health checks.
type LinkState struct {
	// Configured is the number of connections the client keeps up.
	Configured int
	// Connected is the number of live connections.
	Connected int
	// Outstanding is the number of requests waiting for an answer.
	Outstanding int
	// Late counts answers that matched nothing outstanding.
	Late uint64
	// LastError is the most recent connection or answer failure, and
	// LastErrorAt when it happened.
	LastError   string
	LastErrorAt time.Time
}

// State returns a snapshot of the link.
func (c *Client) State() LinkState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stateLocked()
}

func (c *Client) stateLocked() LinkState {
	return LinkState{
		Configured:  len(c.Addrs) * c.Conns,
		Connected:   len(c.live),
		Outstanding: len(c.pending),
		Late:        c.late,
		LastError:   c.lastErr,
		LastErrorAt: c.lastErrAt,
	}
}

// Ready waits until at least one connection is live. Returns EUNAVAILABLE
// if ctx ends first or the client is closed.
func (c *Client) Ready(ctx context.Context) error {
	return c.waitFor(ctx, func(s LinkState) bool { return s.Connected > 0 })
}

// waitFor waits until cond holds for the link's state, without polling:
// every state change wakes it.
func (c *Client) waitFor(ctx context.Context, cond func(LinkState) bool) error {
	for {
		c.mu.Lock()
		if cond(c.stateLocked()) {
			c.mu.Unlock()
			return nil
		}
		if c.closed {
			c.mu.Unlock()
			return posguard.Errorf(posguard.EUNAVAILABLE, "network: client closed")
		}
		ch := c.changedLocked()
		c.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return posguard.WrapError(posguard.EUNAVAILABLE, ctx.Err(), "network: link not ready")
		}
	}
}

func (c *Client) changedLocked() chan struct{} {
	if c.changed == nil {
		c.changed = make(chan struct{})
	}
	return c.changed
}

// notifyLocked wakes everyone waiting for a state change.
func (c *Client) notifyLocked() {
	if c.changed != nil {
		close(c.changed)
		c.changed = nil
	}
}

// setErrLocked records the last failure.
func (c *Client) setErrLocked(msg string) {
	c.lastErr = msg
	c.lastErrAt = c.Now()
}
