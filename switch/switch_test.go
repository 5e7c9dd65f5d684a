package switching_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/keys"
	"github.com/posguard/posguard/reversal"
	"github.com/posguard/posguard/sqlite"
	switching "github.com/posguard/posguard/switch"
	"github.com/posguard/posguard/terminal"
)

// upstream is a scripted card network: answer decides each reply and
// every request is recorded.
type upstream struct {
	mu     sync.Mutex
	calls  []*posguard.UpstreamRequest
	answer func(req *posguard.UpstreamRequest) (*posguard.UpstreamResponse, error)
}

func (u *upstream) Send(ctx context.Context, req *posguard.UpstreamRequest) (*posguard.UpstreamResponse, error) {
	u.mu.Lock()
	u.calls = append(u.calls, req)
	f := u.answer
	u.mu.Unlock()
	if f == nil {
		return approve(req)
	}
	return f(req)
}

func (u *upstream) count(mti string) int {
	u.mu.Lock()
	defer u.mu.Unlock()
	n := 0
	for _, c := range u.calls {
		if mti == "" || c.MTI == mti {
			n++
		}
	}
	return n
}

func approve(req *posguard.UpstreamRequest) (*posguard.UpstreamResponse, error) {
	return &posguard.UpstreamResponse{MTI: "0210", Code: "00", AuthCode: "A12345", STAN: req.STAN, Time: req.Time,
		Amount: req.Amount, HasAmount: true, IssuerID: "62258800000"}, nil
}

const (
	tid   = "10000001"
	mid   = "898310048990001"
	pan   = posguard.PAN("6225880000000018")
	other = posguard.PAN("6222020000000010")
)

var tmk = mustHex("11111111111111112222222222222222")

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// fixture is a switch over a real SQLite store with one merchant and terminal.
type fixture struct {
	t     *testing.T
	ctx   context.Context
	store *sqlite.Store
	up    *upstream
	sw    *switching.Switch
	mak   []byte
	batch string
	stan  int
	day   time.Time
}

func newFixture(t *testing.T, edit func(m *posguard.Merchant)) *fixture {
	t.Helper()
	hk, err := keys.ParseHostKey("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "pg.db"), hk)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	m := &posguard.Merchant{ID: mid, Name: "test shop", MCC: "5411", Status: posguard.MerchantActive, Kind: "enterprise",
		Limits: posguard.Limits{PerTxn: 500000, Daily: 1000000, DailyCount: 50}}
	if edit != nil {
		edit(m)
	}
	if err := st.PutMerchant(ctx, m); err != nil {
		t.Fatal(err)
	}
	term := &posguard.Terminal{ID: tid, MerchantID: mid, TMK: tmk, KeyScheme: "003", MAC: posguard.MACCupsECB, Status: posguard.TerminalActive}
	if err := st.PutTerminal(ctx, term); err != nil {
		t.Fatal(err)
	}
	up := &upstream{}
	sw, err := switching.New(ctx, st, up, hk, switching.Config{AcquirerID: "48021000", ZonePINKey: mustHex("0123456789ABCDEF0123456789ABCDEF"),
		UpstreamTimeout: time.Second}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, ctx: ctx, store: st, up: up, sw: sw, day: time.Date(2026, 11, 20, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))}
	return f
}

func (f *fixture) signOn() {
	f.t.Helper()
	r := f.sw.HandleTerminal(f.ctx, &posguard.TerminalRequest{MTI: "0800", Type: posguard.TxnSignOn, TerminalID: tid, MerchantID: mid, STAN: "000001", NetMgmt: "003", ReceivedAt: f.day})
	f62 := field62(f.t, r)
	if r.Code != "00" || len(f62) != 40 {
		f.t.Fatalf("sign-on: code %s, field 62 %d bytes", r.Code, len(f62))
	}
	wk, err := terminal.DecodeField62(tmk, "003", f62)
	if err != nil {
		f.t.Fatalf("sign-on keys: %v", err)
	}
	f.mak, f.batch = wk.MAK, r.Batch
}

