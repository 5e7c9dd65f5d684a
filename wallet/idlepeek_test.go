//go:build unix

package wallet

import (
	"net"
	"testing"
)

// TestIdlePeek: the check tells an open connection from one the other end
// closed, and costs no allocation once the connection is dialled.
func TestIdlePeek(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
		close(accepted)
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	srv := <-accepted
	if srv == nil {
		t.Fatal("not accepted")
	}
	p := newIdlePeek(c)
	if !p.isOpen() {
		t.Fatal("open connection seen closed")
	}
	if n := testing.AllocsPerRun(100, func() { p.isOpen() }); n != 0 {
		t.Fatalf("%v allocations a check", n)
	}
	srv.Close()
	// The end arrives asynchronously; a blocking read on our side
	// waits for it without a sleep.
	var b [1]byte
	if _, err := c.Read(b[:]); err == nil {
		t.Fatal("read after the other end closed")
	}
	if p.isOpen() {
		t.Fatal("closed connection seen open")
	}
}
