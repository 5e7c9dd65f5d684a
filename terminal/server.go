package terminal

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/posguard/posguard"
)

// Server defaults, used when the matching field is zero (or negative).
const (
	DefaultMaxFrame     = 2048
	DefaultReadTimeout  = 30 * time.Second
	DefaultIdleTimeout  = 5 * time.Minute
	DefaultWriteTimeout = 10 * time.Second
	DefaultMaxConns     = 10000
	// DefaultMaxConnsPerSource bounds the connections from one IP address,
	// so that a few sources cannot take every slot.
	DefaultMaxConnsPerSource = 1000
)

// Accept back-off bounds for temporary accept errors (out of file
// descriptors, aborted connections), as net/http does.
const (
	acceptDelayMin = 5 * time.Millisecond
	acceptDelayMax = time.Second
)

// ErrServerClosed is returned by Serve and ListenAndServe after Shutdown or
// Close.
var ErrServerClosed = errors.New("terminal: server closed")

// FrameHandler processes one complete frame (the bytes after the 2-byte
// length) from a connection and returns the response frame body (without
// length prefix; nil for no answer) and whether to close the connection.
//
// The server calls it for the frames of one connection one at a time, in the
// order they arrived; calls for different connections run concurrently. ctx
// is not cancelled by Shutdown, which waits for in-flight frames; it is
// cancelled by Close. frame belongs to the handler. A panic is recovered,
// logged, and closes that connection only.
type FrameHandler interface {
	ServeFrame(ctx context.Context, c *ConnInfo, frame []byte) (resp []byte, closeConn bool)
}

// FrameHandlerFunc adapts a function to FrameHandler.
type FrameHandlerFunc func(ctx context.Context, c *ConnInfo, frame []byte) (resp []byte, closeConn bool)

// ServeFrame calls f.
func (f FrameHandlerFunc) ServeFrame(ctx context.Context, c *ConnInfo, frame []byte) ([]byte, bool) {
	return f(ctx, c, frame)
}

// ConnInfo describes a terminal connection to handlers and hooks.
type ConnInfo struct {
	ID     uint64    // unique per Server, from 1
	Remote net.Addr  // the peer's address
	Opened time.Time // when the connection was accepted
}

// Server accepts terminal connections and runs each on its own goroutine,
// reading length-prefixed frames (2 bytes, big-endian, counting the bytes
// after them) and passing them to Handler. Its shape follows net/http.Server:
// set the fields, then call Serve or ListenAndServe; Shutdown drains, Close
// cuts. Fields must not change once serving has begun.
//
// Framing errors close the connection: a length over MaxFrame, or a frame
// that is not complete ReadTimeout after its first byte arrived. A frame of
// length 0 carries nothing and is skipped (some terminals send it as a
// keep-alive). Frame contents are never logged.
type Server struct {
	// Handler processes frames. Required.
	Handler FrameHandler
	// MaxFrame is the largest frame accepted, counting the bytes after the
	// length prefix; a longer one closes the connection. Default 2048.
	MaxFrame int
	// ReadTimeout bounds the time from a frame's first byte to its last;
	// a frame still incomplete then closes the connection. Default 30s.
	ReadTimeout time.Duration
	// IdleTimeout closes a connection on which no message (a frame with a
	// body) arrives for this long; empty keep-alive frames do not count.
	// Default 5m.
	IdleTimeout time.Duration
	// WriteTimeout bounds writing one response. Default 10s.
	WriteTimeout time.Duration
	// MaxConns is the most connections served at once; beyond it a new
	// connection is closed at once (and logged, sampled). Default 10000.
	MaxConns int
	// MaxConnsPerSource is the most connections served at once from one
	// IP address; beyond it a new connection from that address is closed
	// at once. Default 1000. Raise it when many terminals reach the host
	// through one address (a carrier NAT).
	MaxConnsPerSource int
	// Logger receives connection events. Default slog.Default().
	Logger *slog.Logger
	// ConnState, if set, is called when a connection is opened (open true,
	// before its first frame is read) and when it is closed (open false).
	// It must not block. Every open call is followed by one close call,
	// and Shutdown returns only after all of them.
	ConnState func(c *ConnInfo, open bool)

	nextID atomic.Uint64

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[*serverConn]struct{}
	perSource map[string]int // open connections by remote IP
	sampler   *logSampler
	shutting  bool          // Shutdown or Close was called
	done      chan struct{} // closed with shutting: stops accept back-off
	drained   chan struct{} // closed once shutting and no connection is left
	baseCtx   context.Context
	cancel    context.CancelFunc // cancels baseCtx, on Close
}

// initLocked prepares the server's state on first use. s.mu must be held.
func (s *Server) initLocked() {
	if s.conns != nil {
		return
	}
	s.listeners = make(map[net.Listener]struct{})
	s.conns = make(map[*serverConn]struct{})
	s.perSource = make(map[string]int)
	s.sampler = newLogSampler(time.Second)
	s.done = make(chan struct{})
	s.drained = make(chan struct{})
	s.baseCtx, s.cancel = context.WithCancel(context.Background())
}

func (s *Server) maxFrame() int {
	if s.MaxFrame > 0 {
		return min(s.MaxFrame, 0xFFFF)
	}
	return DefaultMaxFrame
}

func (s *Server) readTimeout() time.Duration  { return orDefault(s.ReadTimeout, DefaultReadTimeout) }
func (s *Server) idleTimeout() time.Duration  { return orDefault(s.IdleTimeout, DefaultIdleTimeout) }
func (s *Server) writeTimeout() time.Duration { return orDefault(s.WriteTimeout, DefaultWriteTimeout) }

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

func (s *Server) maxConns() int {
	if s.MaxConns > 0 {
		return s.MaxConns
	}
	return DefaultMaxConns
}

