package main

// The attack suite: each test replays, against the real host on loopback,
// one finding of the audit an attacker on the terminal port made
// (docs/security.md, "Terminal port"), and asserts the fix. Numbers are
// smaller than the audit's; the full-size runs are documented commands.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	nethttp "net/http"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/analytics"
	"github.com/posguard/posguard/iso8583"
	"github.com/posguard/posguard/sqlite"
)

// dialRawFrom is dialRaw from the loopback address ip (127.0.0.x), so a
// test can play several sources.
func dialRawFrom(t *testing.T, ip, addr, tid, mid, tmkHex, scheme, macAlg string) *rawTerm {
	t.Helper()
	r := dialRaw(t, addr, tid, mid, tmkHex, scheme, macAlg)
	r.conn.Close()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 10 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	r.conn = c
	return r
}

// spoofSignOn sends a sign-on for tid/mid without knowing its TMK and
// returns field 39.
func spoofSignOn(r *rawTerm) string {
	m := iso8583.NewMessage("0800")
	m.Set(11, r.nextSTAN())
	m.Set(41, r.tid)
	m.Set(42, r.mid)
	m.Set(60, "00"+r.batch+"003")
	m.Set(63, "001")
	a := r.send(m, false)
	if a == nil {
		r.t.Fatal("spoofed sign-on: connection closed")
	}
	return a.Get(39)
}

// healthz returns /healthz's status and body.
func healthz(t *testing.T, wd *world) (int, map[string]string) {
	t.Helper()
	resp, err := nethttp.Get("http://" + wd.httpAdr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]string
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// Finding: sales from unknown terminal ids grew analytics by a series per
// id and card prefix, and a terminal event per request.
func TestAttackUnknownTerminalFlood(t *testing.T) {
	wd := startWorld(t, "", 5*time.Second)
	ctx := context.Background()
	r := dialRaw(t, wd.termAdr, "U0000000", "898310000000000", shopTMK, "003", "cups-ecb")
	r.pik = make([]byte, 16)
	const n = 2000
	var raw []byte
	for i := 0; i < n; i++ {
		r.tid, r.mid = fmt.Sprintf("U%07d", i), fmt.Sprintf("89831%010d", i)
		pan := posguard.PAN(fmt.Sprintf("62%06d00000001", i))
		raw = append(raw, frame(r.pack(r.sale(pan, "3012", "123456", 100), false))...)
	}
	// One connection, pipelined, as the audit did.
	go r.conn.Write(raw)
	for i := 0; i < n; i++ {
		r.conn.SetReadDeadline(time.Now().Add(20 * time.Second))
		a := r.roundTrip(nil)
		if a == nil || a.Get(39) != "97" {
			t.Fatalf("answer %d: %v", i, a)
		}
	}
	// The aggregator flushes every second: wait until all n are counted.
	st := wd.serve.store
	from, to := time.Now().Add(-48*time.Hour), time.Now().Add(time.Hour)
	deadline := time.Now().Add(30 * time.Second)
	for {
		rs, err := st.Rollups(ctx, posguard.RollupQuery{Window: posguard.WindowMinute, Dimension: posguard.DimTerminal, Key: analytics.UnknownKey, From: from, To: to})
		if err != nil {
			t.Fatal(err)
		}
		total := int64(0)
		for _, x := range rs {
			total += x.Counts.Total
		}
		if total == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("unknown bucket counted %d of %d", total, n)
		}
		time.Sleep(50 * time.Millisecond) // polling the aggregator's flush
	}
	for _, d := range []posguard.Dimension{posguard.DimTerminal, posguard.DimMerchant, posguard.DimIssuerBIN} {
		rs, err := st.Rollups(ctx, posguard.RollupQuery{Window: posguard.WindowDay, Dimension: d, From: from, To: to})
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range rs {
			if strings.HasPrefix(x.Key, "U") || strings.HasPrefix(x.Key, "89831") && x.Key != shopMID {
				t.Fatalf("dimension %s: a series for attacker-chosen key %q", d, x.Key)
			}
		}
		if d == posguard.DimIssuerBIN && len(rs) != 0 {
			t.Fatalf("card-prefix series from unauthenticated requests: %d", len(rs))
		}
	}
	evs, err := st.TerminalEvents(ctx, analytics.UnknownKey, from, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) > 2 {
		t.Fatalf("%d terminal events for %d unknown-terminal requests", len(evs), n)
	}
	if c := strings.Count(wd.logs.String(), "declined"); c > 10 {
		t.Fatalf("%d log lines for rejected frames", c)
	}
}

