// Package netlimit bounds what listeners take from the process: a listener
// that serves at most a fixed number of connections at once, in total and
// from any one source address, and a check of the file descriptor limit
// against what the configured limits need.
package netlimit

import (
	"net"
	"sync"
	"sync/atomic"
)

// Listener wraps a net.Listener so that at most Max of its connections are
// open at once, and at most MaxPerSource from one source IP address. A
// connection accepted beyond either is closed at once (so it costs a
// descriptor only for an instant, and the peer learns it at once instead of
// waiting in the backlog); Refused counts them.
type Listener struct {
	net.Listener
	max       int64
	perSource int
	open      atomic.Int64
	refused   atomic.Int64

	mu       sync.Mutex
	bySource map[string]int // open connections per source IP (only those with some)
}

// Limit returns l limited to max open connections (max <= 0: no limit).
func Limit(l net.Listener, max int) *Listener {
	return &Listener{Listener: l, max: int64(max)}
}

// LimitPerSource returns l limited to max open connections in all and
// perSource from one source IP address (either <= 0: no such limit), so a
// few sources cannot take every connection.
func LimitPerSource(l net.Listener, max, perSource int) *Listener {
	return &Listener{Listener: l, max: int64(max), perSource: perSource, bySource: make(map[string]int)}
}

// Accept returns the next connection within the limits.
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
		src := ""
		if l.perSource > 0 {
			src = sourceIP(c.RemoteAddr())
			l.mu.Lock()
			n := l.bySource[src]
			if n >= l.perSource {
				l.mu.Unlock()
				l.open.Add(-1)
				l.refused.Add(1)
				c.Close()
				continue
			}
			l.bySource[src] = n + 1
			l.mu.Unlock()
		}
		return &conn{Conn: c, l: l, src: src}, nil
	}
}

// Open returns the number of connections open now.
func (l *Listener) Open() int { return int(l.open.Load()) }

// Refused returns the number of connections closed for being over a limit.
func (l *Listener) Refused() int { return int(l.refused.Load()) }

// OpenFrom returns the number of connections open now from source IP ip
// (counted only under a per-source limit).
func (l *Listener) OpenFrom(ip string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.bySource[ip]
}

// release counts a connection's close.
func (l *Listener) release(src string) {
	l.open.Add(-1)
	if l.perSource <= 0 {
		return
	}
	l.mu.Lock()
	if n := l.bySource[src] - 1; n > 0 {
		l.bySource[src] = n
	} else {
		delete(l.bySource, src)
	}
	l.mu.Unlock()
}

// sourceIP is the IP address of a peer ("" when a is not an IP address).
func sourceIP(a net.Addr) string {
	if ta, ok := a.(*net.TCPAddr); ok {
		return ta.IP.String()
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}

type conn struct {
	net.Conn
	l    *Listener
	src  string
	once sync.Once
}

func (c *conn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.release(c.src) })
	return err
}
