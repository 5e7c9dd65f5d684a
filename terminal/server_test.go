package terminal_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/posguard/posguard/terminal"
)

// safety bounds how long a test read may block; it only turns a hang into a
// failure and never stands in for synchronization.
const safety = 10 * time.Second

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// echo answers every frame with "re:" + frame; "close" is answered and then
// the connection closed; "boom" panics.
var echo = terminal.FrameHandlerFunc(func(ctx context.Context, c *terminal.ConnInfo, frame []byte) ([]byte, bool) {
	switch string(frame) {
	case "boom":
		panic("handler failure on purpose")
	case "nil":
		var m map[string]int
		m["x"] = 1 // runtime error
	case "close":
		return []byte("bye"), true
	case "silent":
		return nil, false
	}
	return append([]byte("re:"), frame...), false
})

// start serves s on a fresh loopback listener and returns its address and
// the channel that receives Serve's result. Cleanup closes the server.
func start(t *testing.T, s *terminal.Server) (string, <-chan error) {
	t.Helper()
	if s.Logger == nil {
		s.Logger = quiet
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- s.Serve(l) }()
	t.Cleanup(func() { s.Close() })
	return l.Addr().String(), errc
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, safety)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(safety))
	t.Cleanup(func() { c.Close() })
	return c
}

func frame(body string) []byte {
	b := make([]byte, 2+len(body))
	binary.BigEndian.PutUint16(b, uint16(len(body)))
	copy(b[2:], body)
	return b
}

func send(t *testing.T, c net.Conn, bodies ...string) {
	t.Helper()
	var buf []byte
	for _, b := range bodies {
		buf = append(buf, frame(b)...)
	}
	if _, err := c.Write(buf); err != nil {
		t.Fatal(err)
	}
}

func recv(c net.Conn) (string, error) {
	var p [2]byte
	if _, err := io.ReadFull(c, p[:]); err != nil {
		return "", err
	}
	body := make([]byte, binary.BigEndian.Uint16(p[:]))
	if _, err := io.ReadFull(c, body); err != nil {
		return "", err
	}
	return string(body), nil
}

func expect(t *testing.T, c net.Conn, want string) {
	t.Helper()
	got, err := recv(c)
	if err != nil {
		t.Fatalf("waiting for %q: %v", want, err)
	}
	if got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// expectClosed asserts that the server closed c: the next read ends with EOF
// (or a reset) rather than data or the safety deadline.
func expectClosed(t *testing.T, c net.Conn) {
	t.Helper()
	var b [1]byte
	n, err := c.Read(b[:])
	if n != 0 || !(errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET)) {
		t.Fatalf("read = %d, %v; want the connection closed by the server", n, err)
	}
}

