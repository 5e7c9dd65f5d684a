package http_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestReceipt: an approved sale has an electronic receipt with the slip's
// fields (card masked 6 + 4, time in UTC+8, amount in yuan), linked from
// the transaction; a declined one has none; another merchant's user gets
// the same 404 as for a missing transaction; format=text prints the
// bilingual slip.
func TestReceipt(t *testing.T) {
	a := newAccessWorld(t)
	id := a.approved.ID
	path := fmt.Sprintf("/v1/transactions/%d/receipt", id)

	st, raw := a.as(t, a.tok["shop1"], "GET", fmt.Sprintf("/v1/transactions/%d", id), "")
	if st != 200 || !strings.Contains(raw, `"receipt_url":"`+path+`"`) {
		t.Fatalf("transaction does not link its receipt: %d %s", st, raw)
	}
	var r struct {
		TxnID             int64  `json:"txn_id"`
		MerchantID        string `json:"merchant_id"`
		MerchantName      string `json:"merchant_name"`
		TerminalID        string `json:"terminal_id"`
		Card              string `json:"card"`
		Type              string `json:"type"`
		TypeName          struct{ ZH, EN string }
		Batch, STAN, RRN  string
		Time              string `json:"time"`
		AmountYuan        string `json:"amount_yuan"`
		SignatureRequired bool   `json:"signature_required"`
		Text              string `json:"text"`
	}
	for _, who := range []string{"shop1", "ops", "fin"} {
		st, raw = a.as(t, a.tok[who], "GET", path, "")
		if st != 200 {
			t.Fatalf("%s: receipt %d %s", who, st, raw)
		}
	}
	if err := jsonDecode(raw, &r); err != nil {
		t.Fatal(err)
	}
	if r.TxnID != id || r.MerchantID != m1 || r.MerchantName != "Tea House" || r.TerminalID != "T0000001" ||
		r.Card != "622588******5678" || r.Type != "sale" || r.AmountYuan != "12.34" || r.RRN != a.approved.RRN ||
		!r.SignatureRequired || !strings.HasSuffix(r.Time, "+08:00") {
		t.Errorf("receipt fields: %+v", r)
	}
	for _, want := range []string{"商户名称 MERCHANT NAME: Tea House", "卡号 CARD NO.: 622588******5678", "RMB 12.34",
		"参考号 REF NO.: " + a.approved.RRN, "消费 SALE", "持卡人签名"} {
		if !strings.Contains(r.Text, want) {
			t.Errorf("slip text lacks %q:\n%s", want, r.Text)
		}
	}
	if strings.Contains(raw, panCUP) {
		t.Fatal("full card number in the receipt")
	}
	// Plain text.
	st, raw = a.as(t, a.tok["shop1"], "GET", path+"?format=text", "")
	if st != 200 || !strings.HasPrefix(raw, "银联POS电子签购单") || !strings.Contains(raw, "622588******5678") {
		t.Fatalf("text receipt: %d %s", st, raw)
	}
	if st, _ = a.as(t, a.tok["shop1"], "GET", path+"?format=pdfx", ""); st != 400 {
		t.Errorf("unknown format: %d, want 400", st)
	}
	// Another merchant: exactly as missing.
	st, other := a.as(t, a.tok["shop2"], "GET", path, "")
	_, missing := a.as(t, a.tok["shop2"], "GET", "/v1/transactions/99999999/receipt", "")
	if st != 404 || strings.ReplaceAll(other, fmt.Sprint(id), "N") != strings.ReplaceAll(missing, "99999999", "N") {
		t.Errorf("M2 on M1's receipt: %d %s (missing: %s)", st, other, missing)
	}
	// A declined transaction has no receipt, and no link to one.
	if st, raw = a.as(t, a.tok["shop1"], "GET", fmt.Sprintf("/v1/transactions/%d/receipt", a.declined.ID), ""); st != 404 {
		t.Errorf("declined receipt: %d %s", st, raw)
	}
	if _, raw = a.as(t, a.tok["shop1"], "GET", fmt.Sprintf("/v1/transactions/%d", a.declined.ID), ""); strings.Contains(raw, "receipt_url") {
		t.Errorf("declined transaction links a receipt: %s", raw)
	}
}
