package terminal_test

import (
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/posguard/posguard/terminal"
)

// dialFrom connects to addr from the loopback address ip (127.0.0.x), so a
// test can play several sources.
func dialFrom(t *testing.T, ip, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: safety}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(safety))
	t.Cleanup(func() { c.Close() })
	return c
}

func TestServerMaxConnsPerSource(t *testing.T) {
	s := &terminal.Server{Handler: echo, MaxConnsPerSource: 3}
	addr, _ := start(t, s)
	var held []net.Conn
	for i := 0; i < 3; i++ {
		c := dialFrom(t, "127.0.0.1", addr)
		send(t, c, "hold")
		expect(t, c, "re:hold")
		held = append(held, c)
	}
	// A fourth connection from the same address is refused...
	expectClosed(t, dialFrom(t, "127.0.0.1", addr))
	// ...while another address is served, and the held ones still work.
	other := dialFrom(t, "127.0.0.2", addr)
	send(t, other, "other source")
	expect(t, other, "re:other source")
	send(t, held[0], "still")
	expect(t, held[0], "re:still")
}

func TestServerKeepAliveDoesNotResetIdle(t *testing.T) {
	addr, _ := start(t, &terminal.Server{Handler: echo, IdleTimeout: 200 * time.Millisecond})
	c := dial(t, addr)
	send(t, c, "hello")
	expect(t, c, "re:hello")
	// Keep sending empty frames: if they reset the idle deadline the
	// connection would stay open until the safety deadline fails the test.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if _, err := c.Write([]byte{0, 0}); err != nil {
					return
				}
			}
		}
	}()
	expectClosed(t, c)
	close(stop)
	wg.Wait()
}

// brokenListener fails its first Accept calls with an error that is not
// temporary (as a listener may report EMFILE on some platforms).
type brokenListener struct {
	net.Listener
	mu    sync.Mutex
	fails int
}

func (l *brokenListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	if l.fails > 0 {
		l.fails--
		l.mu.Unlock()
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: errors.New("too many open files")}
	}
	l.mu.Unlock()
	return l.Listener.Accept()
}

func TestServerSurvivesAcceptErrors(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	s := &terminal.Server{Handler: echo, Logger: slogTo(logs)}
	l := &brokenListener{Listener: inner, fails: 5}
	serveErr := make(chan error, 1)
	go func() { serveErr <- s.Serve(l) }()
	c := dial(t, inner.Addr().String())
	send(t, c, "after errors")
	expect(t, c, "re:after errors")
	s.Close()
	if err := <-serveErr; !errors.Is(err, terminal.ErrServerClosed) {
		t.Fatalf("Serve = %v", err)
	}
	if n := countLines(logs.String(), "accept failing"); n != 1 {
		t.Fatalf("accept failure logged %d times, want once:\n%s", n, logs.String())
	}
}

func slogTo(w *syncBuffer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }

func countLines(s, sub string) int { return strings.Count(s, sub) }
