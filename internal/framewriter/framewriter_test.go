package framewriter

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"
)

// tcpPair returns both ends of a real loopback TCP connection.
func tcpPair(t *testing.T) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server = <-accepted
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

func fullFrame(i int) []byte {
	body := fmt.Appendf(nil, "frame-%04d-", i)
	for range i % 40 {
		body = append(body, 'x')
	}
	return append(binary.BigEndian.AppendUint16(nil, uint16(len(body))), body...)
}

// TestConcurrentFramesArriveWhole: frames written from many goroutines at
// once arrive whole and each exactly once.
func TestConcurrentFramesArriveWhole(t *testing.T) {
	client, server := tcpPair(t)
	w := New(client)
	const writers, each = 16, 200
	got := make(chan map[string]int, 1)
	go func() {
		seen := map[string]int{}
		r := bufio.NewReader(server)
		for range writers * each {
			var hdr [2]byte
			if _, err := io.ReadFull(r, hdr[:]); err != nil {
				break
			}
			body := make([]byte, binary.BigEndian.Uint16(hdr[:]))
			if _, err := io.ReadFull(r, body); err != nil {
				break
			}
			seen[string(body)]++
		}
		got <- seen
	}()
	var wg sync.WaitGroup
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				f := fullFrame(g*each + i)
				if n, err := w.Write(f, time.Now().Add(5*time.Second)); err != nil || n != len(f) {
					t.Errorf("write: %d of %d bytes, %v", n, len(f), err)
					return
				}
			}
		}()
	}
	wg.Wait()
	seen := <-got
	if len(seen) != writers*each {
		t.Fatalf("%d distinct frames arrived, want %d", len(seen), writers*each)
	}
	for i := range writers * each {
		f := fullFrame(i)
		if seen[string(f[2:])] != 1 {
			t.Fatalf("frame %d arrived %d times", i, seen[string(f[2:])])
		}
	}
}

// gateConn blocks its first Write until released and counts writes; fail
// makes a write send only part of its bytes and fail.
type gateConn struct {
	net.Conn
	mu      sync.Mutex
	writes  int
	entered chan struct{}
	release chan struct{}
	fail    int // when > 0, the next write sends this many bytes and fails
}

var errCut = errors.New("connection cut")

func (c *gateConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	c.writes++
	first := c.writes == 1
	fail := c.fail
	c.fail = 0
	c.mu.Unlock()
	if first {
		close(c.entered)
		<-c.release
	}
	if fail > 0 {
		n, _ := c.Conn.Write(b[:fail])
		return n, errCut
	}
	return c.Conn.Write(b)
}

// TestCoalesces: frames queued while a write is in progress leave in one
// write, and each caller learns how much of its own frame left.
func TestCoalesces(t *testing.T) {
	client, server := tcpPair(t)
	go io.Copy(io.Discard, server)
	gc := &gateConn{Conn: client, entered: make(chan struct{}), release: make(chan struct{})}
	w := New(gc)
	first := make(chan error, 1)
	go func() { _, err := w.Write(fullFrame(0), time.Time{}); first <- err }()
	<-gc.entered
	const queued = 10
	type outcome struct {
		n, want int
		err     error
	}
	outcomes := make(chan outcome, queued)
	for i := 1; i <= queued; i++ {
		go func() {
			f := fullFrame(i)
			n, err := w.Write(f, time.Time{})
			outcomes <- outcome{n, len(f), err}
		}()
	}
	for {
		w.mu.Lock()
		n := len(w.buf)
		w.mu.Unlock()
		want := 0
		for i := 1; i <= queued; i++ {
			want += len(fullFrame(i))
		}
		if n == want {
			break
		}
		runtime.Gosched()
	}
	// The coalesced write will be cut after three bytes: the frame queued
	// first left in part, the others not at all.
	gc.mu.Lock()
	gc.fail = 3
	gc.mu.Unlock()
	close(gc.release)
	if err := <-first; err != nil {
		t.Fatalf("first write: %v", err)
	}
	full, partial, none := 0, 0, 0
	for range queued {
		o := <-outcomes
		switch {
		case o.n == o.want && o.err == nil:
			full++
		case o.n > 0 && o.n < o.want && errors.Is(o.err, errCut):
			partial++
		case o.n == 0 && errors.Is(o.err, errCut):
			none++
		default:
			t.Errorf("outcome %+v", o)
		}
	}
	if full != 0 || partial != 1 || none != queued-1 {
		t.Errorf("full %d, partial %d, none %d; want 0, 1, %d", full, partial, none, queued-1)
	}
	gc.mu.Lock()
	defer gc.mu.Unlock()
	if gc.writes != 2 {
		t.Errorf("%d writes for %d frames, want 2 (the first, then the queued ones together)", gc.writes, queued+1)
	}
}

// holdConn blocks each numbered write until its gate is closed.
type holdConn struct {
	net.Conn
	mu      sync.Mutex
	writes  int
	entered [3]chan struct{}
	gates   [3]chan struct{}
}

func (c *holdConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	i := c.writes
	c.writes++
	c.mu.Unlock()
	if i < len(c.gates) {
		close(c.entered[i])
		<-c.gates[i]
	}
	return c.Conn.Write(b)
}

// TestFirstCallerDoesNotCarryOthers: the caller whose frame left returns
// even while the frames queued behind it are still being written.
func TestFirstCallerDoesNotCarryOthers(t *testing.T) {
	client, server := tcpPair(t)
	go io.Copy(io.Discard, server)
	hc := &holdConn{Conn: client}
	for i := range hc.gates {
		hc.entered[i], hc.gates[i] = make(chan struct{}), make(chan struct{})
	}
	close(hc.gates[2])
	w := New(hc)
	first := make(chan error, 1)
	go func() { _, err := w.Write(fullFrame(0), time.Time{}); first <- err }()
	<-hc.entered[0]
	second := make(chan error, 1)
	go func() { _, err := w.Write(fullFrame(1), time.Time{}); second <- err }()
	for {
		w.mu.Lock()
		n := len(w.buf)
		w.mu.Unlock()
		if n == len(fullFrame(1)) {
			break
		}
		runtime.Gosched()
	}
	close(hc.gates[0]) // the first write completes; the second starts and blocks
	<-hc.entered[1]
	if err := <-first; err != nil { // must not wait for gates[1]
		t.Fatalf("first write: %v", err)
	}
	select {
	case err := <-second:
		t.Fatalf("second write returned (%v) before its bytes were written", err)
	default:
	}
	close(hc.gates[1])
	if err := <-second; err != nil {
		t.Fatalf("second write: %v", err)
	}
}
