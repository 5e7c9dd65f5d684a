// Package netlimit bounds what listeners take from the process: a listener
// that serves at most a fixed number of connections at once, and a check of
// the file descriptor limit against what the configured limits need.
package netlimit

import (
	"net"
	"sync"
	"sync/atomic"
)

// Listener wraps a net.Listener so that at most Max of its connections are
// open at once. A connection accepted beyond that is closed at once (so it
// costs a descriptor only for an instant, and the peer learns it at once
// instead of waiting in the backlog); Refused counts them.
type Listener struct {
	net.Listener
	max     int64
	open    atomic.Int64
	refused atomic.Int64
}

// Limit returns l limited to max open connections (max <= 0: no limit).
func Limit(l net.Listener, max int) *Listener {
	return &Listener{Listener: l, max: int64(max)}
}

// Accept returns the next connection within the limit.
func (l *Listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.max > 0 && l.open.Add(1) > l.max {
			l.open.Add(-1)
			l.refused.Add(1)
			c.Close()
			continue
		}
		if l.max <= 0 {
			l.open.Add(1)
		}
		return &conn{Conn: c, l: l}, nil
	}
}

// Open returns the number of connections open now.
func (l *Listener) Open() int { return int(l.open.Load()) }

// Refused returns the number of connections closed for being over the limit.
func (l *Listener) Refused() int { return int(l.refused.Load()) }

type conn struct {
	net.Conn
	l    *Listener
	once sync.Once
}

func (c *conn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.open.Add(-1) })
	return err
}