// Finding: spoofed sign-ons rotated the real terminal's keys, and a MAC-less
// 0500 closed another terminal's batch.
func TestAttackSpoofedManagement(t *testing.T) {
	wd := startWorld(t, "", 5*time.Second)
	real := dialRaw(t, wd.termAdr, shopTID, shopMID, shopTMK, "003", "cups-ecb")
	if c := real.signOn(); c != "00" {
		t.Fatalf("sign-on: %s", c)
	}
	spoof := dialRaw(t, wd.termAdr, shopTID, shopMID, "00000000000000000000000000000000", "003", "cups-ecb")
	spoof.batch = real.batch

	// The real terminal sells at five sales per spoofed sign-on.
	const sales = 100
	approved, spoofOK, spoofRefused := 0, 0, 0
	var total posguard.Amount
	for i := 0; i < sales; i++ {
		if i%5 == 0 {
			switch spoofSignOn(spoof) {
			case "00":
				spoofOK++
			case "96":
				spoofRefused++
			}
		}
		a := real.send(real.sale(goodCard, goodExp, "123456", 1), true)
		if a != nil && a.Get(39) == "00" {
			approved++
			total++
		}
	}
	if approved < sales*99/100 {
		t.Fatalf("%d of %d sales approved under spoofed sign-ons", approved, sales)
	}
	if spoofOK > 6 || spoofRefused == 0 {
		t.Fatalf("sign-on rate not bounded: %d accepted, %d refused", spoofOK, spoofRefused)
	}

	// MAC-less sign-off and settlement, and one naming another merchant:
	// refused, and the batch stays open.
	off := iso8583.NewMessage("0820")
	off.Set(11, spoof.nextSTAN())
	off.Set(41, shopTID)
	off.Set(42, shopMID)
	off.Set(60, "00"+real.batch+"002")
	code(t, "MAC-less sign-off", spoof.send(off, false), "A0")
	code(t, "MAC-less settlement", spoof.send(spoof.settle(posguard.BatchTotals{}), false), "A0")
	other := dialRaw(t, wd.termAdr, shopTID, "898310058120002", shopTMK, "003", "cups-ecb")
	other.batch = real.batch
	code(t, "wrong-merchant settlement", other.send(other.settle(posguard.BatchTotals{}), false), "03")
	if tm, err := wd.serve.store.Terminal(context.Background(), shopTID); err != nil || tm.Batch != real.batch || !tm.SignedOn {
		t.Fatalf("after the refused sign-off and settlements: %v, want batch %s open and signed on", err, real.batch)
	}
	code(t, "sale after the attacks", real.send(real.sale(goodCard, goodExp, "123456", 1), true), "00")
	total++
	st := code(t, "real settlement", real.send(real.settle(posguard.BatchTotals{DomesticDebitAmount: total, DomesticDebitCount: int(total)}), true), "00")
	if f48 := st.Get(48); len(f48) < 31 || f48[30] != '1' {
		t.Fatalf("settlement after the attacks not balanced: %q", f48)
	}
}

