package main

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/iso8583"
)

// Pre-authorization messages of spec/terminal-8583.md §3/§4, built by the
// raw terminal from the spec alone.

// preAuth is a 预授权: 0100, 3 030000, 25 06, 60.1 10.
func (r *rawTerm) preAuth(pan posguard.PAN, expiry string, amount posguard.Amount) *iso8583.Message {
	m := r.financial("0100", "030000", "10", amount)
	m.Set(25, "06")
	r.cardFields(m, pan, expiry, "123456")
	return m
}

// preAuthCancel is a 预授权撤销 of the pre-auth req answered by ans: 37 and
// 38 of the pre-auth, 61 = its batch, STAN and date (its field 13).
func (r *rawTerm) preAuthCancel(pan posguard.PAN, expiry string, req, ans *iso8583.Message, amount posguard.Amount) *iso8583.Message {
	m := r.financial("0100", "200000", "11", amount)
	m.Set(25, "06")
	m.Set(2, pan.Reveal())
	m.Set(14, expiry)
	m.Set(22, "022")
	m.Set(37, ans.Get(37))
	m.Set(38, ans.Get(38))
	m.Set(61, req.Get(60)[2:8]+req.Get(11)+ans.Get(13))
	return m
}

// completion is a 预授权完成 of the pre-auth answered by ans: 38 of the
// pre-auth and 61.3 (its date) only, 61.1/61.2 zero, as a terminal that
// did not make the pre-auth sends it.
func (r *rawTerm) completion(pan posguard.PAN, expiry, authCode, date string, amount posguard.Amount) *iso8583.Message {
	m := r.financial("0200", "000000", "20", amount)
	m.Set(25, "06")
	r.cardFields(m, pan, expiry, "123456")
	m.Set(38, authCode)
	m.Set(61, "000000000000"+date)
	return m
}

// completionVoid is a 预授权完成撤销 of the completion req answered by ans.
func (r *rawTerm) completionVoid(pan posguard.PAN, expiry string, req, ans *iso8583.Message, amount posguard.Amount) *iso8583.Message {
	m := r.financial("0200", "200000", "21", amount)
	m.Set(25, "06")
	m.Set(2, pan.Reveal())
	m.Set(14, expiry)
	m.Set(22, "022")
	m.Set(37, ans.Get(37))
	m.Set(38, ans.Get(38))
	m.Set(61, r.batch+req.Get(11))
	return m
}

// offsetClock is a clock the test moves forward.
type offsetClock struct{ off atomic.Int64 }

func (c *offsetClock) Now() time.Time                   { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *offsetClock) Add(d time.Duration)              { c.off.Add(int64(d)) }
func (wd *world) held(pan posguard.PAN) posguard.Amount { return wd.simnet.Net.Held(pan.Reveal()) }

// waitHeld polls simnet until the card's holds are want (a reversal or
// hold release goes through the reversal worker).
func (wd *world) waitHeld(what string, pan posguard.PAN, want posguard.Amount) {
	wd.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for wd.held(pan) != want {
		if time.Now().After(deadline) {
			wd.t.Fatalf("%s: issuer holds %d on %s, want %d", what, wd.held(pan), pan, want)
		}
		time.Sleep(20 * time.Millisecond) // polling simnet's accounts
	}
}

