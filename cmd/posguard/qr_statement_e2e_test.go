package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"
	"time"
)

// TestQRStatement: through the real host and simwallet, a QR payment of
// 100.00 元 and a refund of 40.00 元 of merchant 898310048990001 (the demo
// world's standard plan: QR 0.38 %) appear in its statement beside card
// sales: in the API's JSON (qr_orders and the QR columns), and in the CSV
// that posguard statement writes, with the merchant's order and refund
// numbers and the channel's transaction id.
func TestQRStatement(t *testing.T) {
	qw := startQRWorld(t)
	paid := qw.order(201, map[string]any{"out_order_no": "STMT-0001", "amount": 10000, "auth_code": "134567000000000091"})
	if paid["state"] != "succeeded" {
		t.Fatalf("order: %v", paid)
	}
	if st, m := qw.call("POST", "/v1/qr/orders/"+paid["id"].(string)+"/refunds", qw.shop, map[string]any{"out_refund_no": "STMT-R1", "amount": 4000}); st != 201 || m["state"] != "succeeded" {
		t.Fatalf("refund: %d %v", st, m)
	}
	// The QR ledger poster runs every 2 s: poll the statement until both
	// movements are posted. The span covers yesterday to tomorrow (the
	// settlement date follows the host's cutoff).
	now := time.Now().In(time.FixedZone("CST", 8*3600))
	from, to := now.AddDate(0, 0, -1).Format("2006-01-02"), now.AddDate(0, 0, 1).Format("2006-01-02")
	var lines []any
	var body map[string]any
	deadline := time.Now().Add(20 * time.Second)
	for {
		var st int
		st, body = qw.call("GET", "/v1/merchants/"+qrMID+"/statement?from="+from+"&to="+to, qw.shop, nil)
		lines, _ = body["qr_orders"].([]any)
		if st == 200 && len(lines) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("statement: %d %v", st, body)
		}
		time.Sleep(100 * time.Millisecond) // the poster runs on its own ticker
	}
	pay, ref := lines[0].(map[string]any), lines[1].(map[string]any)
	if pay["kind"] != "payment" || pay["out_order_no"] != "STMT-0001" || pay["channel"] != "wechat" || pay["transaction_id"] != paid["transaction_id"] ||
		pay["amount"] != float64(10000) || pay["fee"] != float64(38) || pay["net"] != float64(9962) {
		t.Errorf("payment line %v", pay)
	}
	if ref["kind"] != "refund" || ref["out_order_no"] != "STMT-0001" || ref["out_refund_no"] != "STMT-R1" || ref["amount"] != float64(4000) ||
		ref["fee"] != float64(-15) || ref["net"] != float64(-3985) {
		t.Errorf("refund line %v", ref)
	}
	rows, _ := body["rows"].([]any)
	var qrSales, qrGross, qrRefunds, qrFees float64
	for _, r := range rows {
		m := r.(map[string]any)
		qrSales += m["qr_sales"].(float64)
		qrGross += m["qr_gross"].(float64)
		qrRefunds += m["qr_refunds"].(float64)
		qrFees += m["qr_fees"].(float64)
	}
	if qrSales != 1 || qrGross != 10000 || qrRefunds != 4000 || qrFees != 38-15 {
		t.Errorf("QR columns: %v sales, %v gross, %v refunded, %v fees", qrSales, qrGross, qrRefunds, qrFees)
	}

	// posguard statement writes the same lines into its CSV.
	var out, errb bytes.Buffer
	if code := Main(context.Background(), []string{"statement", "--db", qw.db, "--merchant", qrMID, "--from", from, "--to", to}, &out, &errb); code != 0 {
		t.Fatalf("statement: exit %d: %s", code, errb.String())
	}
	text := out.String()
	recs, err := csv.NewReader(strings.NewReader(text)).ReadAll()
	if err != nil {
		t.Fatalf("statement CSV: %v\n%s", err, text)
	}
	var found int
	for _, r := range recs {
		if r[0] == "QR" && r[4] == "STMT-0001" && r[6] == paid["transaction_id"] {
			found++
			if r[2] == "支付 payment" && (r[9] != "100.00" || r[10] != "0.38") || r[2] == "退款 refund" && (r[8] != "STMT-R1" || r[11] != "-39.85") {
				t.Errorf("CSV line %q", r)
			}
		}
	}
	if found != 2 || !strings.Contains(text, "扫码明细 qr") {
		t.Errorf("the CSV lists %d QR lines of the order:\n%s", found, text)
	}
}