// Finding: 10,050 idle connections from one client locked every terminal
// out, 2-byte frames held them for ever, and idle HTTP connections took the
// files the terminal listener needed.
func TestAttackConnectionExhaustion(t *testing.T) {
	wd := startWorld(t, "", 5*time.Second, "--max-conns-per-source", "40", "--max-conns", "100",
		"--terminal-idle-timeout", "2s", "--http-max-conns", "30")
	// 60 idle connections from 127.0.0.1: only 40 are kept.
	closed := 0
	var idle []net.Conn
	for i := 0; i < 60; i++ {
		c, err := net.Dial("tcp", wd.termAdr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		idle = append(idle, c)
	}
	for _, c := range idle[40:] {
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := c.Read(make([]byte, 1)); err != nil && !isTimeout(err) {
			closed++
		}
	}
	if closed != 20 {
		t.Fatalf("%d of the 20 connections over the per-source limit were closed", closed)
	}
	// 60 idle HTTP connections: at most 30 held.
	var held []net.Conn
	for i := 0; i < 60; i++ {
		c, err := net.Dial("tcp", wd.httpAdr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		held = append(held, c)
	}
	// A terminal from another address signs on and sells.
	term := dialRawFrom(t, "127.0.0.2", wd.termAdr, shopTID, shopMID, shopTMK, "003", "cups-ecb")
	if c := term.signOn(); c != "00" {
		t.Fatalf("sign-on from another source: %s", c)
	}
	code(t, "sale from another source", term.send(term.sale(goodCard, goodExp, "123456", 100), true), "00")

	// Keep-alive frames do not keep a connection: it is closed at the idle
	// timeout although 2-byte frames keep coming.
	ka := idle[0]
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if _, err := ka.Write([]byte{0, 0}); err != nil {
					return
				}
			}
		}
	}()
	ka.SetReadDeadline(time.Now().Add(20 * time.Second))
	if _, err := ka.Read(make([]byte, 1)); isTimeout(err) {
		t.Fatal("a connection sending only keep-alives was not closed at the idle timeout")
	}
	refusedHTTP := 0
	for _, c := range held {
		c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		if _, err := c.Read(make([]byte, 1)); err == io.EOF {
			refusedHTTP++
		}
	}
	if refusedHTTP < 30 {
		t.Fatalf("only %d of 60 idle HTTP connections were closed (limit 30)", refusedHTTP)
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return err != nil && errors.As(err, &ne) && ne.Timeout()
}

// Finding: with the disk full, settlements were answered 00 though nothing
// was written, and /healthz said ok.
func TestAttackDiskFull(t *testing.T) {
	wd := startWorld(t, "", 5*time.Second)
	ctx := context.Background()
	term := dialRaw(t, wd.termAdr, shopTID, shopMID, shopTMK, "003", "cups-ecb")
	if c := term.signOn(); c != "00" {
		t.Fatalf("sign-on: %s", c)
	}
	code(t, "sale before", term.send(term.sale(goodCard, goodExp, "123456", 100), true), "00")
	if st, _ := healthz(t, wd); st != 200 {
		t.Fatalf("healthz before: %d", st)
	}
	lite := wd.serve.store.(*sqlite.Store)
	size, err := lite.Size(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := lite.SetMaxSize(ctx, size); err != nil {
		t.Fatal(err)
	}
	// Sell until the store refuses: every 00 is journaled, the first
	// refusal is 96.
	failed := false
	var sold posguard.Amount = 100
	for i := 0; i < 2000 && !failed; i++ {
		a := term.send(term.sale(goodCard, goodExp, "123456", 1), true)
		switch a.Get(39) {
		case "00":
			sold++
		case "96":
			failed = true
		default:
			t.Fatalf("sale on a full disk: %s", a.Get(39))
		}
	}
	if !failed {
		t.Fatal("the store never filled up")
	}
	st, body := healthz(t, wd)
	if st != 503 || body["reason"] != "disk full" {
		t.Fatalf("healthz on a full disk: %d %v", st, body)
	}
	// A sign-on now: new keys are answered only if stored (and then the
	// store holds exactly them); a 96 leaves the terminal's keys as they
	// were (the sales below go on under them).
	switch c := term.signOn(); c {
	case "00":
		tm, err := wd.serve.store.Terminal(ctx, shopTID)
		if err != nil || string(tm.Keys.MAK) != string(term.mak) {
			t.Fatalf("sign-on answered 00 on a full disk, but the store holds other keys (%v)", err)
		}
	case "96":
	default:
		t.Fatalf("sign-on on a full disk: %s", c)
	}
	// A settlement now: whatever the answer, the store agrees with it.
	batch := term.batch
	a := term.send(term.settle(posguard.BatchTotals{DomesticDebitAmount: sold, DomesticDebitCount: int(sold)}), true)
	tm, err := wd.serve.store.Terminal(ctx, shopTID)
	if err != nil {
		t.Fatal(err)
	}
	switch a.Get(39) {
	case "00":
		if tm.Batch == batch {
			t.Fatal("settlement answered 00 but the batch roll-over was not stored")
		}
		term.batch = tm.Batch
	case "96":
		if tm.Batch != batch {
			t.Fatal("settlement answered 96 but the batch rolled over")
		}
	default:
		t.Fatalf("settlement on a full disk: %s", a.Get(39))
	}
	// Room again: healthy, and selling.
	if err := lite.SetMaxSize(ctx, 0); err != nil {
		t.Fatal(err)
	}
	code(t, "sale after", term.send(term.sale(goodCard, goodExp, "123456", 1), true), "00")
	if st, body := healthz(t, wd); st != 200 {
		t.Fatalf("healthz after: %d %v", st, body)
	}
	wd.checkMoney(ctx)
}

// httpFrom is an HTTP client whose connections come from loopback address
// ip (127.0.0.x), one connection per request.
func httpFrom(ip string) *nethttp.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	return &nethttp.Client{Timeout: 10 * time.Second, Transport: &nethttp.Transport{DialContext: d.DialContext, DisableKeepAlives: true}}
}

