package wallet

import (
	"bufio"
	"context"
	"errors"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"sync"
	"time"
)

// Transport is an http.RoundTripper for channels reached over plain HTTP
// without a proxy (simwallet; a channel behind a gateway on the host's own
// network): each request is written and its answer read on the calling
// goroutine, over connections kept alive between calls, one request at a
// time per connection. net/http's Transport hands every exchange to two
// goroutines of the connection and back, which costs more CPU than the
// exchange's own work on small channel calls.
//
// The bytes are net/http's own: a request is written by (*http.Request).Write
// and its answer parsed by http.ReadResponse. The request is the one
// net/http's Transport writes, without its "Accept-Encoding: gzip" (a channel
// answers uncompressed). Everything else (https, a request Proxy sends
// through a proxy, a platform without the idle check) goes to Fallback.
//
// A request is never sent twice: an error after its first byte was written
// is returned, and the call's outcome is unknown, as with net/http.
type Transport struct {
	// Fallback carries the requests this transport does not;
	// http.DefaultTransport when nil.
	Fallback http.RoundTripper
	// Proxy, as http.Transport's: a request it returns a proxy for goes to
	// Fallback. No proxy when nil.
	Proxy func(*http.Request) (*url.URL, error)
	// MaxIdlePerHost is the number of idle connections kept per host
	// (DefaultMaxIdlePerHost when zero).
	MaxIdlePerHost int
	// IdleTimeout closes a connection idle for longer, instead of using it
	// (90 s when zero, as http.DefaultTransport).
	IdleTimeout time.Duration
	// DialTimeout bounds a new connection's dial besides the request's
	// context (30 s when zero, as http.DefaultTransport).
	DialTimeout time.Duration

	mu   sync.Mutex
	idle map[string][]*conn
}

// DefaultMaxIdlePerHost is Transport's default MaxIdlePerHost.
const DefaultMaxIdlePerHost = 256

// conn is one kept-alive connection.
type conn struct {
	t      *Transport
	addr   string
	c      net.Conn
	idle   *idlePeek   // c's check before reuse (nil: never reused)
	lr     limitReader // c, bounded while an answer's head is read
	br     *bufio.Reader
	bw     *bufio.Writer
	idleAt time.Time
}

// RoundTrip sends req and returns its answer; its body must be read to the
// end and closed for the connection to be used again.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !t.direct(req) {
		return t.fallback().RoundTrip(req)
	}
	ctx := req.Context()
	addr := hostPort(req.URL)
	pc := t.take(addr)
	if pc == nil {
		d := net.Dialer{Timeout: t.DialTimeout, KeepAlive: 30 * time.Second}
		if d.Timeout <= 0 {
			d.Timeout = 30 * time.Second
		}
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			closeBody(req)
			return nil, ctxErr(ctx, err)
		}
		pc = &conn{t: t, addr: addr, c: c, idle: newIdlePeek(c), bw: bufio.NewWriter(c)}
		pc.lr = limitReader{r: c}
		pc.br = bufio.NewReader(&pc.lr)
	}
	stop := pc.watch(ctx)
	written, err := writeRequest(pc.bw, req)
	if !written {
		err = req.Write(pc.bw)
	}
	if err == nil {
		err = pc.bw.Flush()
	}
	var resp *http.Response
	pc.lr.n = maxHeaderBytes
	for interim := 0; err == nil; interim++ {
		resp, err = http.ReadResponse(pc.br, req)
		// Interim answers (100 Continue, 103 Early Hints) come before the
		// answer, at most 5 as net/http takes; 101 is the answer (the
		// connection then is not HTTP).
		if err != nil || resp.StatusCode < 100 || resp.StatusCode > 199 || resp.StatusCode == 101 {
			break
		}
		if interim == 5 {
			err = errors.New("wallet: too many 1xx informational responses")
		}
	}
	pc.lr.n = math.MaxInt64
	if err != nil {
		pc.done(stop, false)
		return nil, ctxErr(ctx, err)
	}
	keep := !resp.Close && !req.Close && resp.StatusCode != 101
	if resp.Body == http.NoBody {
		pc.done(stop, keep)
		return resp, nil
	}
	resp.Body = &body{pc: pc, rc: resp.Body, ctx: ctx, stop: stop, keep: keep}
	return resp, nil
}

