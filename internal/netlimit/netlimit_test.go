package netlimit_test

import (
	"bytes"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard/internal/netlimit"
)

func TestListenerLimit(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := netlimit.Limit(inner, 2)
	defer l.Close()
	accepted := make(chan net.Conn, 4)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				close(accepted)
				return
			}
			accepted <- c
		}
	}()
	dial := func() net.Conn {
		c, err := net.Dial("tcp", inner.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(10 * time.Second))
		t.Cleanup(func() { c.Close() })
		return c
	}
	dial()
	dial()
	a, b := <-accepted, <-accepted
	over := dial()
	// The third connection is closed by the listener: a read ends at once.
	if _, err := over.Read(make([]byte, 1)); err == nil {
		t.Fatal("connection over the limit was served")
	}
	if l.Refused() != 1 || l.Open() != 2 {
		t.Fatalf("open %d refused %d", l.Open(), l.Refused())
	}
	// Closing one (twice: counted once) makes room again.
	a.Close()
	a.Close()
	dial()
	c := <-accepted
	if l.Open() != 2 {
		t.Fatalf("open %d after a close, want 2", l.Open())
	}
	b.Close()
	c.Close()
}

func TestCheckFiles(t *testing.T) {
	limit, ok := netlimit.FileLimit()
	if !ok {
		t.Skip("file limit not readable on this platform")
	}
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	if !netlimit.CheckFiles(log, 1) || buf.Len() != 0 {
		t.Fatalf("limit %d judged too low for one connection: %s", limit, buf.String())
	}
	if netlimit.CheckFiles(log, int(limit)) || !strings.Contains(buf.String(), "open-file limit too low") {
		t.Fatalf("limit %d judged enough for %d connections: %q", limit, limit, buf.String())
	}
}

// One source holding its limit does not stop another: a connection from
// 127.0.0.1 over its per-source limit is closed, one from 127.0.0.2 is
// served, and a close makes room for the first source again.
func TestListenerPerSource(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := netlimit.LimitPerSource(inner, 10, 2)
	defer l.Close()
	accepted := make(chan net.Conn, 8)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				close(accepted)
				return
			}
			accepted <- c
		}
	}()
	dial := func(ip string) net.Conn {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
		c, err := d.Dial("tcp", inner.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(10 * time.Second))
		t.Cleanup(func() { c.Close() })
		return c
	}
	dial("127.0.0.1")
	dial("127.0.0.1")
	a, _ := <-accepted, <-accepted
	over := dial("127.0.0.1")
	if _, err := over.Read(make([]byte, 1)); err == nil {
		t.Fatal("a connection over the per-source limit was served")
	}
	other := dial("127.0.0.2")
	got := <-accepted
	if got.RemoteAddr().(*net.TCPAddr).IP.String() != "127.0.0.2" {
		t.Fatalf("accepted %v, want the other source", got.RemoteAddr())
	}
	if l.OpenFrom("127.0.0.1") != 2 || l.OpenFrom("127.0.0.2") != 1 || l.Refused() != 1 || l.Open() != 3 {
		t.Fatalf("open %d (127.0.0.1: %d, 127.0.0.2: %d), refused %d", l.Open(), l.OpenFrom("127.0.0.1"), l.OpenFrom("127.0.0.2"), l.Refused())
	}
	_ = other
	a.Close()
	dial("127.0.0.1")
	<-accepted
	if l.OpenFrom("127.0.0.1") != 2 {
		t.Fatalf("after a close: %d from 127.0.0.1", l.OpenFrom("127.0.0.1"))
	}
}
