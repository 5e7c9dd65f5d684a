package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/ledger"
	"github.com/posguard/posguard/postgres/pgtest"
)

// TestDisputeLateRulingAndArbitration runs a chargeback through simnet
// with a ruling delay, on SQLite and PostgreSQL: the merchant responds
// without its own evidence (4515 needs it) and the dispute waits for the
// ruling (responded); the network's ruling run rules it lost, which the
// host's fetch picks up from the dispute file; the merchant adds its
// evidence and escalates to arbitration; the network rules again, won,
// and the merchant is credited back. The ledger verifies after every step
// and the merchant's payable moves by the chargeback's amount exactly
// twice (debited, credited back); a second escalation is refused.
func TestDisputeLateRulingAndArbitration(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			dsn := ""
			if db == "postgres" {
				dsn = pgtest.URL(t)
			}
			wd := startWorldOn(t, dsn, nil, "", 5*time.Second, "--disputes-url", "http://{admin}", "--dispute-every", "50ms")
			wd.simnet.Net.SetDisputeRulingDelay(time.Hour)
			lateRulingStory(t, wd)
		})
	}
}

func lateRulingStory(t *testing.T, wd *world) {
	ctx := context.Background()
	term := dialRaw(t, wd.termAdr, shopTID, shopMID, shopTMK, "003", "cups-ecb")
	if c := term.signOn(); c != "00" {
		t.Fatalf("sign-on: %s", c)
	}
	rrn := code(t, "sale", term.send(term.sale(goodCard, goodExp, "123456", 4200), true), "00").Get(37)
	shopTok := wd.userToken("m"+shopMID, posguard.RoleMerchant, shopMID)
	opsTok := wd.userToken("li.ops", posguard.RoleOperator, "")
	call := func(tok, method, url, body string) (int, map[string]any) {
		t.Helper()
		return callJSON(t, tok, method, url, body)
	}
	api := "http://" + wd.httpAdr + "/v1/disputes/"
	// disputed is what the dispute's postings did to the merchant's payable
	// (the sale's own posting comes from the ledger poster, on its own
	// time); the whole ledger verifies each time it is read.
	var cb string
	disputed := func() posguard.Amount {
		t.Helper()
		money := wd.serve.store.Money()
		if _, err := ledger.Verify(ctx, money); err != nil {
			t.Fatalf("ledger: %v", err)
		}
		var sum posguard.Amount
		for seq := int64(0); ; {
			ps, err := money.Postings(ctx, seq, 1000)
			if err != nil {
				t.Fatal(err)
			}
			if len(ps) == 0 {
				return sum
			}
			for _, p := range ps {
				seq = p.Seq
				if p.Ref != cb {
					continue
				}
				for _, e := range p.Entries {
					if strings.HasPrefix(string(e.Account), "merchant_payable:") {
						sum += e.Amount
					}
				}
			}
		}
	}
	waitState := func(id, state string) map[string]any {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			st, v := call(opsTok, "GET", api+id, "")
			if st == 200 && v["state"] == state && v["case_id"] != nil && v["case_id"] != 0.0 {
				return v
			}
			if time.Now().After(deadline) {
				t.Fatalf("dispute %s: %d %v, want state %s", id, st, v, state)
			}
			time.Sleep(20 * time.Millisecond) // polling the host's fetch loop
		}
	}
	rule := func() {
		t.Helper()
		res, err := http.Post("http://"+wd.admin+"/disputes/rule", "application/json", nil)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("simnet ruling run: %v", err)
		}
		res.Body.Close()
	}

	cb = raiseAndImport(t, wd, rrn, "chargeback", "4515")
	waitState(cb, "open")
	if got := disputed(); got != 4200 {
		t.Fatalf("the chargeback moved %s on the merchant's payable, want 42.00 debited", got)
	}

	// The response goes without the merchant's evidence: pending.
	st, v := call(shopTok, "POST", api+cb+"/respond", `{}`)
	if st != 200 || v["state"] != "responded" || v["responded_at"] == nil {
		t.Fatalf("respond: %d %v", st, v)
	}
	if st, _ := call(shopTok, "POST", api+cb+"/escalate", `{}`); st != 409 {
		t.Errorf("escalating before the ruling: %d, want 409", st)
	}
	if st, _ := call(shopTok, "POST", api+cb+"/respond", `{}`); st != 409 {
		t.Errorf("responding twice: %d, want 409", st)
	}
	// The network rules (lost: 4515 needs the merchant's evidence); the
	// host's fetch picks the ruling up from the file.
	rule()
	v = waitState(cb, "lost")
	if v["lost_by"] != "network" || disputed() != 4200 {
		t.Fatalf("representment lost: %v; disputed %s", v["lost_by"], disputed())
	}
	// The merchant adds its evidence and escalates to arbitration.
	if st, v := call(shopTok, "POST", api+cb+"/evidence", `{"text":"the cardholder signed the slip; CCTV kept"}`); st != 201 {
		t.Fatalf("evidence for arbitration: %d %v", st, v)
	}
	st, v = call(shopTok, "POST", api+cb+"/escalate", `{}`)
	if st != 200 || v["state"] != "arbitration" {
		t.Fatalf("escalate: %d %v", st, v)
	}
	if disputed() != 4200 {
		t.Fatal("escalating moved money")
	}
	rule()
	v = waitState(cb, "won")
	if !strings.Contains(fmt.Sprint(v["outcome"]), "arbitration") {
		t.Errorf("outcome %v", v["outcome"])
	}
	if got := disputed(); got != 0 {
		t.Fatalf("after arbitration won the dispute's postings leave %s on the merchant's payable, want 0 (credited back)", got)
	}
	if st, _ := call(shopTok, "POST", api+cb+"/escalate", `{}`); st != 409 {
		t.Errorf("escalating a won dispute: %d, want 409", st)
	}
	// The case tells the story (its outcome is written just after the
	// dispute's state: wait for it).
	d, err := wd.serve.store.Dispute(ctx, cb)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		es, err := wd.serve.store.CaseEntries(ctx, d.CaseID)
		if err != nil {
			t.Fatal(err)
		}
		var story strings.Builder
		for _, e := range es {
			story.WriteString(e.Text + "\n")
		}
		missing := ""
		for _, want := range []string{"awaiting the network's ruling", "representment lost", "escalated to arbitration", "arbitration won"} {
			if !strings.Contains(story.String(), want) {
				missing = want
			}
		}
		if missing == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("case lacks %q:\n%s", missing, story.String())
		}
		time.Sleep(20 * time.Millisecond) // the fetch loop finishing the ruling
	}
}