// req builds a MACed request of type typ with a fresh STAN.
func (f *fixture) req(typ posguard.TxnType, amount posguard.Amount) *posguard.TerminalRequest {
	f.stan++
	mti, proc := "0200", "000000"
	switch typ {
	case posguard.TxnVoid:
		proc = "200000"
	case posguard.TxnRefund:
		mti, proc = "0220", "200000"
	case posguard.TxnInquiry:
		proc = "310000"
	}
	r := &posguard.TerminalRequest{MTI: mti, Type: typ, TerminalID: tid, MerchantID: mid, STAN: fmt.Sprintf("%06d", f.stan),
		Batch: f.batch, ProcCode: proc, Amount: amount, HasAmount: amount > 0, Currency: "156", PAN: pan, EntryMode: "022",
		CondCode: "00", Field60: "22" + f.batch + "000", ReceivedAt: f.day}
	return f.seal(r)
}

// seal sets the content hash and MAC of r as the terminal gateway would.
func (f *fixture) seal(r *posguard.TerminalRequest) *posguard.TerminalRequest {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s|%s|%s|%d|%s|%s|%s|%s|%s", r.MTI, r.ProcCode, r.STAN, r.Amount, r.PAN.Reveal(), r.RRN, r.OrigSTAN, r.OrigDate, r.Totals)))
	r.ContentHash = hex.EncodeToString(sum[:])
	r.MACData = []byte(r.ContentHash)
	r.HasMAC, r.MAC = true, make([]byte, 8)
	if f.mak == nil {
		return r
	}
	mac, err := keys.MAC(posguard.MACCupsECB, f.mak, r.MACData)
	if err != nil {
		f.t.Fatal(err)
	}
	r.HasMAC, r.MAC = true, mac
	return r
}

func (f *fixture) do(r *posguard.TerminalRequest, want string) *posguard.TerminalResponse {
	f.t.Helper()
	resp := f.sw.HandleTerminal(f.ctx, r)
	if resp.Code != want {
		f.t.Fatalf("%s %s: got %s (%s), want %s", r.MTI, r.Type, resp.Code, resp.Reason, want)
	}
	return resp
}

