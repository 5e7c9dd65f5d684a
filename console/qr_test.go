package console_test

import (
	"context"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/console"
	"github.com/posguard/posguard/qr"
)

// storeRefunder journals a refund in the real store and marks it
// succeeded at once, as the QR engine does when the channel answers
// SUCCESS (the engine's channel side is tested in qr/ and end to end in
// TestConsoleInChromiumQR): it lets the console's form be tested alone.
type storeRefunder struct{ st posguard.QRStore }

func (r storeRefunder) Refund(ctx context.Context, o *posguard.QROrder, in qr.RefundInput) (*posguard.QRRefund, bool, error) {
	rf, created, err := r.st.CreateQRRefund(ctx, &posguard.QRRefund{OrderID: o.ID, MerchantID: o.MerchantID, OutRefundNo: in.OutRefundNo,
		Amount: posguard.Amount(in.Amount), Reason: in.Reason, RequestHash: in.Hash}, "PRTEST")
	if err != nil {
		return nil, false, err
	}
	if !created {
		if rf.OrderID != o.ID || rf.RequestHash != in.Hash {
			return nil, false, posguard.Errorf(posguard.ECONFLICT, "out_refund_no %s: already used with other content", in.OutRefundNo)
		}
		return rf, false, nil
	}
	none := posguard.QRTaskNone
	rf, err = r.st.UpdateQRRefund(ctx, posguard.QRRefundUpdate{ID: rf.ID, From: posguard.QRRefundProcessing, State: posguard.QRRefundSucceeded, Task: &none})
	return rf, true, err
}

// newQRWorld is the fixture world with a console that refunds QR orders.
func newQRWorld(t *testing.T) *world {
	w := newWorld(t)
	srv := &console.Server{Store: w.store, Auth: w.auth, QR: w.store.QR(), QRRefunds: storeRefunder{w.store.QR()}, Now: func() time.Time { return now }}
	w.srv.Close()
	w.srv = httptest.NewServer(srv.Handler())
	t.Cleanup(w.srv.Close)
	return w
}

// TestQRSearch: the QR search by the merchant's order number, posguard's
// order id, the channel's transaction number, state, dates and merchant;
// bad input is the form again with 400; a merchant user never finds
// another merchant's order, whatever it asks.
func TestQRSearch(t *testing.T) {
	w := newQRWorld(t)
	ops := w.login(t, "ops")
	a := w.login(t, "shop-a")
	orderA, orderB := `href="/qr/Q1"`, `href="/qr/Q2"`
	for _, c := range []struct {
		who        *client
		query      string
		wantA, wnB bool
	}{
		{ops, "", true, true},
		{ops, "?out_order_no=QR-" + midB, false, true},
		{ops, "?id=Q2", false, true},
		{ops, "?id=2", false, true},
		{ops, "?id=Q2&state=reversed", false, false},
		{ops, "?channel_no=T-B", false, true},
		{ops, "?channel_no=PGTEST000000000001", true, false}, // posguard's number at the channel
		{ops, "?channel_no=T-B&merchant=" + midA, false, false},
		{ops, "?state=succeeded", false, true},
		{ops, "?state=reversed", true, false},
		{ops, "?merchant=" + midA, true, false},
		{ops, "?from=2026-03-02&to=2026-03-02", true, true},
		{ops, "?from=2026-03-03", false, false},
		{ops, "?to=2026-03-01", false, false},
		{a, "", true, false},
		{a, "?id=Q2", false, false},
		{a, "?channel_no=T-B", false, false},
		{a, "?out_order_no=QR-" + midB, false, false},
		{a, "?merchant=" + midB, true, false},
	} {
		st, body, _ := c.who.get("/qr" + c.query)
		if st != 200 || strings.Contains(body, orderA) != c.wantA || strings.Contains(body, orderB) != c.wnB {
			t.Errorf("/qr%s: %d, A's order shown %v (want %v), B's %v (want %v)", c.query, st,
				strings.Contains(body, orderA), c.wantA, strings.Contains(body, orderB), c.wnB)
		}
	}
	for _, q := range []string{"?id=X2", "?id=Q", "?channel_no=a%20b", "?out_order_no=" + strings.Repeat("9", 33), "?state=paid",
		"?from=2026-13-01", "?from=2026-03-02&to=2026-03-01", "?merchant=a%2Cb", "?cursor=-1"} {
		if st, body, _ := ops.get("/qr" + q); st != 400 || !strings.Contains(body, `action="/qr"`) {
			t.Errorf("/qr%s: %d, want 400 with the form", q, st)
		}
	}
}