func TestServerManyConnectionsPipelined(t *testing.T) {
	addr, _ := start(t, &terminal.Server{Handler: echo})
	const conns, frames = 40, 25
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for i := range conns {
		wg.Go(func() {
			c, err := net.DialTimeout("tcp", addr, safety)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(safety))
			var buf []byte
			for j := range frames { // all frames in one write: pipelined
				buf = append(buf, frame(fmt.Sprintf("c%d-f%d", i, j))...)
			}
			if _, err := c.Write(buf); err != nil {
				errs <- err
				return
			}
			for j := range frames {
				got, err := recv(c)
				if want := fmt.Sprintf("re:c%d-f%d", i, j); err != nil || got != want {
					errs <- fmt.Errorf("conn %d frame %d: got %q, %v; want %q", i, j, got, err, want)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestServerFraming(t *testing.T) {
	tests := []struct {
		name   string
		input  []byte
		answer []string // expected answers, in order, before the end
		closed bool     // the server closes the connection afterwards
	}{
		{"exact max length accepted", frame(strings.Repeat("x", 16)), []string{"re:" + strings.Repeat("x", 16)}, false},
		{"over max length closes", frame(strings.Repeat("x", 17)), nil, true},
		{"huge length closes", []byte{0xFF, 0xFF, 1, 2, 3}, nil, true},
		{"keep-alive skipped", append(frame(""), frame("a")...), []string{"re:a"}, false},
		{"handler asks to close", frame("close"), []string{"bye"}, true},
		{"no answer then next", append(frame("silent"), frame("b")...), []string{"re:b"}, false},
		{"frames after an over-length one are not read", append(frame(strings.Repeat("y", 40)), frame("a")...), nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, _ := start(t, &terminal.Server{Handler: echo, MaxFrame: 16})
			c := dial(t, addr)
			if _, err := c.Write(tt.input); err != nil {
				t.Fatal(err)
			}
			for _, want := range tt.answer {
				expect(t, c, want)
			}
			if tt.closed {
				expectClosed(t, c)
				return
			}
			send(t, c, "still open")
			expect(t, c, "re:still open")
		})
	}
}

func TestServerPartialFrameReadTimeout(t *testing.T) {
	addr, _ := start(t, &terminal.Server{Handler: echo, ReadTimeout: 100 * time.Millisecond, IdleTimeout: time.Hour})
	for _, partial := range [][]byte{
		{0x00},                    // half a length prefix
		{0x00, 0x0A, 'a', 'b'},    // 2 of 10 body bytes
		append(frame("ok"), 0x00), // a whole frame, then the start of another
	} {
		c := dial(t, addr)
		if _, err := c.Write(partial); err != nil {
			t.Fatal(err)
		}
		if bytes.HasPrefix(partial, frame("ok")) {
			expect(t, c, "re:ok")
		}
		expectClosed(t, c)
	}
}

// TestServerPeerLeavesInsideThePrefix checks that a peer closing after
// one byte of a length prefix is logged as leaving inside a frame, and one
// closing between frames is not.
func TestServerPeerLeavesInsideThePrefix(t *testing.T) {
	logs := &syncBuffer{}
	closed := make(chan struct{}, 2)
	addr, _ := start(t, &terminal.Server{Handler: echo, Logger: slog.New(slog.NewTextHandler(logs, nil)),
		ConnState: func(_ *terminal.ConnInfo, open bool) {
			if !open {
				closed <- struct{}{}
			}
		}})
	between := dial(t, addr)
	send(t, between, "x")
	expect(t, between, "re:x")
	between.Close()
	<-closed
	if strings.Contains(logs.String(), "inside a frame") {
		t.Fatalf("a peer leaving between frames logged as inside one:\n%s", logs)
	}
	inside := dial(t, addr)
	send(t, inside, "y")
	expect(t, inside, "re:y")
	if _, err := inside.Write([]byte{0x00}); err != nil {
		t.Fatal(err)
	}
	inside.Close()
	<-closed
	if !strings.Contains(logs.String(), "peer closed the connection inside a frame") {
		t.Fatalf("half a length prefix then EOF not logged as inside a frame:\n%s", logs)
	}
}

func TestServerIdleTimeout(t *testing.T) {
	addr, _ := start(t, &terminal.Server{Handler: echo, IdleTimeout: 100 * time.Millisecond})
	c := dial(t, addr)
	send(t, c, "hello")
	expect(t, c, "re:hello")
	expectClosed(t, c)
}

// blocker is a handler whose "slow" frames wait until release is closed.
type blocker struct {
	started chan struct{} // receives one value per slow frame begun
	release chan struct{}
	ctxErr  chan error // the handler context's error when released
}

func newBlocker() *blocker {
	return &blocker{started: make(chan struct{}, 8), release: make(chan struct{}), ctxErr: make(chan error, 8)}
}

func (b *blocker) ServeFrame(ctx context.Context, c *terminal.ConnInfo, f []byte) ([]byte, bool) {
	if string(f) != "slow" {
		return echo(ctx, c, f)
	}
	b.started <- struct{}{}
	select {
	case <-b.release:
	case <-ctx.Done():
	}
	b.ctxErr <- ctx.Err()
	return []byte("slow done"), false
}

func TestServerShutdownDrainsInFlight(t *testing.T) {
	b := newBlocker()
	var mu sync.Mutex
	opened, closed := 0, 0
	s := &terminal.Server{Handler: b, ConnState: func(c *terminal.ConnInfo, open bool) {
		mu.Lock()
		defer mu.Unlock()
		if open {
			opened++
		} else {
			closed++
		}
	}}
	addr, serveErr := start(t, s)

	idle := dial(t, addr)
	send(t, idle, "ping")
	expect(t, idle, "re:ping") // the idle connection is known to the server

	busy := dial(t, addr)
	send(t, busy, "slow")
	<-b.started

	shutdownErr := make(chan error, 1)
	go func() { shutdownErr <- s.Shutdown(context.Background()) }()

	if err := <-serveErr; !errors.Is(err, terminal.ErrServerClosed) {
		t.Fatalf("Serve = %v, want ErrServerClosed", err)
	}
	expectClosed(t, idle) // closed while the slow frame is still in flight
	select {
	case err := <-shutdownErr:
		t.Fatalf("Shutdown returned %v before the in-flight frame finished", err)
	default:
	}
	if c, err := net.DialTimeout("tcp", addr, safety); err == nil {
		c.Close()
		t.Fatal("new connection accepted during shutdown")
	}

	close(b.release)
	expect(t, busy, "slow done")
	if err := <-b.ctxErr; err != nil {
		t.Fatalf("handler context cancelled by Shutdown: %v", err)
	}
	if err := <-shutdownErr; err != nil {
		t.Fatalf("Shutdown = %v", err)
	}
	expectClosed(t, busy)
	mu.Lock()
	defer mu.Unlock()
	if opened != 2 || closed != 2 {
		t.Fatalf("ConnState: %d opened, %d closed; want 2 and 2", opened, closed)
	}
}

func TestServerShutdownContextEnds(t *testing.T) {
	b := newBlocker()
	s := &terminal.Server{Handler: b}
	addr, _ := start(t, s)
	c := dial(t, addr)
	send(t, c, "slow")
	<-b.started

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Shutdown(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Shutdown = %v, want context.Canceled", err)
	}
	// Close cuts the connection and cancels the handler's context.
	s.Close()
	if err := <-b.ctxErr; !errors.Is(err, context.Canceled) {
		t.Fatalf("handler context after Close: %v, want canceled", err)
	}
	expectClosed(t, c)
}

func TestServerClosedErrors(t *testing.T) {
	s := &terminal.Server{Handler: echo, Logger: quiet}
	_, serveErr := start(t, s)
	if err := s.Close(); err != nil {
		t.Fatalf("Close = %v", err)
	}
	if err := <-serveErr; !errors.Is(err, terminal.ErrServerClosed) {
		t.Fatalf("Serve after Close = %v, want ErrServerClosed", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Serve(l); !errors.Is(err, terminal.ErrServerClosed) {
		t.Fatalf("second Serve = %v, want ErrServerClosed", err)
	}
	if _, err := l.Accept(); err == nil {
		t.Fatal("Serve left the listener open")
	}
	if err := s.ListenAndServe("127.0.0.1:0"); !errors.Is(err, terminal.ErrServerClosed) {
		t.Fatalf("ListenAndServe = %v, want ErrServerClosed", err)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown after Close = %v", err)
	}

	idle := &terminal.Server{Handler: echo}
	if err := idle.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown of a server never started = %v", err)
	}
	if err := (&terminal.Server{}).Serve(l); err == nil {
		t.Fatal("Serve without Handler succeeded")
	}
}

func TestServerMaxConns(t *testing.T) {
	closedConn := make(chan uint64, 8)
	s := &terminal.Server{Handler: echo, MaxConns: 2, ConnState: func(c *terminal.ConnInfo, open bool) {
		if !open {
			closedConn <- c.ID
		}
	}}
	addr, _ := start(t, s)
	a, b := dial(t, addr), dial(t, addr)
	for _, c := range []net.Conn{a, b} {
		send(t, c, "in")
		expect(t, c, "re:in")
	}
	over := dial(t, addr)
	expectClosed(t, over)

	a.Close()
	<-closedConn // the server has let go of a
	c := dial(t, addr)
	send(t, c, "room again")
	expect(t, c, "re:room again")
	send(t, b, "b still works")
	expect(t, b, "re:b still works")
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestServerHandlerPanic(t *testing.T) {
	logs := &syncBuffer{}
	closedConn := make(chan struct{}, 8)
	s := &terminal.Server{
		Handler: echo,
		Logger:  slog.New(slog.NewTextHandler(logs, nil)),
		ConnState: func(c *terminal.ConnInfo, open bool) {
			if !open {
				closedConn <- struct{}{}
			}
		},
	}
	addr, _ := start(t, s)
	other := dial(t, addr)
	send(t, other, "before")
	expect(t, other, "re:before")

	for _, trigger := range []string{"boom", "nil"} {
		c := dial(t, addr)
		send(t, c, "fine")
		expect(t, c, "re:fine")
		send(t, c, trigger)
		expectClosed(t, c)
		<-closedConn
	}

	send(t, other, "after")
	expect(t, other, "re:after")
	fresh := dial(t, addr)
	send(t, fresh, "new")
	expect(t, fresh, "re:new")

	out := logs.String()
	if strings.Count(out, "handler panic") != 2 {
		t.Fatalf("want two panic log lines, got:\n%s", out)
	}
	if !strings.Contains(out, "assignment to entry in nil map") {
		t.Fatalf("runtime error text not logged:\n%s", out)
	}
	if strings.Contains(out, "handler failure on purpose") {
		t.Fatalf("non-runtime panic value was logged:\n%s", out)
	}
}

// flakyListener fails its first Accept calls with a temporary error.
type flakyListener struct {
	net.Listener
	mu    sync.Mutex
	fails int
}

type tempErr struct{}

func (tempErr) Error() string   { return "temporary accept failure" }
func (tempErr) Temporary() bool { return true }
func (tempErr) Timeout() bool   { return false }

func (l *flakyListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	if l.fails > 0 {
		l.fails--
		l.mu.Unlock()
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: tempErr{}}
	}
	l.mu.Unlock()
	return l.Listener.Accept()
}

func TestServerRetriesTemporaryAcceptErrors(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := &flakyListener{Listener: inner, fails: 3}
	s := &terminal.Server{Handler: echo, Logger: quiet}
	serveErr := make(chan error, 1)
	go func() { serveErr <- s.Serve(l) }()
	defer s.Close()

	c := dial(t, inner.Addr().String())
	send(t, c, "after retries")
	expect(t, c, "re:after retries")
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := <-serveErr; !errors.Is(err, terminal.ErrServerClosed) {
		t.Fatalf("Serve = %v, want ErrServerClosed", err)
	}
}

func TestServerConnInfo(t *testing.T) {
	ids := make(chan uint64, 4)
	h := terminal.FrameHandlerFunc(func(ctx context.Context, c *terminal.ConnInfo, f []byte) ([]byte, bool) {
		if c.Remote == nil || c.Opened.IsZero() {
			return []byte("bad info"), true
		}
		ids <- c.ID
		return []byte("ok"), false
	})
	addr, _ := start(t, &terminal.Server{Handler: h})
	a, b := dial(t, addr), dial(t, addr)
	for _, c := range []net.Conn{a, b, a} {
		send(t, c, "x")
		expect(t, c, "ok")
	}
	first, second, again := <-ids, <-ids, <-ids
	if first == 0 || first == second || first != again {
		t.Fatalf("conn IDs %d %d %d: want non-zero, distinct per connection, stable", first, second, again)
	}
}

// FuzzServerFrames feeds arbitrary bytes to a live server over TCP: it must
// never crash, and when the input holds no over-length frame, the answers
// must be exactly one per complete non-empty frame, in order.
func FuzzServerFrames(f *testing.F) {
	const maxFrame = 64
	plain := terminal.FrameHandlerFunc(func(ctx context.Context, c *terminal.ConnInfo, fr []byte) ([]byte, bool) {
		return append([]byte("re:"), fr...), false
	})
	s := &terminal.Server{Handler: plain, MaxFrame: maxFrame, Logger: quiet}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	go s.Serve(l)
	f.Cleanup(func() { s.Close() })
	addr := l.Addr().String()

	f.Add(frame("hello"))
	f.Add(append(frame("a"), frame("bc")...))
	f.Add(append(frame(""), frame("x")...))
	f.Add([]byte{0x00})
	f.Add([]byte{0x00, 0x05, 'a'})
	f.Add([]byte{0xFF, 0xFF, 0x00})
	f.Add(append(frame("ok"), frame(strings.Repeat("z", maxFrame+1))...))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) > 1<<14 {
			return
		}
		var want []string
		overLength := false
		for rest := in; len(rest) >= 2; {
			n := int(binary.BigEndian.Uint16(rest))
			if n > maxFrame {
				overLength = true
				break
			}
			if len(rest) < 2+n {
				break
			}
			if n > 0 {
				want = append(want, "re:"+string(rest[2:2+n]))
			}
			rest = rest[2+n:]
		}
		c, err := net.DialTimeout("tcp", addr, safety)
		if err != nil {
			t.Fatalf("server no longer accepts: %v", err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(safety))
		c.Write(in)
		c.(*net.TCPConn).CloseWrite()
		var got []string
		for {
			r, err := recv(c)
			if err != nil {
				if errors.Is(err, os.ErrDeadlineExceeded) {
					t.Fatal("server neither answered nor closed")
				}
				break
			}
			got = append(got, r)
		}
		if !overLength && strings.Join(got, "\x00") != strings.Join(want, "\x00") {
			t.Fatalf("answers %q, want %q", got, want)
		}
	})
}