// One source holding its HTTP connection limit does not stop another
// source, nor the total limit's room for it.
func TestAttackHTTPPerSource(t *testing.T) {
	wd := startWorld(t, "", 5*time.Second, "--http-max-conns", "100", "--http-max-conns-per-source", "20")
	var held []net.Conn
	for i := 0; i < 40; i++ {
		c, err := net.Dial("tcp", wd.httpAdr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		held = append(held, c)
	}
	// Twenty of the forty are closed at once; twenty stay held.
	closed, isClosed := 0, make([]bool, len(held))
	for deadline := time.Now().Add(10 * time.Second); closed < 20 && time.Now().Before(deadline); {
		for i, c := range held {
			if isClosed[i] {
				continue
			}
			c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
			if _, err := c.Read(make([]byte, 1)); err != nil && !isTimeout(err) {
				isClosed[i] = true
				closed++
			}
		}
	}
	if closed != 20 {
		t.Fatalf("%d of 40 idle connections from one source closed, want 20 (its limit)", closed)
	}
	// Another source is served.
	resp, err := httpFrom("127.0.0.3").Get("http://" + wd.httpAdr + "/healthz")
	if err != nil {
		t.Fatalf("another source: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("another source: %d", resp.StatusCode)
	}
	// The holding source itself gets nothing more...
	if resp, err := httpFrom("127.0.0.1").Get("http://" + wd.httpAdr + "/healthz"); err == nil {
		resp.Body.Close()
		t.Fatalf("a source over its limit was served: %d", resp.StatusCode)
	}
	// ...until it lets go of its connections.
	for _, c := range held {
		c.Close()
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := httpFrom("127.0.0.1").Get("http://" + wd.httpAdr + "/healthz")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the source is still refused after closing its connections: %v", err)
		}
		time.Sleep(20 * time.Millisecond) // polling for the server to see the closes
	}
}

// Finding: /healthz said ok while the database was read-only. While the
// writer refuses every write, a sale is answered 96 (nothing journaled),
// /healthz is 503 "read-only"; once writes are taken again, 200 and sales.
func TestAttackReadOnlyStore(t *testing.T) {
	wd := startWorld(t, "", 5*time.Second)
	ctx := context.Background()
	term := dialRaw(t, wd.termAdr, shopTID, shopMID, shopTMK, "003", "cups-ecb")
	if c := term.signOn(); c != "00" {
		t.Fatalf("sign-on: %s", c)
	}
	code(t, "sale before", term.send(term.sale(goodCard, goodExp, "123456", 100), true), "00")
	lite := wd.serve.store.(*sqlite.Store)
	if err := lite.SetReadOnly(ctx, true); err != nil {
		t.Fatal(err)
	}
	max0, _ := wd.serve.store.MaxID(ctx)
	code(t, "sale on a read-only store", term.send(term.sale(goodCard, goodExp, "123456", 1), true), "96")
	if max1, _ := wd.serve.store.MaxID(ctx); max1 != max0 {
		t.Fatalf("a sale answered 96 was journaled (%d → %d)", max0, max1)
	}
	if st, body := healthz(t, wd); st != 503 || body["reason"] != "read-only" {
		t.Fatalf("healthz on a read-only store: %d %v", st, body)
	}
	if err := lite.SetReadOnly(ctx, false); err != nil {
		t.Fatal(err)
	}
	code(t, "sale after", term.send(term.sale(goodCard, goodExp, "123456", 1), true), "00")
	if st, body := healthz(t, wd); st != 200 {
		t.Fatalf("healthz after: %d %v", st, body)
	}
	wd.checkMoney(ctx)
}