func (f *fixture) txn(id int64) *posguard.Transaction {
	f.t.Helper()
	t, err := f.store.ByID(f.ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return t
}

func TestGates(t *testing.T) {
	f := newFixture(t, nil)
	// Not signed on yet: 77 with re-sign-on.
	f.batch = "000001"
	r := f.do(f.req(posguard.TxnSale, 100), "77")
	if !r.ResignOn || r.Reason != posguard.ReasonNotSignedOn {
		t.Fatalf("not signed on: resign %v reason %s", r.ResignOn, r.Reason)
	}
	f.signOn()

	unknown := f.req(posguard.TxnSale, 100)
	unknown.TerminalID = "99999999"
	if r := f.do(unknown, "97"); r.Reason != posguard.ReasonTerminalUnknown {
		t.Fatalf("reason %s", r.Reason)
	}

	bad := f.req(posguard.TxnSale, 100)
	bad.MAC = []byte("00000000")
	if r := f.do(bad, "A0"); !r.ResignOn || r.Reason != posguard.ReasonMACInvalid {
		t.Fatalf("bad MAC: %+v", r)
	}
	missing := f.req(posguard.TxnSale, 100)
	missing.HasMAC = false
	f.do(missing, "A0")

	wrongBatch := f.req(posguard.TxnSale, 100)
	wrongBatch.Batch = "000777"
	f.seal(wrongBatch)
	if r := f.do(wrongBatch, "77"); r.Reason != posguard.ReasonBatchMismatch || !r.ResignOn {
		t.Fatalf("batch: %+v", r)
	}

	// Limits: the limit itself is allowed, one fen over is not.
	f.do(f.req(posguard.TxnSale, 500000), "00")
	r = f.do(f.req(posguard.TxnSale, 500001), "61")
	if got := f.txn(r.TxnID); got.Reason != posguard.ReasonLimitPerTxn || got.Detail["limit"] != "500000" || got.State != posguard.StateRejected {
		t.Fatalf("per-txn limit journal: %+v", got)
	}
	f.do(f.req(posguard.TxnSale, 500000), "00")
	r = f.do(f.req(posguard.TxnSale, 1), "61")
	if r.Reason != posguard.ReasonLimitDailyAmount {
		t.Fatalf("daily: %s", r.Reason)
	}
	if n := f.up.count("0200"); n != 2 {
		t.Fatalf("forwarded %d requests, want 2 (rejections never leave the host)", n)
	}
}

func TestMerchantStatusGates(t *testing.T) {
	since := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		status posguard.MerchantStatus
		reason string
	}{
		{posguard.MerchantPendingKYC, posguard.ReasonMerchantKYC},
		{posguard.MerchantFrozen, posguard.ReasonMerchantFrozen},
		{posguard.MerchantClosed, posguard.ReasonMerchantClosed},
	}
	for _, c := range cases {
		t.Run(string(c.status), func(t *testing.T) {
			f := newFixture(t, func(m *posguard.Merchant) { m.Status = c.status; m.StatusSince = since })
			f.signOn() // key management stays allowed
			r := f.do(f.req(posguard.TxnSale, 100), "03")
			got := f.txn(r.TxnID)
			if got.Reason != c.reason || got.Detail["status"] != string(c.status) || got.Detail["status_since"] != "2026-11-20" {
				t.Fatalf("journal: reason %s detail %v", got.Reason, got.Detail)
			}
			if f.up.count("") != 0 {
				t.Fatal("a request of an inactive merchant left the host")
			}
			// A reversal is still accepted (its original is unknown here: 00).
			rev := f.req(posguard.TxnReversal, 100)
			rev.MTI, rev.ReasonCode = "0400", "98"
			if r := f.do(f.seal(rev), "00"); r.Reason != posguard.ReasonReversalUnknown {
				t.Fatalf("reversal of an inactive merchant: %s", r.Reason)
			}
		})
	}
	f := newFixture(t, func(m *posguard.Merchant) { m.AllowedTypes = []posguard.TxnType{posguard.TxnSale} })
	f.signOn()
	f.do(f.req(posguard.TxnInquiry, 0), "58")
}

func TestIdempotency(t *testing.T) {
	f := newFixture(t, nil)
	f.signOn()
	sale := f.req(posguard.TxnSale, 1234)
	first := f.do(sale, "00")
	if first.RRN == "" || first.AuthCode != "A12345" {
		t.Fatalf("approval lacks RRN/auth: %+v", first.Answer)
	}
	again := f.do(sale, "00")
	if again.Answer != first.Answer || again.TxnID != first.TxnID {
		t.Fatalf("retransmission answer differs: %+v vs %+v", again.Answer, first.Answer)
	}
	if n := f.up.count("0200"); n != 1 {
		t.Fatalf("upstream saw %d sales, want 1", n)
	}
	other := *sale
	other.Amount = 999
	f.seal(&other)
	if r := f.do(&other, "94"); r.Reason != posguard.ReasonDuplicate {
		t.Fatalf("reason %s", r.Reason)
	}

	// Concurrent identical retransmissions while the first is in flight.
	release := make(chan struct{})
	var entered atomic.Int32
	f.up.answer = func(req *posguard.UpstreamRequest) (*posguard.UpstreamResponse, error) {
		entered.Add(1)
		<-release
		return approve(req)
	}
	dup := f.req(posguard.TxnSale, 50)
	var wg sync.WaitGroup
	answers := make([]*posguard.TerminalResponse, 5)
	for i := range answers {
		wg.Add(1)
		go func(i int) { defer wg.Done(); answers[i] = f.sw.HandleTerminal(f.ctx, dup) }(i)
	}
	for entered.Load() == 0 {
		time.Sleep(time.Millisecond) // polling for the first request to reach the network
	}
	close(release)
	wg.Wait()
	for _, a := range answers {
		if a.Code != "00" || a.TxnID != answers[0].TxnID {
			t.Fatalf("concurrent duplicate: %+v", a)
		}
	}
	if n := entered.Load(); n != 1 {
		t.Fatalf("network saw %d copies, want 1", n)
	}
}

