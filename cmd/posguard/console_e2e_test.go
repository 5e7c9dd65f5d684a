package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/access"
)

// e2eDir is the console's end-to-end test package (playwright-core).
const e2eDir = "../../console/e2e"

// consoleUsers creates the console users of a browser test, each with
// the password pass-NAME-2026.
func consoleUsers(t *testing.T, st hostStore, users []posguard.User) {
	t.Helper()
	for _, u := range users {
		h, err := access.HashPassword("pass-" + u.Name + "-2026")
		if err != nil {
			t.Fatal(err)
		}
		u.PasswordHash = h
		if err := st.Access().CreateUser(context.Background(), &u); err != nil {
			t.Fatal(err)
		}
	}
}

// TestConsoleInChromium runs console/e2e/console.e2e.js in headless
// Chromium against the real host on a temporary SQLite database, after
// making the demo story happen: the "stall" merchant (whose settlement
// account is frozen at the bank) has an approved sale, a sale declined 51
// (insufficient funds) on the card ending 0092, a settled day whose payout
// failed and is held, an issuer outage that opened an incident, and a
// chargeback of the approved sale imported from simnet, and a sale over the
// merchant's per-transaction limit (61): the script files a limit request
// (提额) as the merchant and approves it as a risk user, after which the
// same sale is approved. The
// script logs in as that merchant and as an operator (see the script for
// every check). Screenshots go to a temporary directory, or to
// POSGUARD_CONSOLE_SHOTS (docs/console for the docs: POSGUARD_CONSOLE_SHOTS=
// $PWD/docs/console go test ./cmd/posguard -run Chromium).
//
// It skips, saying why, when Chromium, node or the e2e package's
// node_modules are missing (CI installs them: .ci/run).
func TestConsoleInChromium(t *testing.T) {
	chromium, node, shots := browserOrSkip(t)

	wd := startWorld(t, "", 300*time.Millisecond, "--payout-every", "100ms", "--incident-window", "6s",
		"--disputes-url", "http://{admin}", "--dispute-every", "100ms")
	ctx := context.Background()
	st := wd.serve.store
	consoleUsers(t, st, []posguard.User{
		{Name: "stall", Role: posguard.RoleMerchant, MerchantID: stallMID},
		{Name: "ops", Role: posguard.RoleOperator},
		{Name: "riskdesk", Role: posguard.RoleRisk},
	})

	// Sales: one approved, one declined 51 on the card ending 0092.
	term := dialRaw(t, wd.termAdr, stallTID, stallMID, stallTMK, "003", "cups-ecb")
	if c := term.signOn(); c != "00" {
		t.Fatalf("sign-on: %s", c)
	}
	sale := code(t, "sale", term.send(term.sale(good2Card, good2Exp, "123456", 25050), true), "00")
	code(t, "sale on a card without funds", term.send(term.sale(lowCard, lowExp, "123456", 10000), true), "51")
	// Over the merchant's per-transaction limit (5,000 元): the script files
	// a limit request (提额) for 8,000 元, which the risk user approves.
	code(t, "sale over the per-transaction limit", term.send(term.sale(goodCard, goodExp, "123456", 600000), true), "61")

	// Settle the day: the payout to the frozen account fails and is held.
	list, err := st.List(ctx, posguard.TxnFilter{MerchantID: stallMID, Limit: 1})
	if err != nil || len(list) == 0 {
		t.Fatalf("journal: %v", err)
	}
	var out, errb bytes.Buffer
	if c := settleAsClosed(ctx, wd.db, list[0].SettlementDate, &out, &errb); c != 0 {
		t.Fatalf("settle: exit %d: %s", c, errb.String())
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		ps, err := st.Money().Payouts(ctx, posguard.PayoutFilter{MerchantID: stallMID, States: []posguard.PayoutState{posguard.PayoutFailed}})
		if err == nil && len(ps) > 0 && ps[0].CaseID != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the payout to the frozen account did not fail and open a case within 20s (%v)", err)
		}
		time.Sleep(50 * time.Millisecond) // the payout loop runs on its own ticker
	}

	// An issuer outage: its sales time out until the host opens an incident.
	if err := postFaults(wd.admin, "outage=622202:120s"); err != nil {
		t.Fatal(err)
	}
	cards := []struct {
		pan posguard.PAN
		exp string
	}{{"6222020000000000042", "2812"}, {"6222020000000000067", "3106"}, {"6222020000000000083", "3204"}}
	n := 0
	waitIncident(t, wd, posguard.IncidentOpen, func() {
		c := cards[n%len(cards)]
		term.send(term.sale(c.pan, c.exp, "123456", 100), true)
		n++
	})

	// The network charges the approved sale back (4515: the merchant's
	// evidence is needed); the host imports it.
	disputeID := raiseAndImport(t, wd, sale.Get(37), "chargeback", "4515")

	cmd := exec.Command(node, "console.e2e.js")
	cmd.Dir = e2eDir
	cmd.Env = append(os.Environ(),
		"BASE_URL=http://"+wd.httpAdr,
		"MERCHANT_USER=stall", "MERCHANT_PASS=pass-stall-2026",
		"OPERATOR_USER=ops", "OPERATOR_PASS=pass-ops-2026", "RISK_USER=riskdesk", "RISK_PASS=pass-riskdesk-2026",
		"CARD_TAIL=0092", "DISPUTE_ID="+disputeID, "SHOTS_DIR="+shots, "CHROMIUM="+chromium)
	output, err := cmd.CombinedOutput()
	t.Logf("console.e2e.js:\n%s", output)
	if err != nil {
		t.Fatalf("the console's end-to-end test failed: %v", err)
	}
	// The limit request the script filed and the risk user approved is in
	// effect: the same sale is approved now.
	code(t, "sale over the old limit after the approved limit request", term.send(term.sale(goodCard, goodExp, "123456", 600000), true), "00")
}