func (s *Server) maxConnsPerSource() int {
	if s.MaxConnsPerSource > 0 {
		return s.MaxConnsPerSource
	}
	return DefaultMaxConnsPerSource
}

// sourceOf is the key connections are counted under: the peer's IP.
func sourceOf(a net.Addr) string {
	if ta, ok := a.(*net.TCPAddr); ok {
		return ta.IP.String()
	}
	if a == nil {
		return ""
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}

func (s *Server) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

// ListenAndServe listens on the TCP address addr and calls Serve.
func (s *Server) ListenAndServe(addr string) error {
	if s.isShutting() {
		return ErrServerClosed
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.Serve(l)
}

// Serve accepts connections on l, each served on its own goroutine, until
// the server is shut down; it closes l before returning, and then returns
// ErrServerClosed. An accept error never stops it (running out of file
// descriptors must not end the terminal port): it is logged once, and
// accepting is retried after a pause that doubles from 5ms up to 1s; the
// recovery is logged with the count of failed accepts. Only a listener
// closed by someone else ends Serve with that error.
func (s *Server) Serve(l net.Listener) error {
	if s.Handler == nil {
		l.Close()
		return posguard.Errorf(posguard.EINVALID, "terminal: Server.Handler is nil")
	}
	s.mu.Lock()
	s.initLocked()
	if s.shutting {
		s.mu.Unlock()
		l.Close()
		return ErrServerClosed
	}
	s.listeners[l] = struct{}{}
	done := s.done
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, l)
		s.mu.Unlock()
		l.Close()
	}()

	var delay time.Duration
	failed := 0
	for {
		nc, err := l.Accept()
		if err != nil {
			if s.isShutting() {
				return ErrServerClosed
			}
			if errors.Is(err, net.ErrClosed) {
				return err
			}
			if failed == 0 {
				s.logger().Error("terminal: accept failing, retrying with back-off", "err", err, "temporary", temporary(err))
			}
			failed++
			delay = min(max(2*delay, acceptDelayMin), acceptDelayMax)
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-done:
				t.Stop()
			}
			continue
		}
		if failed > 0 {
			s.logger().Warn("terminal: accepting again", "failed_accepts", failed)
			failed = 0
		}
		delay = 0
		c := s.newConn(nc)
		if !s.track(c) {
			nc.Close()
			continue
		}
		if s.ConnState != nil {
			s.ConnState(c.info, true)
		}
		go c.serve()
	}
}

// temporary reports whether an accept error is worth retrying.
func temporary(err error) bool {
	var t interface{ Temporary() bool }
	return errors.As(err, &t) && t.Temporary()
}

// track registers c, or reports false when the server is shutting down, full,
// or holds as many connections from c's address as one source may have.
func (s *Server) track(c *serverConn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shutting {
		return false
	}
	if n := len(s.conns); n >= s.maxConns() {
		s.sampler.log(s.logger(), slog.LevelWarn, "max_conns", "terminal: connection limit reached, closing new connections",
			"remote", c.info.Remote.String(), "conns", n, "max_conns", s.maxConns())
		return false
	}
	if n := s.perSource[c.source]; n >= s.maxConnsPerSource() {
		s.sampler.log(s.logger(), slog.LevelWarn, "max_conns_per_source", "terminal: per-source connection limit reached, closing new connections",
			"remote", c.info.Remote.String(), "conns", n, "max_conns_per_source", s.maxConnsPerSource())
		return false
	}
	s.conns[c] = struct{}{}
	s.perSource[c.source]++
	return true
}

// untrack removes c and reports whether it was the last one of a server
// that is shutting down (the caller then calls signalDrained).
func (s *Server) untrack(c *serverConn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c)
	if n := s.perSource[c.source] - 1; n > 0 {
		s.perSource[c.source] = n
	} else {
		delete(s.perSource, c.source)
	}
	return s.shutting && len(s.conns) == 0
}

// signalDrained tells Shutdown that no connection is left. A connection
// cannot be added once the server is shutting down, so a drain seen by
// untrack stays true.
func (s *Server) signalDrained() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closeDrainedLocked()
}

func (s *Server) closeDrainedLocked() {
	select {
	case <-s.drained:
	default:
		close(s.drained)
	}
}

func (s *Server) isShutting() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.shutting
}

// beginShutdownLocked stops accepting: it marks the server shutting down and
// closes its listeners. s.mu must be held.
func (s *Server) beginShutdownLocked() error {
	s.initLocked()
	if !s.shutting {
		s.shutting = true
		close(s.done)
	}
	var err error
	for l := range s.listeners {
		if cerr := l.Close(); cerr != nil && err == nil && !errors.Is(cerr, net.ErrClosed) {
			err = cerr
		}
		delete(s.listeners, l)
	}
	if len(s.conns) == 0 {
		s.closeDrainedLocked()
	}
	return err
}

// Shutdown stops the server gracefully: it closes the listeners, closes
// connections that are idle between frames, lets frames being read (for at
// most ReadTimeout) or handled finish and their answers be written, then
// closes those connections too; frames a terminal pipelined behind them are
// not read. It returns once every connection is closed, or ctx.Err()
// if ctx ends first (connections then keep draining; call Close to cut
// them). Handler contexts are not cancelled.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	err := s.beginShutdownLocked()
	for c := range s.conns {
		if c.state == connIdle {
			c.nc.Close()
		}
	}
	drained := s.drained
	s.mu.Unlock()

	select {
	case <-drained:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close closes the listeners and every connection now, and cancels the
// context of handlers in flight. It does not wait for connection goroutines
// to end.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.beginShutdownLocked()
	s.cancel()
	for c := range s.conns {
		c.nc.Close()
	}
	return err
}