// TestRetransmissionPastTheLimit: a retransmitted sale is answered from the
// journal even when the gates would now refuse it (its own first copy used
// the daily limit), and it leaves no reservation behind.
func TestRetransmissionPastTheLimit(t *testing.T) {
	f := newFixture(t, nil)
	f.signOn()
	f.do(f.req(posguard.TxnSale, 500000), "00")
	second := f.req(posguard.TxnSale, 400000)
	first := f.do(second, "00")
	again := f.do(second, "00") // 900,000 used: a new 400,000 would be 61
	if again.Answer != first.Answer || again.TxnID != first.TxnID {
		t.Fatalf("retransmission: %+v, want the stored %+v", again.Answer, first.Answer)
	}
	// Exactly the limit is left: the retransmission reserved nothing.
	f.do(f.req(posguard.TxnSale, 100000), "00")
	f.do(f.req(posguard.TxnSale, 1), "61")
	if n := f.up.count("0200"); n != 3 {
		t.Fatalf("upstream saw %d sales, want 3", n)
	}
}

func TestTimeoutQueuesReversal(t *testing.T) {
	f := newFixture(t, nil)
	f.signOn()
	f.up.answer = func(req *posguard.UpstreamRequest) (*posguard.UpstreamResponse, error) {
		if req.MTI == "0420" || req.MTI == "0421" {
			return &posguard.UpstreamResponse{MTI: "0430", Code: "00", STAN: req.STAN, Time: req.Time}, nil
		}
		return nil, posguard.Errorf(posguard.ETIMEOUT, "no answer")
	}
	r := f.do(f.req(posguard.TxnSale, 700), "98")
	got := f.txn(r.TxnID)
	if got.State != posguard.StateReversalPending || got.Reason != posguard.ReasonNetworkTimeout {
		t.Fatalf("state %s reason %s", got.State, got.Reason)
	}
	rv, err := f.store.PendingReversalFor(f.ctx, r.TxnID)
	if err != nil {
		t.Fatalf("no pending reversal: %v", err)
	}
	w := &reversal.Worker{Store: f.store, Upstream: f.up, AcquirerID: "48021000", InFlight: f.sw.InFlight,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	n, err := w.RunOnce(f.ctx)
	if err != nil || n != 1 {
		t.Fatalf("worker: %d acknowledged, err %v", n, err)
	}
	got = f.txn(r.TxnID)
	if got.State != posguard.StateReversed {
		t.Fatalf("after 0430: state %s", got.State)
	}
	f.up.mu.Lock()
	last := f.up.calls[len(f.up.calls)-1]
	f.up.mu.Unlock()
	if last.MTI != "0420" || last.Original == nil || last.Original.STAN != got.UpstreamSTAN || last.Original.Time != got.UpstreamTime {
		t.Fatalf("reversal advice does not name the original: %+v", last)
	}
	if _, err := f.store.PendingReversalFor(f.ctx, rv.TxnID); posguard.ErrorCode(err) != posguard.ENOTFOUND {
		t.Fatalf("reversal still pending: %v", err)
	}
}

func TestVoidRules(t *testing.T) {
	f := newFixture(t, nil)
	f.signOn()
	sale := f.req(posguard.TxnSale, 2000)
	s := f.do(sale, "00")
	void := func(amount posguard.Amount, stan string) *posguard.TerminalRequest {
		v := f.req(posguard.TxnVoid, amount)
		v.RRN, v.AuthCode, v.OrigBatch, v.OrigSTAN = s.RRN, s.AuthCode, f.batch, stan
		v.Field60 = "23" + f.batch + "000"
		return f.seal(v)
	}
	f.do(void(2001, sale.STAN), "64")
	f.do(void(2000, "999999"), "25")
	v := f.do(void(2000, sale.STAN), "00")
	if st := f.txn(s.TxnID).State; st != posguard.StateVoided {
		t.Fatalf("original state %s after void", st)
	}
	if up := f.up.calls[len(f.up.calls)-1]; up.Original == nil || up.Original.STAN != f.txn(s.TxnID).UpstreamSTAN {
		t.Fatalf("void upstream lacks field 90: %+v", up)
	}
	if r := f.do(void(2000, sale.STAN), "12"); r.Reason != posguard.ReasonOriginalVoided {
		t.Fatalf("second void reason %s", r.Reason)
	}
	_ = v
}

func TestRefundRules(t *testing.T) {
	f := newFixture(t, nil)
	f.signOn()
	sale := f.req(posguard.TxnSale, 3000)
	s := f.do(sale, "00")
	refund := func(amount posguard.Amount, card posguard.PAN, day time.Time) *posguard.TerminalRequest {
		r := f.req(posguard.TxnRefund, amount)
		r.PAN, r.RRN, r.OrigDate, r.ReceivedAt = card, s.RRN, f.day.Format("0102"), day
		r.Field60 = "25" + f.batch + "000"
		return f.seal(r)
	}
	if r := f.do(refund(100, pan, f.day), "12"); r.Reason != posguard.ReasonRefundSameDay {
		t.Fatalf("same day: %s", r.Reason)
	}
	next := f.day.AddDate(0, 0, 1)
	f.do(refund(100, other, next), "14")
	f.do(refund(1000, pan, next), "00")
	if got := f.txn(s.TxnID); got.State != posguard.StatePartRefunded || got.RefundedAmount != 1000 {
		t.Fatalf("after partial refund: %s %d", got.State, got.RefundedAmount)
	}
	// More than the merchant still has unsettled: 13 with its own reason.
	f.sw.RefundGuard = guardFunc(func(mid string, a posguard.Amount) (bool, string) { return false, "unsettled balance 0.00" })
	if r := f.do(refund(1, pan, next), "13"); r.Reason != posguard.ReasonRefundMerchantBalance {
		t.Fatalf("guarded refund: %s", r.Reason)
	}
	f.sw.RefundGuard = nil
	if r := f.do(refund(2001, pan, next), "13"); r.Reason != posguard.ReasonRefundOverAmount {
		t.Fatalf("over: %s", r.Reason)
	}
	f.do(refund(2000, pan, next), "00")
	if got := f.txn(s.TxnID); got.State != posguard.StateRefunded {
		t.Fatalf("after full refund: %s", got.State)
	}
	missing := refund(10, pan, next)
	missing.RRN = "000000000000"
	f.do(f.seal(missing), "25")
}

// guardFunc is a RefundGuard from a function.
type guardFunc func(mid string, a posguard.Amount) (bool, string)

func (g guardFunc) Check(_ context.Context, mid string, a posguard.Amount) (bool, string, error) {
	ok, why := g(mid, a)
	return ok, why, nil
}

func TestTerminalReversal(t *testing.T) {
	f := newFixture(t, nil)
	f.signOn()
	sale := f.req(posguard.TxnSale, 4000)
	s := f.do(sale, "00")
	rev := func(amount posguard.Amount, stan string) *posguard.TerminalRequest {
		r := f.req(posguard.TxnReversal, amount)
		f.stan--
		r.MTI, r.STAN, r.ReasonCode = "0400", stan, "98"
		return f.seal(r)
	}
	f.do(rev(4001, sale.STAN), "25")
	// The 25 above claimed the 0400 key with other content; a terminal
	// reverses with the original's exact amount, so use a second sale.
	sale2 := f.req(posguard.TxnSale, 4500)
	s2 := f.do(sale2, "00")
	r1 := f.do(rev(4500, sale2.STAN), "00")
	if got := f.txn(s2.TxnID); got.State != posguard.StateReversalPending {
		t.Fatalf("original state %s", got.State)
	}
	r2 := f.do(rev(4500, sale2.STAN), "00") // retransmitted 0400
	if r2.TxnID != r1.TxnID {
		t.Fatal("retransmitted reversal journaled twice")
	}
	if rs, _ := f.store.Reversals(f.ctx, posguard.ReversalPending, 10); len(rs) != 1 {
		t.Fatalf("%d pending reversals, want 1", len(rs))
	}
	if r := f.do(rev(100, "777777"), "00"); r.Reason != posguard.ReasonReversalUnknown {
		t.Fatalf("unknown original: %s", r.Reason)
	}
	_ = s
}

func TestSettlement(t *testing.T) {
	f := newFixture(t, nil)
	f.signOn()
	f.do(f.req(posguard.TxnSale, 1000), "00")
	f.do(f.req(posguard.TxnSale, 2500), "00")
	settle := func(totals posguard.BatchTotals) *posguard.TerminalResponse {
		r := f.req(posguard.TxnSettlement, 0)
		r.MTI, r.ProcCode, r.NetMgmt = "0500", "", "201"
		r.SettleTotals, r.Totals = totals, terminal.Settlement{Totals: totals}.String()
		return f.do(f.seal(r), "00")
	}
	wrong := settle(posguard.BatchTotals{DomesticDebitAmount: 1000, DomesticDebitCount: 1})
	if wrong.Settlement == nil || wrong.Settlement.DomesticBalanced || wrong.Reason != posguard.ReasonSettleUnbalanced {
		t.Fatalf("unbalanced settlement answered %+v (%s)", wrong.Settlement, wrong.Reason)
	}
	if f48 := terminal.SettlementOf(*wrong.Settlement).String(); f48[30] != '2' {
		t.Fatalf("unbalanced result digit %q in %s", f48[30], f48)
	}
	// The batch rolled: an old-batch sale is 77, the next batch settles balanced.
	old := f.req(posguard.TxnSale, 100)
	f.do(old, "77")
	f.batch = posguard.NextBatch(f.batch)
	f.do(f.req(posguard.TxnSale, 700), "00")
	ok := settle(posguard.BatchTotals{DomesticDebitAmount: 700, DomesticDebitCount: 1})
	if f48 := terminal.SettlementOf(*ok.Settlement).String(); f48[30] != '1' || f48[:15] != "000000000700001" {
		t.Fatalf("balanced settlement answer %s", f48)
	}
}

// TestReversedWhileInFlight: a terminal reverses a sale whose upstream
// answer has not come yet. The late approval cannot overwrite the reversal;
// the sale's own answer is 98 with a reason whose code is 98 (not
// reversal.queued, whose code is 00), and the journal keeps the reversal.
func TestReversedWhileInFlight(t *testing.T) {
	f := newFixture(t, nil)
	f.signOn()
	sent, release := make(chan struct{}), make(chan struct{})
	f.up.answer = func(req *posguard.UpstreamRequest) (*posguard.UpstreamResponse, error) {
		if req.MTI == "0200" {
			close(sent)
			<-release
		}
		return approve(req)
	}
	sale := f.req(posguard.TxnSale, 3000)
	done := make(chan *posguard.TerminalResponse)
	go func() { done <- f.sw.HandleTerminal(f.ctx, sale) }()
	<-sent
	r := f.req(posguard.TxnReversal, 3000)
	f.stan--
	r.MTI, r.STAN, r.ReasonCode = "0400", sale.STAN, "98"
	rev := f.do(f.seal(r), "00")
	if rev.Reason != posguard.ReasonReversalQueued {
		t.Fatalf("reversal reason %s", rev.Reason)
	}
	close(release)
	got := <-done
	if got.Code != "98" || got.Reason != posguard.ReasonNetworkTimeout || posguard.ReasonCode(got.Reason) != got.Code {
		t.Fatalf("sale answered %s with reason %s", got.Code, got.Reason)
	}
	if txn := f.txn(got.TxnID); txn.State != posguard.StateReversalPending || txn.Reason != posguard.ReasonReversalQueued {
		t.Fatalf("sale journaled %s/%s", txn.State, txn.Reason)
	}
}

// TestAnswersSignedByTheSwitch: the switch gives a financial answer the
// function that MACs it under the key its request verified under; the
// answers to a bad MAC, an unknown terminal and a sign-on carry none.
func TestAnswersSignedByTheSwitch(t *testing.T) {
	f := newFixture(t, nil)
	on := f.sw.HandleTerminal(f.ctx, &posguard.TerminalRequest{MTI: "0800", Type: posguard.TxnSignOn, TerminalID: tid, MerchantID: mid, STAN: "000001", NetMgmt: "003", ReceivedAt: f.day})
	if on.Sign != nil {
		t.Fatal("a sign-on answer is signed")
	}
	wk, err := terminal.DecodeField62(tmk, "003", field62(t, on))
	if err != nil {
		t.Fatal(err)
	}
	f.mak, f.batch = wk.MAK, on.Batch

	sale := f.do(f.req(posguard.TxnSale, 1200), "00")
	if sale.Sign == nil {
		t.Fatal("a sale answer is not signed")
	}
	data := []byte("answer bytes the MAC covers")
	mac, err := sale.Sign(data)
	if err != nil || !keys.VerifyMAC(posguard.MACCupsECB, f.mak, data, mac) {
		t.Fatalf("the answer's MAC does not verify under the terminal's MAK: %x, %v", mac, err)
	}

	bad := f.req(posguard.TxnSale, 1200)
	bad.MAC = make([]byte, 8)
	if r := f.do(bad, "A0"); r.Sign != nil {
		t.Fatal("an A0 answer is signed")
	}
	unknown := f.req(posguard.TxnSale, 100)
	unknown.TerminalID = "99999999"
	if r := f.do(unknown, "97"); r.Sign != nil {
		t.Fatal("an answer to an unknown terminal is signed")
	}
}

// field62 is the field 62 the gateway writes for r: its terminal's working
// keys under the TMK (nil when r delivers no keys).
func field62(t testing.TB, r *posguard.TerminalResponse) []byte {
	t.Helper()
	if !r.DeliverKeys || r.Terminal == nil {
		return nil
	}
	f62, err := terminal.EncodeField62(r.Terminal.TMK, r.Terminal.KeyScheme, r.Terminal.Keys)
	if err != nil {
		t.Fatal(err)
	}
	return f62
}

// TestDailyLimitAcrossInstances: two switches sharing the store (Shared)
// count each other's approvals against a merchant's daily limit, read
// again from the journal.
func TestDailyLimitAcrossInstances(t *testing.T) {
	f := newFixture(t, func(m *posguard.Merchant) { m.Limits = posguard.Limits{PerTxn: 5000, Daily: 1000, DailyCount: 50} })
	hk, err := keys.ParseHostKey("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
	if err != nil {
		t.Fatal(err)
	}
	shared := func() *switching.Switch {
		sw, err := switching.New(f.ctx, f.store, f.up, hk, switching.Config{AcquirerID: "48021000", ZonePINKey: mustHex("0123456789ABCDEF0123456789ABCDEF"),
			UpstreamTimeout: time.Second, Shared: true, Counter: f.store, UsageRefresh: time.Nanosecond}, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		return sw
	}
	a, b := shared(), shared()
	f.sw = a
	f.signOn()
	f.sw = b
	f.do(f.req(posguard.TxnSale, 100), "00") // b counts 100
	f.sw = a
	f.do(f.req(posguard.TxnSale, 600), "00") // a reads 100, counts 700
	f.sw = b
	// b's own count says 500; the journal says 1100: over the limit.
	if r := f.do(f.req(posguard.TxnSale, 400), "61"); r.Reason != posguard.ReasonLimitDailyAmount {
		t.Fatalf("reason %s", r.Reason)
	}
	f.do(f.req(posguard.TxnSale, 300), "00")
}