// TestPreAuthContract runs the pre-authorization cases of spec §4 over real
// TCP against the host on SQLite with simnet as the network: holds,
// completion ≤ 115 % (116 % → 13), unknown 25, second completion 12,
// cancel / cancel again 12 / cancel amount 64, other card 14, completion
// void reopening the pre-auth, completion on another terminal and day,
// reversals releasing holds, expiry after 30 days, batch totals; then the
// issuer's holds and debits against the journal's.
func TestPreAuthContract(t *testing.T) {
	clk := &offsetClock{}
	wd := startWorldWith(t, func(c *ServeCommand) { c.SwitchNow = clk.Now }, "", 5*time.Second)
	ctx := context.Background()
	term := dialRaw(t, wd.termAdr, shopTID, shopMID, shopTMK, "003", "cups-ecb")
	if c := term.signOn(); c != "00" {
		t.Fatalf("sign-on: %s", c)
	}

	// 预授权: approved with 37 and 38; the issuer holds, takes nothing.
	preReq := term.preAuth(goodCard, goodExp, 10000)
	pre := code(t, "pre-auth", term.send(preReq.Clone(), true), "00")
	if pre.MTI != "0110" || len(pre.Get(37)) != 12 || len(pre.Get(38)) != 6 || len(pre.Get(13)) != 4 {
		t.Fatalf("pre-auth answer %s 37=%q 38=%q 13=%q", pre.MTI, pre.Get(37), pre.Get(38), pre.Get(13))
	}
	if wd.held(goodCard) != 10000 || wd.simnet.Net.Taken(goodCard.Reveal()) != 0 {
		t.Fatalf("after pre-auth: held %d taken %d", wd.held(goodCard), wd.simnet.Net.Taken(goodCard.Reveal()))
	}
	auth, date := pre.Get(38), pre.Get(13)

	// Completion rules, in the spec's order.
	code(t, "completion 116 %", term.send(term.completion(goodCard, goodExp, auth, date, 11600), true), "13")
	code(t, "completion 115 % + 1 fen", term.send(term.completion(goodCard, goodExp, auth, date, 11501), true), "13")
	other := "000000"
	if auth == other {
		other = "000001"
	}
	code(t, "completion of an unknown pre-auth", term.send(term.completion(goodCard, goodExp, other, date, 5000), true), "25")
	code(t, "completion with another date", term.send(term.completion(goodCard, goodExp, auth, "0101", 5000), true), "25")
	code(t, "completion with another card", term.send(term.completion(good2Card, good2Exp, auth, date, 5000), true), "14")
	compReq := term.completion(goodCard, goodExp, auth, date, 11500)
	comp := code(t, "completion at 115 %", term.send(compReq.Clone(), true), "00")
	if comp.Get(37) == pre.Get(37) || len(comp.Get(37)) != 12 || len(comp.Get(38)) != 6 {
		t.Fatalf("completion answer lacks its own 37/38: 37=%q 38=%q", comp.Get(37), comp.Get(38))
	}
	if wd.held(goodCard) != 0 || wd.simnet.Net.Taken(goodCard.Reveal()) != 11500 {
		t.Fatalf("after completion: held %d taken %d", wd.held(goodCard), wd.simnet.Net.Taken(goodCard.Reveal()))
	}
	code(t, "second completion", term.send(term.completion(goodCard, goodExp, auth, date, 100), true), "12")
	code(t, "cancel of a completed pre-auth", term.send(term.preAuthCancel(goodCard, goodExp, preReq, pre, 10000), true), "12")

	// Completion void: the debit returns and the pre-auth opens again.
	code(t, "completion void amount", term.send(term.completionVoid(goodCard, goodExp, compReq, comp, 11000), true), "64")
	code(t, "completion void", term.send(term.completionVoid(goodCard, goodExp, compReq, comp, 11500), true), "00")
	if wd.held(goodCard) != 10000 || wd.simnet.Net.Taken(goodCard.Reveal()) != 0 {
		t.Fatalf("after completion void: held %d taken %d", wd.held(goodCard), wd.simnet.Net.Taken(goodCard.Reveal()))
	}
	code(t, "second completion void", term.send(term.completionVoid(goodCard, goodExp, compReq, comp, 11500), true), "12")

	// Completed again, on another terminal of the same merchant.
	t2 := dialRaw(t, wd.termAdr, "10000002", shopMID, "F1A8390147B33AFE1D502317CF193BE2", "004", "x919")
	if c := t2.signOn(); c != "00" {
		t.Fatalf("sign-on 10000002: %s", c)
	}
	code(t, "completion on another terminal", t2.send(t2.completion(goodCard, goodExp, auth, date, 9000), true), "00")
	if wd.held(goodCard) != 0 || wd.simnet.Net.Taken(goodCard.Reveal()) != 9000 {
		t.Fatalf("after completion on 10000002: held %d taken %d", wd.held(goodCard), wd.simnet.Net.Taken(goodCard.Reveal()))
	}

	// 预授权撤销: amount 64, then 00 (hold released), then 12.
	p2Req := term.preAuth(good2Card, good2Exp, 5000)
	p2 := code(t, "pre-auth 2", term.send(p2Req.Clone(), true), "00")
	code(t, "cancel amount mismatch", term.send(term.preAuthCancel(good2Card, good2Exp, p2Req, p2, 4000), true), "64")
	code(t, "cancel", term.send(term.preAuthCancel(good2Card, good2Exp, p2Req, p2, 5000), true), "00")
	if wd.held(good2Card) != 0 {
		t.Fatalf("cancel left %d held", wd.held(good2Card))
	}
	code(t, "cancel again", term.send(term.preAuthCancel(good2Card, good2Exp, p2Req, p2, 5000), true), "12")
	code(t, "completion of a cancelled pre-auth", term.send(term.completion(good2Card, good2Exp, p2.Get(38), p2.Get(13), 5000), true), "12")

	// Reversal of a pre-auth releases the hold; it cannot be completed.
	p3Req := term.preAuth(good2Card, good2Exp, 3000)
	p3 := code(t, "pre-auth 3", term.send(p3Req.Clone(), true), "00")
	wd.waitHeld("pre-auth 3", good2Card, 3000)
	code(t, "reversal of pre-auth", term.send(term.reversal(p3Req, 3000, "98"), true), "00")
	wd.waitHeld("reversal of pre-auth 3", good2Card, 0)
	code(t, "completion of a reversed pre-auth", term.send(term.completion(good2Card, good2Exp, p3.Get(38), p3.Get(13), 3000), true), "12")

	// Reversal of a completion: the debit returns, the pre-auth is open
	// again (and may be cancelled).
	p4Req := term.preAuth(good2Card, good2Exp, 2000)
	p4 := code(t, "pre-auth 4", term.send(p4Req.Clone(), true), "00")
	c4Req := term.completion(good2Card, good2Exp, p4.Get(38), p4.Get(13), 2100)
	code(t, "completion 4", term.send(c4Req.Clone(), true), "00")
	takenBefore := wd.simnet.Net.Taken(good2Card.Reveal())
	code(t, "reversal of completion (IC declined after approval)", term.send(term.reversal(c4Req, 2100, "06"), true), "00")
	wd.waitHeld("reversal of completion 4", good2Card, 2000)
	if got := wd.simnet.Net.Taken(good2Card.Reveal()); got != takenBefore-2100 {
		t.Fatalf("completion reversal: taken %d, want %d", got, takenBefore-2100)
	}
	waitState(t, wd, p4Req, "0100", posguard.StateApproved)
	// Reversal of a cancel: the hold stands again.
	k4Req := term.preAuthCancel(good2Card, good2Exp, p4Req, p4, 2000)
	code(t, "cancel 4", term.send(k4Req.Clone(), true), "00")
	wd.waitHeld("cancel 4", good2Card, 0)
	code(t, "reversal of cancel", term.send(term.reversal(k4Req, 2000, "98"), true), "00")
	wd.waitHeld("reversal of cancel 4", good2Card, 2000)
	waitState(t, wd, p4Req, "0100", posguard.StateApproved)

	// Batch totals: a pre-auth or cancel counts nowhere; a completion is a
	// debit (voided or not), a completion void a credit; the reversed
	// completion counts nowhere.
	want := posguard.BatchTotals{DomesticDebitAmount: 11500, DomesticDebitCount: 1, DomesticCreditAmount: 11500, DomesticCreditCount: 1}
	st := code(t, "settlement", term.send(term.settle(want), true), "00")
	if f48 := st.Get(48); len(f48) < 31 || f48[30] != '1' {
		t.Fatalf("settlement with the pre-auth family's totals unbalanced: field 48 %q", f48)
	}
	term.batch = posguard.NextBatch(term.batch)

	// Completion on a later day: pre-auth 5 is moved to an earlier
	// settlement day (its journal row, as a pre-auth of 1 January would
	// be); the completion names that date in 61.3 and is approved.
	p5Req := term.preAuth(goodCard, goodExp, 6000)
	p5 := code(t, "pre-auth 5", term.send(p5Req.Clone(), true), "00")
	db, err := sql.Open("sqlite", "file:"+filepath.Join(wd.dir, "posguard.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE transactions SET settlement_date = '2026-01-01', answer = json_set(answer, '$."13"', '0101')
		WHERE terminal_id = ? AND stan = ? AND mti = '0100'`, shopTID, p5Req.Get(11)); err != nil {
		t.Fatal(err)
	}
	code(t, "completion with the pre-auth's old date", term.send(term.completion(goodCard, goodExp, p5.Get(38), p5.Get(13), 6900), true), "25")
	c5Req := term.completion(goodCard, goodExp, p5.Get(38), "0101", 6900)
	code(t, "completion on a later day", term.send(c5Req.Clone(), true), "00")
	wd.waitHeld("completion on a later day", goodCard, 0)
	if c5, err := wd.serve.store.ByKey(ctx, posguard.TxnKey{TerminalID: shopTID, Batch: term.batch, STAN: c5Req.Get(11), MTI: "0200"}); err != nil || c5.SettlementDate == "2026-01-01" {
		t.Fatalf("completion on a later day: %+v %v", c5, err)
	}

	// 30 days on: the open pre-auth 4 expires, its hold is released
	// upstream, and it can no longer be completed.
	clk.Add(31 * 24 * time.Hour)
	n, err := wd.serve.Switch.ExpirePreAuths(ctx, 0)
	if err != nil || n != 1 {
		t.Fatalf("expiry: %d expired, err %v; want 1", n, err)
	}
	wd.waitHeld("expiry of pre-auth 4", good2Card, 0)
	code(t, "completion of an expired pre-auth", term.send(term.completion(good2Card, good2Exp, p4.Get(38), p4.Get(13), 2000), true), "12")
	x, err := wd.serve.store.ByKey(ctx, posguard.TxnKey{TerminalID: shopTID, Batch: p4Req.Get(60)[2:8], STAN: p4Req.Get(11), MTI: "0100"})
	if err != nil || x.Detail["expired_at"] == "" {
		t.Fatalf("expired pre-auth not marked: %+v %v", x, err)
	}

	wd.checkMoney(ctx)
	if wd.held(goodCard) != 0 || wd.held(good2Card) != 0 {
		t.Fatalf("holds left: %d %d", wd.held(goodCard), wd.held(good2Card))
	}
}

// waitState polls the journal until the transaction of req is in state.
func waitState(t *testing.T, wd *world, req *iso8583.Message, mti string, want posguard.State) {
	t.Helper()
	k := posguard.TxnKey{TerminalID: req.Get(41), Batch: req.Get(60)[2:8], STAN: req.Get(11), MTI: mti}
	deadline := time.Now().Add(20 * time.Second)
	for {
		x, err := wd.serve.store.ByKey(context.Background(), k)
		if err == nil && x.State == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%v: state %v, want %s (err %v)", k, stateOf(x), want, err)
		}
		time.Sleep(20 * time.Millisecond) // polling the journal the worker updates
	}
}

func stateOf(x *posguard.Transaction) string {
	if x == nil {
		return "-"
	}
	return fmt.Sprint(x.State)
}
