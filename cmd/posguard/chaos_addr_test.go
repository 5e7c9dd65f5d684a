package main

import (
	"net"
	"strconv"
	"testing"
)

// TestFreeAddrBelowEphemeralRange checks that the chaos run's processes get
// ports the kernel never hands out on its own (below ip_local_port_range),
// so that a killed instance's port stays free for its restart, and that the
// address can be listened on.
func TestFreeAddrBelowEphemeralRange(t *testing.T) {
	low := ephemeralLow()
	if low-10000 < 1000 {
		t.Skipf("ephemeral range starts at %d: no room below it", low)
	}
	for range 20 {
		addr, err := freeAddr()
		if err != nil {
			t.Fatal(err)
		}
		_, p, err := net.SplitHostPort(addr)
		if err != nil {
			t.Fatal(err)
		}
		port, err := strconv.Atoi(p)
		if err != nil || port < 10000 || port >= low {
			t.Fatalf("freeAddr %s: port outside [10000, %d)", addr, low)
		}
		l, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatalf("listen on %s: %v", addr, err)
		}
		l.Close()
	}
}
