package network

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/posguard/posguard"
)

// Defaults of the Client's tunable fields.
const (
	DefaultConns        = 2
	DefaultEchoInterval = 30 * time.Second
	DefaultDialTimeout  = 5 * time.Second
	DefaultWriteTimeout = 5 * time.Second
	DefaultMinBackoff   = 100 * time.Millisecond
	DefaultMaxBackoff   = 5 * time.Second
)

// Client is the upstream link: it keeps Conns TCP connections to each of
// Addrs, spreads requests over the live ones, matches answers to requests
// and hands late answers to OnLate. It implements posguard.Upstream. Set
// the exported fields before Start; the zero values take the documented
// defaults.
type Client struct {
	// Addrs are the network's host:port addresses.
	Addrs []string
	// Conns is the number of connections per address (default 2).
	Conns int
	// AcquirerID is field 32 of the echo tests the client sends itself.
	AcquirerID string
	// Logger receives one line per connection event, late or malformed
	// answer (default slog.Default()). It never sees card data.
	Logger *slog.Logger
	// OnLate receives every answer that matches no outstanding request
	// (its Send already gave up). It is called on the connection's reader
	// goroutine (Close waits for it), so it should hand the answer off
	// quickly. When nil, late answers are only logged.
	OnLate func(*posguard.UpstreamResponse)
	// EchoInterval is how long a connection may go without receiving
	// anything before the client sends an echo test (0800, 70 = 301); an
	// echo unanswered within the interval closes the connection. Default
	// 30s; negative disables echoes.
	EchoInterval time.Duration
	// DialTimeout bounds each connection attempt (default 5s).
	DialTimeout time.Duration
	// WriteTimeout bounds each write, within the request's own deadline
	// (default 5s).
	WriteTimeout time.Duration
	// MinBackoff and MaxBackoff bound the jittered exponential wait between
	// reconnection attempts (defaults 100ms and 5s).
	MinBackoff, MaxBackoff time.Duration
	// Now stamps answers (Received), echoes (field 7) and errors (default
	// time.Now). Deadlines and idle times use the real clock.
	Now func() time.Time

	mu        sync.Mutex
	started   bool
	closed    bool
	live      []*link
	rr        int
	pending   map[matchKey]*call
	late      uint64
	lastErr   string
	lastErrAt time.Time
	changed   chan struct{} // closed and replaced on every state change
	echoSTAN  int
	cancel    context.CancelFunc
	wg        sync.WaitGroup
}

var _ posguard.Upstream = (*Client)(nil)

// call is one request waiting for its answer.
type call struct {
	key    matchKey
	link   *link
	amount string // field 4 as sent, "" when absent
	echo   bool
	ch     chan result // buffered: the reader never blocks on it
}

type result struct {
	resp *posguard.UpstreamResponse
	err  error
}

