package console_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/posguard/posguard"
)

// TestQRRefundHistory: a refund's page shows every exchange with the
// channel, not just the last answer: each request, the answer, its
// meaning (a channel code from the knowledge base, a refund_state, no
// trusted answer) in zh and en, and its time; to the merchant that owns
// the order, to operators and administrators; another merchant gets 404.
func TestQRRefundHistory(t *testing.T) {
	w := newQRWorld(t)
	ctx := context.Background()
	q := w.store.QR()
	rf, created, err := q.CreateQRRefund(ctx, &posguard.QRRefund{OrderID: 2, MerchantID: midB, OutRefundNo: "HIST-1", Amount: 100,
		RequestHash: "h"}, "PRTEST")
	if err != nil || !created {
		t.Fatalf("refund: %v %v", created, err)
	}
	query, none := posguard.QRRefundTaskQuery, posguard.QRTaskNone
	for _, u := range []posguard.QRRefundUpdate{
		{Task: &query, Attempted: true, LastError: ptrTo("refund: SYSTEMERROR"),
			Exchange: &posguard.QRRefundExchange{Request: posguard.QRExchangeRefund, Answer: "refund: SYSTEMERROR"}},
		{Task: &query, Attempted: true, LastError: ptrTo("refund query: read tcp: i/o timeout"),
			Exchange: &posguard.QRRefundExchange{Request: posguard.QRExchangeRefundQuery, Answer: "refund query: read tcp: i/o timeout"}},
		{Task: &query, Attempted: true, LastError: ptrTo("refund query: PROCESSING"),
			Exchange: &posguard.QRRefundExchange{Request: posguard.QRExchangeRefundQuery, Answer: "refund query: PROCESSING"}},
		{State: posguard.QRRefundSucceeded, Task: &none, Attempted: true, LastError: ptrTo(""),
			Exchange: &posguard.QRRefundExchange{Request: posguard.QRExchangeRefundQuery, Answer: "refund query: SUCCESS"}},
	} {
		u.ID, u.From = rf.ID, posguard.QRRefundProcessing
		if _, err := q.UpdateQRRefund(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	xs, err := q.QRRefundExchanges(ctx, 2)
	if err != nil || len(xs) != 4 {
		t.Fatalf("exchanges: %d, %v", len(xs), err)
	}
	for i, x := range xs {
		if x.RefundID != rf.ID || x.OrderID != 2 || x.MerchantID != midB || x.At.IsZero() {
			t.Errorf("exchange %d: %+v", i, x)
		}
	}
	want := map[string][]string{
		"zh": {"申请退款（/pay/refund）", "refund: SYSTEMERROR", "渠道系统故障", "查询退款（/pay/refund/query）",
			"refund query: read tcp: i/o timeout", "没有可信的应答", "refund query: PROCESSING", "渠道处理中", "refund query: SUCCESS", "退款成功：款项已退回付款人"},
		"en": {"Refund (/pay/refund)", "The channel failed; the request may or may not have been applied.", "No trusted answer",
			"Refund query (/pay/refund/query)", "The channel is processing it", "Refund succeeded: the money went back to the payer."},
	}
	for _, name := range []string{"shop-b", "ops", "admin"} {
		c := w.login(t, name)
		for lang, texts := range want {
			st, page, _ := c.get("/qr/Q2?lang=" + lang)
			if st != 200 {
				t.Fatalf("%s: %d", name, st)
			}
			// The four answers in order, each on its own row with a time.
			table, _, _ := strings.Cut(page[strings.Index(page, `class="exchanges"`):], "</table>")
			rows := strings.Split(table, "<tr>")
			if len(rows) != 6 { // before the head, the head, four rows
				t.Fatalf("%s %s: %d exchange rows, want 4", name, lang, len(rows)-2)
			}
			for i, answer := range []string{"refund: SYSTEMERROR", "i/o timeout", "refund query: PROCESSING", "refund query: SUCCESS"} {
				if !strings.Contains(rows[2+i], answer) || !strings.Contains(rows[2+i], "R"+strconv.FormatInt(rf.ID, 10)) || !strings.Contains(rows[2+i], "2026") {
					t.Errorf("%s %s: row %d lacks %q, the refund or its time: %s", name, lang, i, answer, rows[2+i])
				}
			}
			for _, s := range texts {
				if !strings.Contains(page, s) {
					t.Errorf("%s %s: page lacks %q", name, lang, s)
				}
			}
		}
	}
	a := w.login(t, "shop-a")
	if st, page, _ := a.get("/qr/Q2"); st != 404 || strings.Contains(page, "SYSTEMERROR") {
		t.Errorf("another merchant sees B's refund history: %d", st)
	}
}

func ptrTo[T any](v T) *T { return &v }
