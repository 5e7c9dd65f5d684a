package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard"
)

// browserOrSkip returns Chromium, node and the screenshots' directory, or
// skips the test saying what is missing.
func browserOrSkip(t *testing.T) (chromium, node, shots string) {
	t.Helper()
	chromium = os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Skipf("no Chromium at %s (apt-get install chromium, or set CHROMIUM): %v", chromium, err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("no node on PATH: the console's end-to-end test needs Node.js")
	}
	if _, err := os.Stat(filepath.Join(e2eDir, "node_modules", "playwright-core")); err != nil {
		t.Skipf("no playwright-core in %s/node_modules (run npm ci there)", e2eDir)
	}
	shots = os.Getenv("POSGUARD_CONSOLE_SHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	return chromium, node, shots
}

// TestConsoleInChromiumQR runs console/e2e/qr.e2e.js in headless Chromium
// against the real host and the simulated wallet channel: the merchant
// "stall" (898310058120002) finds its paid order by its order number,
// opens it, is refused a refund above the refundable amount, refunds
// 12.34 of 50.00 元 and sees the refund and the new refundable amount;
// the statement lists the payment and the refund by the order number;
// another merchant's order is the 404 page; an operator finds the order by
// the channel's transaction number. Then the test checks that the money
// really went back (the channel's account) and that the refund is in the
// API's view of the order and in the audit log.
func TestConsoleInChromiumQR(t *testing.T) {
	chromium, node, shots := browserOrSkip(t)
	qw := startQRWorld(t)
	ctx := context.Background()
	st := qw.serve.store
	consoleUsers(t, st, []posguard.User{
		{Name: "stall", Role: posguard.RoleMerchant, MerchantID: qrOtherMID},
		{Name: "ops", Role: posguard.RoleOperator},
	})
	// The stall's system takes 50.00 元 by payment code; another merchant
	// takes 8.00 元.
	const code = "134567000000000071"
	status, mine := qw.call("POST", "/v1/qr/orders", qw.other, map[string]any{"out_order_no": "STALL-E2E-0001", "amount": 5000, "auth_code": code})
	if status != 201 || mine["state"] != "succeeded" {
		t.Fatalf("stall's order: %d %v", status, mine)
	}
	other := qw.order(201, map[string]any{"out_order_no": "SHOP-E2E-0001", "amount": 800, "auth_code": "134567000000000072"})

	// Its payment reaches the ledger (the QR poster runs every 2 s) before
	// the browser looks at the statement; the span covers the settlement
	// date whatever the host's cutoff.
	cst := time.Now().In(time.FixedZone("CST", 8*3600))
	from, to := cst.AddDate(0, 0, -1).Format("2006-01-02"), cst.AddDate(0, 0, 1).Format("2006-01-02")
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, stmt := qw.call("GET", "/v1/merchants/"+qrOtherMID+"/statement?from="+from+"&to="+to, qw.other, nil)
		if lines, _ := stmt["qr_orders"].([]any); len(lines) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the payment is not in the statement: %v", stmt)
		}
		time.Sleep(100 * time.Millisecond) // the poster runs on its own ticker
	}

	cmd := exec.Command(node, "qr.e2e.js")
	cmd.Dir = e2eDir
	cmd.Env = append(os.Environ(),
		"BASE_URL=http://"+qw.httpAdr,
		"MERCHANT_USER=stall", "MERCHANT_PASS=pass-stall-2026",
		"OPERATOR_USER=ops", "OPERATOR_PASS=pass-ops-2026",
		"OUT_ORDER_NO=STALL-E2E-0001", "TRANSACTION_ID="+mine["transaction_id"].(string),
		"OTHER_ORDER_ID="+other["id"].(string), "STATEMENT_FROM="+from, "STATEMENT_TO="+to, "SHOTS_DIR="+shots, "CHROMIUM="+chromium)
	output, err := cmd.CombinedOutput()
	t.Logf("qr.e2e.js:\n%s", output)
	if err != nil {
		t.Fatalf("the console's QR end-to-end test failed: %v", err)
	}

	// The refund went through the engine: the channel returned the money,
	// the API shows it, the audit log names the user.
	id := mine["id"].(string)
	_, got := qw.call("GET", "/v1/qr/orders/"+id, qw.other, nil)
	refunds, _ := got["refunds"].([]any)
	if got["refunded_amount"] != float64(1234) || len(refunds) != 1 || refunds[0].(map[string]any)["state"] != "succeeded" {
		t.Fatalf("order after the console refund: %v", got)
	}
	if held := qw.account("134567").netHeld(mine["out_trade_no"].(string)); held != 5000-1234 {
		t.Fatalf("the channel still holds %d fen of the order, want %d", held, 5000-1234)
	}
	recs, err := st.Access().AuditRecords(ctx, posguard.AuditFilter{Action: "console POST /qr/{id}/refunds", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var ok, refused int
	for _, r := range recs {
		switch {
		case r.User == "stall" && r.Outcome == "ok" && r.Object == "qr/"+id && strings.Contains(r.Changes, `"amount":1234`):
			ok++
		case r.User == "stall" && r.Outcome == posguard.ECONFLICT:
			refused++
		}
	}
	if ok != 1 || refused != 1 {
		t.Fatalf("audit: %d refunds and %d refusals by stall, want 1 and 1: %+v", ok, refused, recs)
	}
}