// CloseIdleConnections closes the idle connections, this transport's and
// Fallback's.
func (t *Transport) CloseIdleConnections() {
	t.mu.Lock()
	idle := t.idle
	t.idle = nil
	t.mu.Unlock()
	for _, cs := range idle {
		for _, pc := range cs {
			pc.c.Close()
		}
	}
	if ci, ok := t.fallback().(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}

func (t *Transport) fallback() http.RoundTripper {
	if t.Fallback != nil {
		return t.Fallback
	}
	return http.DefaultTransport
}

// direct reports whether req is this transport's to send.
func (t *Transport) direct(req *http.Request) bool {
	if !idleCheck || req.URL == nil || req.URL.Scheme != "http" || req.URL.Host == "" {
		return false
	}
	if t.Proxy != nil {
		if u, err := t.Proxy(req); err != nil || u != nil {
			return false
		}
	}
	return true
}

// take returns an idle connection to addr that is still open, or nil.
func (t *Transport) take(addr string) *conn {
	timeout := t.idleTimeout()
	for {
		t.mu.Lock()
		cs := t.idle[addr]
		if len(cs) == 0 {
			t.mu.Unlock()
			return nil
		}
		pc := cs[len(cs)-1]
		cs[len(cs)-1] = nil
		t.idle[addr] = cs[:len(cs)-1]
		t.mu.Unlock()
		// A connection the server closed while it was idle (its idle
		// timeout, a restart) or that holds bytes nobody asked for is not
		// used: a request written to it would fail with an unknown outcome.
		if time.Since(pc.idleAt) < timeout && pc.br.Buffered() == 0 && pc.idle.isOpen() {
			return pc
		}
		pc.c.Close()
	}
}

// put keeps pc for the next request to its host.
func (t *Transport) put(pc *conn) {
	max := t.MaxIdlePerHost
	if max <= 0 {
		max = DefaultMaxIdlePerHost
	}
	now := time.Now()
	pc.idleAt = now
	var stale []*conn
	t.mu.Lock()
	if t.idle == nil {
		t.idle = map[string][]*conn{}
	}
	cs := t.idle[pc.addr]
	// The oldest connections are at the front: those idle for longer than
	// IdleTimeout (left after a burst of calls) are closed here, not kept
	// until a burst needs them again.
	n := 0
	for n < len(cs) && now.Sub(cs[n].idleAt) >= t.idleTimeout() {
		n++
	}
	if n > 0 {
		stale = append(stale, cs[:n]...)
		cs = append(cs[:0], cs[n:]...)
		clear(cs[len(cs) : len(cs)+n])
	}
	if len(cs) < max {
		cs = append(cs, pc)
	} else {
		stale = append(stale, pc)
	}
	t.idle[pc.addr] = cs
	t.mu.Unlock()
	for _, s := range stale {
		s.c.Close()
	}
}

func (t *Transport) idleTimeout() time.Duration {
	if t.IdleTimeout > 0 {
		return t.IdleTimeout
	}
	return 90 * time.Second
}

// watch bounds the connection's reads and writes by ctx: its deadline, and
// its cancellation. The returned stop (nil if ctx cannot be cancelled) ends
// the watch; it reports false if ctx was cancelled meanwhile.
func (pc *conn) watch(ctx context.Context) func() bool {
	d, _ := ctx.Deadline() // the zero time (no deadline) when it has none
	pc.c.SetDeadline(d)
	if ctx.Done() == nil {
		return nil
	}
	c := pc.c
	return context.AfterFunc(ctx, func() { c.SetDeadline(longAgo) })
}

// maxHeaderBytes bounds an answer's status line and headers (and interim
// answers), as http.Transport's default MaxResponseHeaderBytes.
const maxHeaderBytes = 10 << 20

// limitReader reads r until n bytes have been read, then fails.
type limitReader struct {
	r net.Conn
	n int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, errors.New("wallet: channel answer headers exceeded 10 MB")
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

// longAgo is a deadline in the past: it ends a blocked read or write.
var longAgo = time.Unix(1, 0)

// done ends one exchange on pc: keeps the connection for the next request if
// keep and the exchange was not cancelled, closes it otherwise.
func (pc *conn) done(stop func() bool, keep bool) {
	if stop != nil && !stop() {
		keep = false // cancelled: the deadline is (or is being) set in the past
	}
	if keep {
		pc.t.put(pc)
		return
	}
	pc.c.Close()
}

// body is an answer's body: the connection goes back to the transport when
// the body has been read to its end, and is closed when the body is closed
// before.
type body struct {
	mu   sync.Mutex
	pc   *conn
	rc   io.ReadCloser
	ctx  context.Context
	stop func() bool
	keep bool
	err  error // the error every later Read returns, once the body ended
}

func (b *body) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err != nil {
		return 0, b.err
	}
	n, err := b.rc.Read(p)
	switch {
	case err == io.EOF:
		b.err = io.EOF
		b.pc.done(b.stop, b.keep)
	case err != nil:
		b.err = ctxErr(b.ctx, err)
		b.pc.done(b.stop, false)
		err = b.err
	}
	return n, err
}

func (b *body) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err == nil {
		b.err = errors.New("wallet: read on closed response body")
		b.pc.done(b.stop, false)
	}
	return nil
}

// ctxErr returns the context's error when it ended the exchange, so that a
// caller tells a timeout (context.DeadlineExceeded) from a failed connection
// as it does with net/http.
func ctxErr(ctx context.Context, err error) error {
	if e := ctx.Err(); e != nil {
		return e
	}
	if d, ok := ctx.Deadline(); ok && errors.Is(err, os.ErrDeadlineExceeded) && !time.Now().Before(d) {
		return context.DeadlineExceeded
	}
	return err
}

// hostPort is u's host with its port (80 when it has none).
func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	return net.JoinHostPort(u.Hostname(), "80")
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}
