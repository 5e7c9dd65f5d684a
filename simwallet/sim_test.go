package simwallet

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	posguard "github.com/posguard/posguard"
	"github.com/posguard/posguard/wallet"
)

const testWorld = `
wallet_channels:
  - name: "wx"
    kind: wechat
    url: "http://127.0.0.1:7001/wx"
    app_id: "wx5f3c9a1e2b7d4c60"
    key: "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
  - name: "ali"
    kind: alipay
    url: "http://127.0.0.1:7001/ali/"
    app_id: "ali2026"
    key: "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"
merchants:
  - id: "898310048990001"
    wallet:
      mch_id: "1900000101"
payers:
  - code: "13456789"
    channel: "wx"
    balance: 1000000
    behavior: ok
  - code: "1400"
    channel: "wx"
    balance: 50000
    behavior: userpaying:2
  - code: "1500"
    channel: "wx"
    balance: 50000
    behavior: userpaying_forever
  - code: "1200"
    channel: "wx"
    balance: 10
  - code: "25"
    channel: "ali"
    balance: 9000
`

const mch = "1900000101"

// fixture is a simwallet served on loopback and a client of each channel.
type fixture struct {
	sim     *Sim
	srv     *httptest.Server
	wx, ali *wallet.Client
	ctx     context.Context
	t       *testing.T
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	w, err := ParseWorld([]byte(testWorld))
	if err != nil {
		t.Fatal(err)
	}
	sim, err := New(w, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	client := func(i int, path string) *wallet.Client {
		key, _ := wallet.ParseKey(w.Channels[i].Key)
		return wallet.NewClient(wallet.Channel{Name: w.Channels[i].Name, Kind: wallet.Kind(w.Channels[i].Kind),
			URL: srv.URL + path, AppID: w.Channels[i].AppID, Key: key})
	}
	return &fixture{sim: sim, srv: srv, wx: client(0, "/wx"), ali: client(1, "/ali/"), ctx: context.Background(), t: t}
}

func (f *fixture) micropay(c *wallet.Client, no, code string, amount int64) (*wallet.MicropayAnswer, error) {
	return c.Micropay(f.ctx, wallet.MicropayRequest{MchID: mch, OutTradeNo: no, AuthCode: wallet.AuthCode(code), Amount: amount, Subject: "示例便利店"})
}

func (f *fixture) query(c *wallet.Client, no string) *wallet.QueryAnswer {
	f.t.Helper()
	a, err := c.Query(f.ctx, wallet.QueryRequest{MchID: mch, OutTradeNo: no})
	if err != nil {
		f.t.Fatalf("query %s: %v", no, err)
	}
	return a
}

func (f *fixture) balance(code string) int64 {
	for _, a := range f.sim.Accounts() {
		if a.Code == code {
			return a.Balance
		}
	}
	f.t.Fatalf("no payer %s", code)
	return 0
}

func TestPayAtOnce(t *testing.T) {
	f := newFixture(t)
	a, err := f.micropay(f.wx, "PG1", "134567890123456789", 1234)
	if err != nil || !a.OK() || a.TradeState != wallet.StateSuccess || a.Amount != 1234 || a.TransactionID == "" {
		t.Fatalf("micropay: %+v, %v", a, err)
	}
	if got := f.balance("13456789"); got != 1000000-1234 {
		t.Fatalf("balance %d", got)
	}
	// A repeat answers from the order and charges nothing more.
	b, err := f.micropay(f.wx, "PG1", "134567890123456789", 1234)
	if err != nil || !b.OK() || b.TransactionID != a.TransactionID || f.balance("13456789") != 1000000-1234 {
		t.Fatalf("repeat: %+v, %v", b, err)
	}
	if c, err := f.micropay(f.wx, "PG1", "134567890123456789", 999); err != nil || c.Code() != wallet.ErrOutTradeNoUsed {
		t.Fatalf("repeat with another amount: %+v, %v", c, err)
	}
	// Alipay channel on a path with a trailing slash.
	if d, err := f.micropay(f.ali, "PG1", "2512345678901234", 100); err != nil || !d.OK() {
		t.Fatalf("alipay: %+v, %v", d, err)
	}
	// Payer refusals are final and charge nothing.
	for code, want := range map[string]string{"120000000000000000": wallet.ErrNotEnough, "110000000000000000": wallet.ErrAuthCodeInvalid} {
		a, err := f.micropay(f.wx, "PG-"+code[:4], code, 1234)
		if err != nil || a.Code() != want || posguard.ErrorCode(a.Err()) != posguard.EINVALID {
			t.Fatalf("%s: %+v, %v", code, a, err)
		}
	}
}

func TestUserPayingThenQueryPaid(t *testing.T) {
	f := newFixture(t)
	a, err := f.micropay(f.wx, "PG2", "140000000000000001", 500)
	if err != nil || a.Code() != wallet.ErrUserPaying {
		t.Fatalf("micropay: %+v, %v", a, err)
	}
	for i := 0; i < 2; i++ {
		if q := f.query(f.wx, "PG2"); q.TradeState != wallet.StateUserPaying {
			t.Fatalf("query %d: %s", i, q.TradeState)
		}
	}
	q := f.query(f.wx, "PG2")
	if q.TradeState != wallet.StateSuccess || q.TradeType != wallet.TradeMicropay || q.TransactionID == "" || q.Amount != 500 {
		t.Fatalf("query after confirmation: %+v", q)
	}
	if f.balance("1400") != 50000-500 {
		t.Fatal("payer not charged")
	}
	if q := f.query(f.wx, "PG-none"); q.Code() != wallet.ErrOrderNotExist {
		t.Fatalf("unknown order: %+v", q)
	}
}

func TestLostAnswerAfterChargeFoundByQuery(t *testing.T) {
	f := newFixture(t)
	if err := f.sim.SetFaults("drop_after_charge=1"); err != nil {
		t.Fatal(err)
	}
	_, err := f.micropay(f.wx, "PG3", "134567890123456789", 700)
	if !wallet.IsUnknown(err) {
		t.Fatalf("dropped answer: %v, want unknown", err)
	}
	_ = f.sim.SetFaults("")
	if q := f.query(f.wx, "PG3"); q.TradeState != wallet.StateSuccess {
		t.Fatalf("query: %+v", q)
	}
	if f.balance("13456789") != 1000000-700 {
		t.Fatal("charge not found")
	}
}

func TestTimeoutIsUnknown(t *testing.T) {
	f := newFixture(t)
	_ = f.sim.SetFaults("timeout=1,hang=30s")
	f.wx.Timeout = 50 * time.Millisecond
	_, err := f.micropay(f.wx, "PG4", "134567890123456789", 700)
	if !wallet.IsUnknown(err) || posguard.ErrorCode(err) != posguard.ETIMEOUT {
		t.Fatalf("timeout: %v (%s)", err, posguard.ErrorCode(err))
	}
	_ = f.sim.SetFaults("")
	f.wx.Timeout = 0
	// Applied before, never, or after: the query tells, and the money agrees.
	q := f.query(f.wx, "PG4")
	charged := 1000000 - f.balance("13456789")
	if !(q.TradeState == wallet.StateSuccess && charged == 700) && !(q.Code() == wallet.ErrOrderNotExist && charged == 0) {
		t.Fatalf("query %+v with %d charged", q, charged)
	}
}

func TestBadSignature(t *testing.T) {
	f := newFixture(t)
	_ = f.sim.SetFaults("bad_signature=1")
	if _, err := f.micropay(f.wx, "PG5", "134567890123456789", 300); !wallet.IsUnknown(err) {
		t.Fatalf("badly signed answer trusted: %v", err)
	}
	_ = f.sim.SetFaults("")
	if q := f.query(f.wx, "PG5"); q.TradeState != wallet.StateSuccess {
		t.Fatalf("query: %+v", q)
	}
	// A request signed with another key is refused, signed, and nothing is done.
	wrong := *f.wx
	wrong.Channel.Key = wallet.Key(bytes.Repeat([]byte{7}, 32))
	if _, err := wrong.Micropay(f.ctx, wallet.MicropayRequest{MchID: mch, OutTradeNo: "PG6", AuthCode: "134567890123456789", Amount: 1, Subject: "x"}); !wallet.IsUnknown(err) {
		t.Fatalf("wrong-key client trusted an answer: %v", err)
	}
	body := []byte(`{"app_id":"wx5f3c9a1e2b7d4c60","mch_id":"1900000101","nonce":"ABCDEFGHIJKLMNOP","timestamp":1,"out_trade_no":"PG6"}`)
	resp, err := http.Post(f.srv.URL+"/wx/pay/query", "application/json; charset=utf-8", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a wallet.Result
	_ = json.NewDecoder(resp.Body).Decode(&a)
	if a.ReturnCode != wallet.CodeFail || a.ErrCode != wallet.ErrSignError || resp.Header.Get(wallet.SignatureHeader) == "" {
		t.Fatalf("unsigned request: %+v", a)
	}
	if q := f.query(f.wx, "PG6"); q.Code() != wallet.ErrOrderNotExist {
		t.Fatalf("refused request was applied: %+v", q)
	}
}

func TestStaleTimestampRefused(t *testing.T) {
	f := newFixture(t)
	f.wx.Now = func() time.Time { return time.Now().Add(-10 * time.Minute) }
	a, err := f.micropay(f.wx, "PG7", "134567890123456789", 1)
	if err != nil || !a.Rejected() || a.Code() != wallet.ErrRequestExpired {
		t.Fatalf("stale request: %+v, %v", a, err)
	}
}

func TestReverseAndClose(t *testing.T) {
	f := newFixture(t)
	if a, _ := f.micropay(f.wx, "PG8", "134567890123456789", 900); !a.OK() {
		t.Fatal("not paid")
	}
	r, err := f.wx.Reverse(f.ctx, wallet.ReverseRequest{MchID: mch, OutTradeNo: "PG8"})
	if err != nil || !r.Done() {
		t.Fatalf("reverse: %+v, %v", r, err)
	}
	if f.balance("13456789") != 1000000 || f.query(f.wx, "PG8").TradeState != wallet.StateRevoked {
		t.Fatal("reverse did not return the money")
	}
	if acc := f.sim.Accounts()[0]; len(acc.Charges) != 1 || acc.Charges[0].State != "reversed" {
		t.Fatalf("accounts: %+v", acc)
	}
	// Reversing again is idempotent; a reverse fences an unknown number.
	if r, err := f.wx.Reverse(f.ctx, wallet.ReverseRequest{MchID: mch, OutTradeNo: "PG8"}); err != nil || !r.Done() {
		t.Fatalf("second reverse: %+v %v", r, err)
	}
	if r, err := f.wx.Reverse(f.ctx, wallet.ReverseRequest{MchID: mch, OutTradeNo: "PG9"}); err != nil || !r.Done() {
		t.Fatalf("reverse unknown: %+v %v", r, err)
	}
	if a, err := f.micropay(f.wx, "PG9", "134567890123456789", 900); err != nil || a.Code() != wallet.ErrOrderReversed || f.balance("13456789") != 1000000 {
		t.Fatalf("late micropay after reverse: %+v, %v", a, err)
	}
	// Close: a pending order, an unknown number, a paid order.
	if a, _ := f.micropay(f.wx, "PG10", "150000000000000001", 100); a.Code() != wallet.ErrUserPaying {
		t.Fatal("not pending")
	}
	for no, want := range map[string]string{"PG10": "", "PG11": ""} {
		c, err := f.wx.Close(f.ctx, wallet.CloseRequest{MchID: mch, OutTradeNo: no})
		if err != nil || c.Code() != want {
			t.Fatalf("close %s: %+v, %v", no, c, err)
		}
	}
	if q := f.query(f.wx, "PG10"); q.TradeState != wallet.StateClosed {
		t.Fatalf("closed order: %s", q.TradeState)
	}
	if a, _ := f.micropay(f.wx, "PG11", "134567890123456789", 5); a.Code() != wallet.ErrOrderClosed {
		t.Fatalf("micropay on a closed number: %+v", a)
	}
	_, _ = f.micropay(f.wx, "PG12", "134567890123456789", 5)
	if c, _ := f.wx.Close(f.ctx, wallet.CloseRequest{MchID: mch, OutTradeNo: "PG12"}); c.Code() != wallet.ErrOrderPaid {
		t.Fatalf("close paid: %+v", c)
	}
}

func TestRefunds(t *testing.T) {
	f := newFixture(t)
	if a, _ := f.micropay(f.wx, "PG20", "134567890123456789", 1000); !a.OK() {
		t.Fatal("not paid")
	}
	refund := func(no string, amt int64) *wallet.RefundAnswer {
		r, err := f.wx.Refund(f.ctx, wallet.RefundRequest{MchID: mch, OutTradeNo: "PG20", OutRefundNo: no, RefundAmount: amt})
		if err != nil {
			t.Fatalf("refund %s: %v", no, err)
		}
		return r
	}
	if r := refund("R1", 300); !r.OK() || r.RefundState != wallet.RefundSuccess || r.RefundAmount != 300 {
		t.Fatalf("partial: %+v", r)
	}
	if r := refund("R2", 701); r.Code() != wallet.ErrRefundExceeded {
		t.Fatalf("above refundable: %+v", r)
	}
	if r := refund("R1", 300); !r.OK() {
		t.Fatalf("repeat: %+v", r)
	}
	if r := refund("R1", 200); r.Code() != wallet.ErrOutRefundNoUsed {
		t.Fatalf("reused number: %+v", r)
	}
	if r := refund("R3", 700); !r.OK() {
		t.Fatalf("rest: %+v", r)
	}
	if r := refund("R4", 1); r.Code() != wallet.ErrRefundExceeded {
		t.Fatalf("after full refund: %+v", r)
	}
	if f.balance("13456789") != 1000000 {
		t.Fatal("refunds did not return the money")
	}
	q := f.query(f.wx, "PG20")
	if q.TradeState != wallet.StateRefund || q.RefundedAmount != 1000 {
		t.Fatalf("order after refunds: %+v", q)
	}
	rq, err := f.wx.RefundQuery(f.ctx, wallet.RefundQueryRequest{MchID: mch, OutTradeNo: "PG20", OutRefundNo: "R3"})
	if err != nil || rq.RefundState != wallet.RefundSuccess || rq.RefundAmount != 700 {
		t.Fatalf("refund query: %+v %v", rq, err)
	}
	if rq, _ := f.wx.RefundQuery(f.ctx, wallet.RefundQueryRequest{MchID: mch, OutTradeNo: "PG20", OutRefundNo: "R9"}); rq.Code() != wallet.ErrRefundNotExist {
		t.Fatalf("unknown refund: %+v", rq)
	}
	// Bill: one PAY, two REFUNDs, in time order.
	b, err := f.wx.Bill(f.ctx, wallet.BillRequest{MchID: mch, Date: time.Now().In(cst).Format(time.DateOnly)})
	if err != nil || !b.OK() {
		t.Fatalf("bill: %+v %v", b, err)
	}
	rows, err := wallet.ParseBill(b.Bill)
	if err != nil || len(rows) != 3 || rows[0].Type != wallet.BillPay || rows[2].Type != wallet.BillRefund || rows[2].OutRefundNo != "R3" {
		t.Fatalf("bill rows %+v, %v\n%s", rows, err, b.Bill)
	}
	if b, _ := f.wx.Bill(f.ctx, wallet.BillRequest{MchID: mch, Date: "2099-01-01"}); b.Code() != wallet.ErrBillNotReady {
		t.Fatalf("future bill: %+v", b)
	}
}

func TestNativeAndScan(t *testing.T) {
	f := newFixture(t)
	n, err := f.wx.Native(f.ctx, wallet.NativeRequest{MchID: mch, OutTradeNo: "PN1", Amount: 800, Subject: "x", ExpireSeconds: 600, NotifyURL: "http://127.0.0.1:1/n"})
	if err != nil || !n.OK() || n.CodeURL == "" {
		t.Fatalf("native: %+v %v", n, err)
	}
	if q := f.query(f.wx, "PN1"); q.TradeState != wallet.StateNotPay || q.TradeType != wallet.TradeNative {
		t.Fatalf("query: %+v", q)
	}
	admin := httptest.NewServer(f.sim.AdminHandler())
	defer admin.Close()
	scan := func() int {
		resp, err := http.Post(admin.URL+"/scan", "application/json", strings.NewReader(`{"code_url":"`+n.CodeURL+`","payer":"134567890000000000"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := scan(); s != 200 {
		t.Fatalf("scan: %d", s)
	}
	if s := scan(); s != 409 {
		t.Fatalf("second scan: %d", s)
	}
	if q := f.query(f.wx, "PN1"); q.TradeState != wallet.StateSuccess {
		t.Fatalf("after scan: %+v", q)
	}
	if n2, _ := f.wx.Native(f.ctx, wallet.NativeRequest{MchID: mch, OutTradeNo: "PN1", Amount: 800, Subject: "x", ExpireSeconds: 600, NotifyURL: "http://127.0.0.1:1/n"}); n2.Code() != wallet.ErrOrderPaid {
		t.Fatalf("repeat after paid: %+v", n2)
	}
	resp, err := http.Get(admin.URL + "/orders")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var orders []OrderView
	if err := json.NewDecoder(resp.Body).Decode(&orders); err != nil || len(orders) != 1 || orders[0].Mode != "native" {
		t.Fatalf("orders: %+v %v", orders, err)
	}
}

// TestNotifyBadSignatureFault: with notify_bad_signature a notification
// attempt arrives with a signature that does not verify; the receiver
// refuses it, the attempt counts as failed, and the genuine one follows on
// the schedule.
func TestNotifyBadSignatureFault(t *testing.T) {
	w, err := ParseWorld([]byte(testWorld))
	if err != nil {
		t.Fatal(err)
	}
	sim, err := New(w, Options{Seed: 1, NotifySchedule: []time.Duration{time.Millisecond, time.Millisecond, time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	if err := sim.SetFaults("notify_bad_signature=1"); err != nil {
		t.Fatal(err)
	}
	key, _ := wallet.ParseKey(w.Channels[0].Key)
	refused, delivered := make(chan struct{}, 8), make(chan []byte, 8)
	recv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		var b bytes.Buffer
		b.ReadFrom(r.Body)
		if !wallet.Verify(key, b.Bytes(), r.Header.Get(wallet.SignatureHeader)) {
			_ = sim.SetFaults("") // the next attempt is genuine
			rw.WriteHeader(http.StatusUnauthorized)
			refused <- struct{}{}
			return
		}
		rw.Write([]byte(`{"return_code":"SUCCESS"}`))
		delivered <- b.Bytes()
	}))
	defer recv.Close()
	srv := httptest.NewServer(sim)
	defer srv.Close()
	c := wallet.NewClient(wallet.Channel{Name: "wx", Kind: wallet.Kind(w.Channels[0].Kind), URL: srv.URL + "/wx", AppID: w.Channels[0].AppID, Key: key})
	ctx := context.Background()
	n, err := c.Native(ctx, wallet.NativeRequest{MchID: mch, OutTradeNo: "PB1", Amount: 500, Subject: "x", ExpireSeconds: 600, NotifyURL: recv.URL + "/n"})
	if err != nil || !n.OK() {
		t.Fatalf("native: %+v %v", n, err)
	}
	admin := httptest.NewServer(sim.AdminHandler())
	defer admin.Close()
	resp, err := http.Post(admin.URL+"/scan", "application/json", strings.NewReader(`{"code_url":"`+n.CodeURL+`","payer":"134567890000000000"}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("scan: %v %v", resp, err)
	}
	resp.Body.Close()
	deadline := time.After(30 * time.Second)
	select {
	case <-refused:
	case <-deadline:
		t.Fatal("no notification with a bad signature arrived")
	}
	select {
	case b := <-delivered:
		if !strings.Contains(string(b), `"out_trade_no":"PB1"`) {
			t.Fatalf("delivered: %s", b)
		}
	case <-deadline:
		t.Fatal("the genuine notification did not follow")
	}
	sim.Close() // waits for the attempt in progress to be counted
	st := sim.Stats()
	if st["notify_bad_signature"] != 1 || st["notify_delivered"] != 1 || st["notify_bad_signature_accepted"] != 0 {
		t.Fatalf("stats: %v", st)
	}
	if _, err := ParseFaults("notify_bad_signature=2"); err == nil {
		t.Fatal("notify_bad_signature=2 accepted")
	}
}
