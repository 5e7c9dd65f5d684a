package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard"
)

const (
	stallTID, stallMID, stallTMK = "10000004", "898310058120002", "2559268975F599E436A19918FA1C3C5F"
	stallAccount                 = "4300150160052000777" // frozen in the demo world
)

// TestMoneyAfterAuthorization follows sales through the running host to
// the merchant's bank: the ledger posts them, `posguard settle` settles the
// day (twice: the second run changes nothing), the payout to a frozen
// account fails, the money is held and a case opened, the merchant sees
// why; the account is fixed, the batch re-settled and paid exactly once.
func TestMoneyAfterAuthorization(t *testing.T) {
	wd := startWorld(t, "", 5*time.Second, "--payout-every", "100ms")
	ctx := context.Background()
	term := dialRaw(t, wd.termAdr, stallTID, stallMID, stallTMK, "003", "cups-ecb")
	if c := term.signOn(); c != "00" {
		t.Fatalf("sign-on: %s", c)
	}
	var ids []int64
	for _, amt := range []posguard.Amount{10000, 25050} {
		code(t, "sale", term.send(term.sale(good2Card, good2Exp, "123456", amt), true), "00")
	}
	list, err := wd.serve.store.List(ctx, posguard.TxnFilter{MerchantID: stallMID})
	if err != nil || len(list) != 2 {
		t.Fatalf("journal: %d transactions, err %v", len(list), err)
	}
	date := list[0].SettlementDate
	for _, tx := range list {
		ids = append(ids, tx.ID)
	}

	settle := func() string {
		// The poster runs every 2 s; settle drains it itself first.
		// The day is still open on the real clock: settle as if it had
		// closed (posguard settle refuses an open day).
		var out, errb bytes.Buffer
		c := &SettleCommand{Stdout: &out, Stderr: &errb, Now: func() time.Time { return time.Now().Add(48 * time.Hour) }}
		if err := c.ParseFlags([]string{"--db", wd.db, "--date", date}); err != nil {
			t.Fatal(err)
		}
		err := c.Run(ctx)
		c.Close()
		if err != nil {
			t.Fatalf("settle: %v: %s", err, errb.String())
		}
		return out.String()
	}
	first := settle()
	if !strings.Contains(first, "queued") {
		t.Fatalf("first settle queued no payout:\n%s", first)
	}
	second := settle()
	if strings.Contains(second, "queued") {
		t.Fatalf("second settle for the same date did something:\n%s", second)
	}

	var stmt, serr bytes.Buffer
	if code := Main(ctx, []string{"statement", "--db", wd.db, "--merchant", stallMID, "--from", date, "--to", date}, &stmt, &serr); code != 0 {
		t.Fatalf("statement: exit %d: %s", code, serr.String())
	}
	if lines := strings.Split(strings.TrimSpace(stmt.String()), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[1], date+",2,") {
		t.Fatalf("statement for %s:\n%s", date, stmt.String())
	}

	// Users made with the CLI while the host runs: an operator reads, the
	// merchant asks for its account change, a finance user approves and
	// re-settles.
	opTok := wd.userToken("li.ops", posguard.RoleOperator, "")
	shopTok := wd.userToken("m"+stallMID, posguard.RoleMerchant, stallMID)
	finTok := wd.userToken("zhao.fin", posguard.RoleFinance, "")
	as := func(tok, method, path, body string, want int) map[string]any {
		t.Helper()
		st, v := callJSON(t, tok, method, "http://"+wd.httpAdr+path, body)
		if st != want {
			t.Fatalf("%s %s: %d, want %d: %v", method, path, st, want, v)
		}
		return v
	}
	api := func(method, path, body string, want int) map[string]any {
		t.Helper()
		return as(opTok, method, path, body, want)
	}
	where := func(id int64) map[string]any {
		return api("GET", fmt.Sprintf("/v1/transactions/%d/settlement", id), "", 200)
	}
	eventually := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); !ok(); {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within 20s", what)
			}
			time.Sleep(50 * time.Millisecond) // the payout loop runs on its own ticker
		}
	}
	eventually("payout to the frozen account fails and the money is held", func() bool { return where(ids[0])["where"] == "held" })
	if w := where(ids[1]); w["where"] != "held" || !strings.Contains(fmt.Sprint(w["reason"]), "frozen") {
		t.Fatalf("second sale: %v", w)
	}
	var cases []*posguard.Case
	eventually("a payout case is opened", func() bool {
		cases, err = wd.serve.store.Cases(ctx, posguard.CaseFilter{Kind: posguard.CasePayoutFailed})
		return err == nil && len(cases) > 0
	})
	if len(cases) != 1 || cases[0].MerchantID != stallMID {
		t.Fatalf("payout cases: %+v", cases)
	}
	mine := api("GET", "/v1/merchants/"+stallMID+"/settlements", "", 200)
	if strings.Contains(fmt.Sprint(mine), stallAccount) {
		t.Fatal("the merchant view shows the full account number")
	}
	batch := mine["batches"].([]any)[0].(map[string]any)

	// The merchant has the account unfrozen at the bank and asks for the
	// change (re-verified with the bank); a finance user approves it and
	// re-settles the batch. The operator may do neither.
	wd.serve.Bank.SetAccount(posguard.SettlementAccount{Bank: "CCB", Number: stallAccount, Name: "王建国", Status: "ok"})
	change := as(shopTok, "PUT", "/v1/merchants/"+stallMID+"/settlement-account", `{"bank":"CCB","number":"`+stallAccount+`","name":"王建国"}`, 202)
	if change["state"] != "pending" || change["requested_by"] != "m"+stallMID {
		t.Fatalf("change request: %v", change)
	}
	approve := fmt.Sprintf("/v1/account-changes/%v/approve", change["id"])
	api("POST", approve, "", 403)
	as(finTok, "POST", approve, "", 200)
	api("POST", "/v1/settlements/"+batch["id"].(string)+"/resettle", "", 403)
	as(finTok, "POST", "/v1/settlements/"+batch["id"].(string)+"/resettle", "", 200)
	eventually("re-settled payout is paid", func() bool { return where(ids[0])["where"] == "paid" })
	// The statement API agrees: two sales, all of it settled and paid, nothing
	// left held. (Payout postings carry the day they happened, which may be
	// the calendar day next to the settlement date: read three days.)
	d, _ := time.Parse("2006-01-02", date)
	span := "?from=" + d.AddDate(0, 0, -1).Format("2006-01-02") + "&to=" + d.AddDate(0, 0, 1).Format("2006-01-02")
	sm := api("GET", "/v1/merchants/"+stallMID+"/statement"+span, "", 200)
	var sales, gross, settled, paid, held, resettled float64
	for _, r := range sm["rows"].([]any) {
		row := r.(map[string]any)
		sales += row["sales"].(float64)
		gross += row["sales_gross"].(float64)
		settled += row["settled"].(float64)
		paid += row["paid"].(float64)
		held += row["held"].(float64)
		resettled += row["resettled"].(float64)
	}
	if sales != 2 || gross != 35050 || settled == 0 || paid != settled || held != resettled {
		t.Fatalf("statement: sales %v gross %v settled %v paid %v held %v resettled %v\n%v", sales, gross, settled, paid, held, resettled, sm)
	}
	api("GET", "/v1/merchants/"+stallMID+"/statement?from=2026-13-01&to="+date, "", 400)

	// Exactly one payout of the batch succeeded, and the bank credited it once.
	mine = api("GET", "/v1/merchants/"+stallMID+"/settlements", "", 200)
	succeeded := 0
	for _, b := range mine["batches"].([]any) {
		for _, p := range b.(map[string]any)["payouts"].([]any) {
			p := p.(map[string]any)
			if p["state"] == "succeeded" {
				succeeded++
				if n := wd.serve.Bank.Credits(p["id"].(string)); n != 1 {
					t.Fatalf("payout %s credited %d times", p["id"], n)
				}
			}
		}
	}
	if succeeded != 1 {
		t.Fatalf("%d payouts succeeded, want exactly one: %v", succeeded, mine)
	}
	// The payout runner writes its outcome's audit record just after the
	// payout's state: wait for it before reading the story.
	eventually("the re-settled payout's outcome is in the audit log", func() bool {
		for _, r := range as(opTok, "GET", "/v1/audit?action=payout", "", 200)["records"].([]any) {
			if r.(map[string]any)["outcome"] == "succeeded" {
				return true
			}
		}
		return false
	})
	checkAuditStory(t, wd, as, opTok)
}