// TestQRRefundForm: a refund from the order page, checked against the
// refundable amount, repeated safely by its refund number, refused to
// roles and merchants that may not refund, CSRF-protected and audited.
func TestQRRefundForm(t *testing.T) {
	w := newQRWorld(t)
	ctx := context.Background()
	b := w.login(t, "shop-b")
	refunds := func() []*posguard.QRRefund {
		t.Helper()
		rs, err := w.store.QR().QRRefunds(ctx, 2)
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}
	_, page, _ := b.get("/qr/Q2")
	if !strings.Contains(page, `action="/qr/Q2/refunds"`) || !strings.Contains(page, `value="12.34"`) {
		t.Fatalf("B's paid order has no refund form offering 12.34: %s", page)
	}
	form := func(no, amount, reason string) url.Values {
		return url.Values{"out_refund_no": {no}, "amount": {amount}, "reason": {reason}, "csrf_token": {b.csrf}}
	}
	// Refused: above the refundable amount, bad amounts, bad number, no CSRF.
	for _, c := range []struct {
		f    url.Values
		want int
		text string
	}{
		{form("RF-1", "12.35", ""), 409, "超过可退金额"},
		{form("RF-1", "0", ""), 400, "退款金额"},
		{form("RF-1", "1.234", ""), 400, "退款金额"},
		{form("RF-1", "abc", ""), 400, "退款金额"},
		{form("RF 1", "1", ""), 400, "商户退款单号"},
		{form("RF-1", "1", strings.Repeat("退", 81)), 400, "80"},
		{url.Values{"out_refund_no": {"RF-1"}, "amount": {"1"}}, 403, ""},
	} {
		st, body, _ := b.post("/qr/Q2/refunds", c.f)
		if st != c.want || !strings.Contains(body, c.text) {
			t.Errorf("refund %v: %d, want %d with %q", c.f, st, c.want, c.text)
		}
	}
	if n := len(refunds()); n != 0 {
		t.Fatalf("%d refunds after refusals", n)
	}
	// Another merchant, and roles that do not refund: the 404 page.
	for _, name := range []string{"shop-a", "risk", "finance"} {
		c := w.login(t, name)
		if st, _, _ := c.post("/qr/Q2/refunds", url.Values{"out_refund_no": {"X-1"}, "amount": {"1"}, "csrf_token": {c.csrf}}); st != 404 {
			t.Errorf("%s refunding B's order: %d, want 404", name, st)
		}
	}
	// A part, then the same form again (one refund), then the same number
	// with another amount (refused).
	st, _, h := b.post("/qr/Q2/refunds", form("RF-1", "2.34", "退一件"))
	if st != 303 || h.Get("Location") != "/qr/Q2?done=qr_refund_succeeded" {
		t.Fatalf("refund: %d to %q", st, h.Get("Location"))
	}
	if st, _, _ := b.post("/qr/Q2/refunds", form("RF-1", "2.34", "退一件")); st != 303 {
		t.Errorf("the same refund again: %d", st)
	}
	if st, body, _ := b.post("/qr/Q2/refunds", form("RF-1", "3", "退一件")); st != 409 || !strings.Contains(body, "RF-1") {
		t.Errorf("the same refund number with another amount: %d", st)
	}
	rs := refunds()
	if len(rs) != 1 || rs[0].Amount != 234 || rs[0].State != posguard.QRRefundSucceeded || rs[0].Reason != "退一件" ||
		rs[0].RequestHash != qr.RefundDigest("RF-1", 234, "退一件") {
		t.Fatalf("refunds: %+v", rs)
	}
	_, page, _ = b.get("/qr/Q2?done=qr_refund_succeeded")
	if !strings.Contains(page, "退款成功") || !strings.Contains(page, `<dd class="refundable">10.00 元</dd>`) || !strings.Contains(page, "RF-1") {
		t.Errorf("the order after the refund: %s", page)
	}
	// An operator refunds the rest for the merchant; then nothing is left
	// and the form is gone.
	ops := w.login(t, "ops")
	if st, _, _ := ops.post("/qr/Q2/refunds", url.Values{"out_refund_no": {"OPS-1"}, "amount": {"10"}, "csrf_token": {ops.csrf}}); st != 303 {
		t.Fatalf("operator refund: %d", st)
	}
	if _, page, _ = b.get("/qr/Q2"); strings.Contains(page, `action="/qr/Q2/refunds"`) {
		t.Error("a fully refunded order still offers the refund form")
	}
	// A reversed order has no form and refuses a post.
	a := w.login(t, "shop-a")
	if _, page, _ = a.get("/qr/Q1"); strings.Contains(page, "/refunds") {
		t.Error("a reversed order offers the refund form")
	}
	if st, body, _ := a.post("/qr/Q1/refunds", url.Values{"out_refund_no": {"A-1"}, "amount": {"1"}, "csrf_token": {a.csrf}}); st != 409 || !strings.Contains(body, "未付款成功") {
		t.Errorf("refund of a reversed order: %d", st)
	}
	// Audited: who, which order, what.
	recs, err := w.store.Access().AuditRecords(ctx, posguard.AuditFilter{Action: "console POST /qr/{id}/refunds", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var okB, okOps, refused int
	for _, r := range recs {
		switch {
		case r.User == "shop-b" && r.Outcome == "ok" && r.Object == "qr/Q2" && strings.Contains(r.Changes, `"amount":234`):
			okB++
		case r.User == "ops" && r.Outcome == "ok" && strings.Contains(r.Changes, `"amount":1000`):
			okOps++
		case r.Outcome == posguard.ECONFLICT || r.Outcome == posguard.EINVALID:
			refused++
		}
	}
	if okB != 2 || okOps != 1 || refused < 7 {
		t.Errorf("audit: %d refunds by shop-b (the repeat included), %d by ops, %d refusals", okB, okOps, refused)
	}
}

// TestQROrderChannelAnswer: a paying order shows the channel's last answer
// with the knowledge base's explanation of its code, in the page's
// language, and what the queue still does.
func TestQROrderChannelAnswer(t *testing.T) {
	w := newQRWorld(t)
	ctx := context.Background()
	q := w.store.QR()
	o, _, err := q.CreateQROrder(ctx, &posguard.QROrder{MerchantID: midA, OutOrderNo: "WAIT-1", RequestHash: "h", Mode: posguard.QRMicropay,
		Channel: "wechat", ChannelName: "wx", Amount: 500, State: posguard.QRPaying}, "PGTEST")
	if err != nil {
		t.Fatal(err)
	}
	task, why := posguard.QRTaskQuery, "micropay: USERPAYING"
	if _, err := q.UpdateQROrder(ctx, posguard.QROrderUpdate{ID: o.ID, From: posguard.QRPaying, Task: &task, Attempted: true,
		NextAttempt: now.Add(time.Minute), LastError: &why}); err != nil {
		t.Fatal(err)
	}
	a := w.login(t, "shop-a")
	_, zh, _ := a.get("/qr/" + qr.OrderID(o.ID))
	_, en, _ := a.get("/qr/" + qr.OrderID(o.ID) + "?lang=en")
	if !strings.Contains(zh, "micropay: USERPAYING") || !strings.Contains(zh, "顾客需要在钱包里确认付款") || !strings.Contains(zh, "向渠道查询结果") {
		t.Errorf("zh page lacks the channel's answer, its explanation or the task: %s", zh)
	}
	if !strings.Contains(en, "The payer must confirm in the wallet app") || !strings.Contains(en, "ask the channel for the outcome") {
		t.Errorf("en page lacks the explanation or the task")
	}
	if strings.Contains(zh, `action="/qr/`+qr.OrderID(o.ID)+`/refunds"`) {
		t.Error("a paying order offers the refund form")
	}
}

// TestDashboardCountsQROrders: a merchant's dashboard counts its QR orders
// of the day like its card requests: an unpaid one among the causes of
// failure (with what to do and a link to those orders), a paid one in the
// day's sales; another merchant's orders are not counted.
func TestDashboardCountsQROrders(t *testing.T) {
	w := newQRWorld(t)
	a, b := w.login(t, "shop-a"), w.login(t, "shop-b")
	_, before, _ := b.get("/")
	_, da, _ := a.get("/")
	if !strings.Contains(da, "顾客未及时确认，已撤销 (扫码订单)") || !strings.Contains(da, `href="/qr?state=reversed&amp;from=2026-03-02"`) {
		t.Errorf("A's dashboard lacks its reversed QR order among the causes: %s", da)
	}
	if strings.Contains(before, "顾客未及时确认") {
		t.Error("B's dashboard counts A's reversed QR order")
	}
	// B's card sale (43.21 元) and paid QR order (12.34 元) are its sales
	// of the day; one more paid order of 5.00 元 adds to them.
	ctx := context.Background()
	q := w.store.QR()
	o, _, err := q.CreateQROrder(ctx, &posguard.QROrder{MerchantID: midB, OutOrderNo: "DASH-1", RequestHash: "h", Mode: posguard.QRMicropay,
		Channel: "wechat", ChannelName: "wx", Amount: 500, State: posguard.QRPaying}, "PGTEST")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.UpdateQROrder(ctx, posguard.QROrderUpdate{ID: o.ID, From: posguard.QRPaying, State: posguard.QRSucceeded, TransactionID: "T-D", PaidAt: now}); err != nil {
		t.Fatal(err)
	}
	_, after, _ := b.get("/")
	for _, c := range []struct{ page, want string }{
		{before, `55.55 元</div><div class="muted">2 笔成功或处理中`},
		{after, `60.55 元</div><div class="muted">3 笔成功或处理中`},
		{after, `失败 0 / 共 3 笔`},
	} {
		if !strings.Contains(c.page, c.want) {
			t.Errorf("B's dashboard lacks %q", c.want)
		}
	}
}
