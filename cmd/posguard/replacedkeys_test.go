package main

import (
	"context"
	"net"
	"testing"
	"time"
)

// redial connects r to addr again (after a host restart), keeping its keys
// and batch.
func (r *rawTerm) redial(addr string) {
	r.t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { c.Close() })
	r.conn.Close()
	r.conn = c
}

// Finding: the working keys a spoofed sign-on replaced were kept valid in
// memory only, so a host restart within the grace period failed the real
// terminal's MACs. They are kept in the store (sealed, bound to their row):
// the grace survives a restart, and ends for good once the terminal uses
// its current keys.
func TestAttackSpoofedSignOnAcrossRestart(t *testing.T) {
	wd := startWorld(t, "", 5*time.Second)
	ctx := context.Background()
	real := dialRaw(t, wd.termAdr, shopTID, shopMID, shopTMK, "003", "cups-ecb")
	if c := real.signOn(); c != "00" {
		t.Fatalf("sign-on: %s", c)
	}
	code(t, "sale", real.send(real.sale(goodCard, goodExp, "123456", 100), true), "00")
	spoof := dialRaw(t, wd.termAdr, shopTID, shopMID, "00000000000000000000000000000000", "003", "cups-ecb")
	spoof.batch = real.batch
	if c := spoofSignOn(spoof); c != "00" {
		t.Fatalf("spoofed sign-on: %s", c)
	}
	kept, err := wd.serve.store.ReplacedKeys(ctx, shopTID, time.Time{})
	if err != nil || len(kept) != 1 {
		t.Fatalf("replaced keys kept: %d, %v", len(kept), err)
	}
	code(t, "sale under the replaced keys", real.send(real.sale(goodCard, goodExp, "123456", 100), true), "00")

	wd.restartServe()
	real.redial(wd.termAdr)
	code(t, "sale under the replaced keys after a restart", real.send(real.sale(goodCard, goodExp, "123456", 100), true), "00")

	// The terminal signs on itself and uses its new keys: the replaced ones
	// end, in the store too, so a restart does not bring them back.
	old := *real
	if c := real.signOn(); c != "00" {
		t.Fatalf("own sign-on: %s", c)
	}
	code(t, "sale under the new keys", real.send(real.sale(goodCard, goodExp, "123456", 100), true), "00")
	if kept, err := wd.serve.store.ReplacedKeys(ctx, shopTID, time.Time{}); err != nil || len(kept) != 0 {
		t.Fatalf("replaced keys after the terminal used its new ones: %d, %v", len(kept), err)
	}
	wd.restartServe()
	real.redial(wd.termAdr)
	old.conn = real.conn
	code(t, "sale under keys that ended, after a restart", old.send(old.sale(goodCard, goodExp, "123456", 100), true), "A0")
	code(t, "sale under the current keys after a restart", real.send(real.sale(goodCard, goodExp, "123456", 100), true), "00")
	wd.checkMoney(ctx)
}
