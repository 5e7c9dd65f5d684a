package simterm

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/posguard/posguard"
)

// TestSeveralHostsFailOver: with several host addresses a terminal that
// cannot reach the first connects to the next, signs on there, and after its
// host goes away moves to another one.
func TestSeveralHostsFailOver(t *testing.T) {
	a := newTestHost(t, posguard.KeyScheme003, posguard.MACCupsECB)
	b := newTestHost(t, posguard.KeyScheme003, posguard.MACCupsECB)
	// An address nobody listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := l.Addr().String()
	l.Close()
	c := Config{ID: "10000001", MerchantID: "898310048990001", TMK: testTMK, Scheme: a.scheme, MACAlg: a.alg, Timeout: 10 * time.Second}
	ctx := context.Background()
	term, err := Dial(ctx, dead+","+a.addr()+","+b.addr(), c)
	if err != nil {
		t.Fatalf("dial with the first address dead: %v", err)
	}
	defer term.Close()
	if err := term.SignOn(ctx); err != nil {
		t.Fatal(err)
	}
	if len(a.requests()) != 1 || len(b.requests()) != 0 {
		t.Fatalf("requests a=%d b=%d, want the sign-on at a", len(a.requests()), len(b.requests()))
	}
	// The connection to a breaks: the next exchange goes to b.
	term.mu.Lock()
	term.conn.Close()
	term.mu.Unlock()
	term.Echo(ctx) // fails on the broken connection (or is answered by b on a fresh one)
	if err := term.Echo(ctx); err != nil {
		t.Fatalf("echo after the connection broke: %v", err)
	}
	if len(b.requests()) == 0 {
		t.Fatal("the terminal did not move to the next host")
	}
}
