package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/iso8583"
)

// tap is a contactless (闪付) sale: field 22 072 without PIN, or 071 with
// the PIN.
func (r *rawTerm) tap(pan posguard.PAN, expiry string, amount posguard.Amount, withPIN bool) *iso8583.Message {
	m := r.sale(pan, expiry, "123456", amount)
	if withPIN {
		m.Set(22, "071")
		return m
	}
	m.Set(22, "072")
	m.Unset(26)
	m.Unset(52)
	m.Unset(53)
	return m
}

// reasonOf is the internal reason the journal holds for req.
func reasonOf(t *testing.T, wd *world, req *iso8583.Message) string {
	t.Helper()
	x, err := wd.serve.store.ByKey(context.Background(), posguard.TxnKey{TerminalID: req.Get(41), Batch: req.Get(60)[2:8], STAN: req.Get(11), MTI: req.MTI})
	if err != nil {
		t.Fatal(err)
	}
	return x.Reason
}

// TestContactlessAndCardLimits runs the contactless no-PIN rule and the
// per-card and per-terminal daily limits over real TCP through the host
// and simnet: the limit itself is allowed, one fen above is refused with
// the limit's own reason, a void gives the count back.
func TestContactlessAndCardLimits(t *testing.T) {
	wd := startWorld(t, "", 5*time.Second, "--contactless-no-pin-count", "3")
	ctx := context.Background()
	term := dialRaw(t, wd.termAdr, shopTID, shopMID, shopTMK, "003", "cups-ecb")
	if c := term.signOn(); c != "00" {
		t.Fatalf("sign-on: %s", c)
	}
	refused := func(what string, m *iso8583.Message, wantCode, wantReason string) {
		t.Helper()
		code(t, what, term.send(m.Clone(), true), wantCode)
		if r := reasonOf(t, wd, m); r != wantReason {
			t.Fatalf("%s: reason %q, want %q", what, r, wantReason)
		}
	}

	// No-PIN limit: 1,000 yuan per sale by default; the limit itself passes.
	code(t, "tap at the no-PIN limit", term.send(term.tap(goodCard, goodExp, 100000, false), true), "00")
	refused("tap 1 fen over the no-PIN limit", term.tap(goodCard, goodExp, 100001, false), "55", posguard.ReasonContactlessPIN)
	code(t, "tap with PIN above the limit", term.send(term.tap(goodCard, goodExp, 200000, true), true), "00")
	// No-PIN count: 3 a day per card at this merchant (the first tap was one).
	code(t, "second no-PIN tap", term.send(term.tap(goodCard, goodExp, 1000, false), true), "00")
	code(t, "third no-PIN tap", term.send(term.tap(goodCard, goodExp, 1000, false), true), "00")
	refused("fourth no-PIN tap", term.tap(goodCard, goodExp, 1000, false), "65", posguard.ReasonContactlessNoPINCount)
	code(t, "tap with PIN after the no-PIN count", term.send(term.tap(goodCard, goodExp, 1000, true), true), "00")

	// Per-card and per-terminal limits of the merchant.
	ls, ok := wd.serve.store.(posguard.MerchantLimitStore)
	if !ok {
		t.Fatalf("%T cannot set limits", wd.serve.store)
	}
	m, err := wd.serve.store.Merchant(ctx, shopMID)
	if err != nil {
		t.Fatal(err)
	}
	l := m.Limits
	l.CardDaily, l.CardDailyCount = 300000, 3
	// The per-card limits come through a limit request (提额): the
	// merchant's user files it, a risk user approves it, audited.
	shopTok := wd.userToken("shop.owner", posguard.RoleMerchant, shopMID)
	riskTok := wd.userToken("risk.wang", posguard.RoleRisk, "")
	var lr struct {
		ID    int64  `json:"id"`
		State string `json:"state"`
	}
	if st := wd.api(t, shopTok, "POST", "/v1/merchants/"+shopMID+"/limit-requests", `{"card_daily":300000,"card_daily_count":3,"reason":"tour groups"}`, &lr); st != 201 || lr.State != "pending" {
		t.Fatalf("limit request: %d %+v", st, lr)
	}
	if st := wd.api(t, shopTok, "POST", "/v1/merchants/898310058120002/limit-requests", `{"card_daily":1}`, nil); st != 404 {
		t.Fatalf("limit request for another merchant: %d, want 404", st)
	}
	if st := wd.api(t, shopTok, "POST", fmt.Sprintf("/v1/limit-requests/%d/approve", lr.ID), `{}`, nil); st != 403 {
		t.Fatalf("merchant approving its own request: %d, want 403", st)
	}
	if st := wd.api(t, riskTok, "POST", fmt.Sprintf("/v1/limit-requests/%d/approve", lr.ID), `{"note":"history checked"}`, &lr); st != 200 || lr.State != "approved" {
		t.Fatalf("approve: %d %+v", st, lr)
	}
	if got, _ := wd.serve.store.Merchant(ctx, shopMID); got.Limits != l {
		t.Fatalf("limits after approval %+v, want %+v", got.Limits, l)
	}
	var audit struct {
		Records []struct {
			Object string `json:"object"`
		} `json:"records"`
	}
	wd.api(t, wd.userToken("audit.admin", posguard.RoleAdmin, ""), "GET", "/v1/audit?limit=50", "", &audit)
	approvals := 0
	for _, r := range audit.Records {
		if r.Object == fmt.Sprintf("limit-requests/%d", lr.ID) {
			approvals++
		}
	}
	if approvals < 2 {
		t.Fatalf("audit has %d records of limit request %d, want its filing and approval: %+v", approvals, lr.ID, audit.Records)
	}
	s1 := term.sale(good2Card, good2Exp, "123456", 200000)
	a1 := code(t, "card sale 1", term.send(s1.Clone(), true), "00")
	refused("card over its daily amount", term.sale(good2Card, good2Exp, "123456", 100001), "61", posguard.ReasonLimitCardAmount)
	code(t, "card at its daily amount", term.send(term.sale(good2Card, good2Exp, "123456", 100000), true), "00")
	code(t, "void gives amount and count back", term.send(term.void(good2Card, good2Exp, s1, a1, 200000), true), "00")
	code(t, "card sale after the void", term.send(term.sale(good2Card, good2Exp, "123456", 1000), true), "00")
	code(t, "card sale 3", term.send(term.sale(good2Card, good2Exp, "123456", 1000), true), "00")
	refused("card over its daily count", term.sale(good2Card, good2Exp, "123456", 1000), "65", posguard.ReasonLimitCardCount)

	// Per terminal: 2 sales a day per terminal, whatever the card; on
	// 10000003, which has made none yet.
	l.TerminalDailyCount = 2
	if _, err := ls.SetMerchantLimits(ctx, shopMID, l); err != nil {
		t.Fatal(err)
	}
	wd.serve.Switch.ForgetMerchant(shopMID)
	t3 := dialRaw(t, wd.termAdr, "10000003", shopMID, "18C2BD236566736EE7BD44585BD32701", "001", "cups-ecb")
	if c := t3.signOn(); c != "00" {
		t.Fatalf("sign-on 10000003: %s", c)
	}
	third := posguard.PAN("6225880000000027")
	code(t, "terminal sale 1", t3.send(t3.sale(third, "2911", "123456", 500), true), "00")
	code(t, "terminal sale 2", t3.send(t3.sale(lowCard, lowExp, "123456", 500), true), "00")
	over := t3.sale(third, "2911", "123456", 500)
	code(t, "terminal over its daily count", t3.send(over.Clone(), true), "65")
	if r := reasonOf(t, wd, over); r != posguard.ReasonLimitTerminalCount {
		t.Fatalf("terminal count reason %q", r)
	}
	wd.checkMoney(ctx)
}

// api calls the host's HTTP API with token tok and decodes a JSON answer
// into out (when not nil); it returns the status.
func (wd *world) api(t *testing.T, tok, method, path, body string, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+wd.httpAdr+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
	}
	return resp.StatusCode
}