// Start validates the configuration and starts keeping the connections up
// in the background; it does not wait for them (see Ready). The link runs
// until ctx ends or Close is called. Returns EINVALID if Addrs is empty or
// the client was already started.
func (c *Client) Start(ctx context.Context) error {
	if len(c.Addrs) == 0 {
		return posguard.Errorf(posguard.EINVALID, "network: no upstream address")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.started || c.closed {
		return posguard.Errorf(posguard.EINVALID, "network: client already started or closed")
	}
	c.started = true
	c.applyDefaults()
	ctx, c.cancel = context.WithCancel(ctx)
	for _, addr := range c.Addrs {
		for i := 0; i < c.Conns; i++ {
			c.wg.Add(1)
			go c.keepUp(ctx, addr)
		}
	}
	return nil
}

func (c *Client) applyDefaults() {
	if c.Conns <= 0 {
		c.Conns = DefaultConns
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.EchoInterval == 0 {
		c.EchoInterval = DefaultEchoInterval
	}
	if c.DialTimeout <= 0 {
		c.DialTimeout = DefaultDialTimeout
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = DefaultWriteTimeout
	}
	if c.MinBackoff <= 0 {
		c.MinBackoff = DefaultMinBackoff
	}
	if c.MaxBackoff < c.MinBackoff {
		c.MaxBackoff = max(DefaultMaxBackoff, c.MinBackoff)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.pending == nil {
		c.pending = make(map[matchKey]*call)
	}
}

// Close stops the link: it closes every connection, fails the outstanding
// requests (ETIMEOUT: their outcome is unknown) and waits for the
// background goroutines. Send returns EUNAVAILABLE afterwards.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closed || !c.started {
		c.closed = true
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.cancel()
	links := append([]*link(nil), c.live...)
	c.mu.Unlock()
	for _, l := range links {
		l.conn.Close()
	}
	c.wg.Wait()
	return nil
}

// Send sends req on one of the live connections and waits for its answer
// until ctx ends.
//
// Errors: EINVALID if req cannot be encoded; ECONFLICT if a request with
// the same matching key is outstanding; EUNAVAILABLE if no connection is
// live, the client is closed, ctx ended before the request was written, or
// the write failed before any byte left (the request certainly did not
// reach the network); ETIMEOUT if ctx ended while waiting for the answer,
// or the connection dropped with the request outstanding (the request may
// have reached the network: its outcome is unknown); EINTERNAL if the
// answer cannot be trusted (malformed, or its amount differs from the
// request's).
func (c *Client) Send(ctx context.Context, req *posguard.UpstreamRequest) (*posguard.UpstreamResponse, error) {
	frame, key, amount, err := encodeFrame(req)
	if err != nil {
		return nil, err
	}
	cl := &call{key: key, amount: amount, ch: make(chan result, 1)}
	if err := c.dispatch(ctx, cl, frame, nil); err != nil {
		return nil, err
	}
	select {
	case r := <-cl.ch:
		return r.resp, r.err
	case <-ctx.Done():
		if c.forget(cl) {
			return nil, posguard.WrapError(posguard.ETIMEOUT, ctx.Err(),
				"network: no answer to %s stan %s in time: outcome unknown", req.MTI, req.STAN)
		}
		r := <-cl.ch // the answer won the race
		return r.resp, r.err
	}
}

// dispatch registers cl and writes frame on a live connection (on only, if
// not nil). A write that fails before any byte left is retried on the next
// live connection.
func (c *Client) dispatch(ctx context.Context, cl *call, frame []byte, only *link) error {
	if err := ctx.Err(); err != nil {
		return posguard.WrapError(posguard.EUNAVAILABLE, err, "network: not sent")
	}
	tries := 0
	for {
		l, err := c.register(cl, only)
		if err != nil {
			return err
		}
		n, err := l.write(frame, c.writeDeadline(ctx))
		if err == nil {
			return nil
		}
		c.Logger.Warn("network: write failed", "addr", l.addr, "err", err)
		l.conn.Close() // the reader notices and fails what else is outstanding on it
		if n > 0 {
			// Part of the frame left: the reader fails cl with ETIMEOUT
			// semantics when it sees the connection close.
			return nil
		}
		if !c.forget(cl) {
			return nil // already failed by the reader
		}
		tries++
		if only != nil || tries >= len(c.Addrs)*c.Conns {
			return posguard.WrapError(posguard.EUNAVAILABLE, err, "network: write failed, request not sent")
		}
	}
}

// register picks a live connection round-robin (or only) and records cl as
// outstanding on it.
func (c *Client) register(cl *call, only *link) (*link, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || !c.started {
		return nil, posguard.Errorf(posguard.EUNAVAILABLE, "network: client not running")
	}
	if _, dup := c.pending[cl.key]; dup {
		return nil, posguard.Errorf(posguard.ECONFLICT, "network: a request with stan %s and time %s is already outstanding", cl.key.stan, cl.key.time)
	}
	l := only
	if l == nil {
		if len(c.live) == 0 {
			return nil, posguard.Errorf(posguard.EUNAVAILABLE, "network: no live connection")
		}
		c.rr = (c.rr + 1) % len(c.live)
		l = c.live[c.rr]
	} else if !l.isLive() {
		return nil, posguard.Errorf(posguard.EUNAVAILABLE, "network: connection closed")
	}
	cl.link = l
	c.pending[cl.key] = cl
	c.notifyLocked()
	return l, nil
}

// forget removes cl from the outstanding requests; it reports false when
// cl was no longer there (an answer or a failure was delivered to it).
func (c *Client) forget(cl *call) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pending[cl.key] != cl {
		return false
	}
	delete(c.pending, cl.key)
	c.notifyLocked()
	return true
}

// take removes and returns the outstanding call for key, nil if none.
func (c *Client) take(key matchKey) *call {
	c.mu.Lock()
	defer c.mu.Unlock()
	cl := c.pending[key]
	if cl != nil {
		delete(c.pending, key)
		c.notifyLocked()
	}
	return cl
}

func (c *Client) writeDeadline(ctx context.Context) time.Time {
	d := time.Now().Add(c.WriteTimeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(d) {
		return dl
	}
	return d
}

// errDropped is the cause of the failure of requests outstanding on a
// connection that closed.
var errDropped = errors.New("connection lost")

// dialer returns the dialer for one attempt.
func (c *Client) dialer() *net.Dialer { return &net.Dialer{Timeout: c.DialTimeout} }
