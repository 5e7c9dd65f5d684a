package simnet

import (
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard"
)

func TestSaleApproved(t *testing.T) {
	r := newRig(t, "")
	req := r.sale(panOK, 1234)
	block, err := PINBlock(testZoneKey, panOK, pinOK)
	if err != nil {
		t.Fatal(err)
	}
	req.PINBlock = block
	resp := r.send(req)
	if resp.MTI != "0210" || resp.Code != "00" || len(resp.AuthCode) != 6 || resp.RRN != req.RRN {
		t.Fatalf("answer %+v", resp)
	}
	if resp.IssuerID != "62258800000" || !resp.HasAmount || resp.Amount != 1234 {
		t.Fatalf("answer %+v", resp)
	}
	if got := r.taken(panOK); got != 1234 {
		t.Fatalf("taken %d, want 1234", got)
	}
}

func TestDeclines(t *testing.T) {
	r := newRig(t, "")
	wrongPIN, err := PINBlock(testZoneKey, panOK, "654321")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		pan    string
		amount posguard.Amount
		edit   func(*posguard.UpstreamRequest)
		code   string
	}{
		{"unknown card", "6299990000000011", 100, nil, "14"},
		{"wrong PIN", panOK, 100, func(q *posguard.UpstreamRequest) { q.PINBlock = wrongPIN }, "55"},
		{"garbled PIN block", panOK, 100, func(q *posguard.UpstreamRequest) { q.PINBlock = []byte("12345678") }, "55"},
		{"lost", panLost, 100, nil, "41"},
		{"stolen", panStolen, 100, nil, "43"},
		{"frozen", panFrozen, 100, nil, "62"},
		{"dormant", panDormant, 100, nil, "21"},
		{"expired status", panExpSt, 100, nil, "54"},
		{"card expiry in the past", panExpDate, 100, nil, "54"},
		{"field 14 in the past", panOK, 100, func(q *posguard.UpstreamRequest) { q.Expiry = "2602" }, "54"},
		{"track 2 expiry in the past", panOK, 100, func(q *posguard.UpstreamRequest) {
			q.PAN = ""
			q.Track2 = panOK + "D2512101"
		}, "54"},
		{"insufficient funds", panLow, 501, nil, "51"},
		{"zero amount", panOK, 0, nil, "13"},
		{"unsupported transaction", panOK, 100, func(q *posguard.UpstreamRequest) { q.ProcCode = "400000" }, "40"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := r.sale(tt.pan, tt.amount)
			if tt.edit != nil {
				tt.edit(req)
			}
			before := r.taken(tt.pan)
			resp := r.send(req)
			if resp.Code != tt.code {
				t.Fatalf("code %s, want %s", resp.Code, tt.code)
			}
			if resp.AuthCode != "" {
				t.Fatalf("decline carries auth code %q", resp.AuthCode)
			}
			if r.taken(tt.pan) != before {
				t.Fatal("a decline moved money")
			}
		})
	}
	// Track 2 alone is enough to find the card.
	req := r.sale(panOK, 100)
	req.PAN, req.Track2 = "", panOK+"=2812101"
	if resp := r.send(req); resp.Code != "00" {
		t.Fatalf("track-only sale: %s", resp.Code)
	}
}

func TestBalanceInquiry(t *testing.T) {
	r := newRig(t, "")
	r.send(r.sale(panOK, 2500))
	resp := r.send(r.req("0200", "310000", panOK, 0))
	if resp.Code != "00" || resp.Balance != "0002156C000000097500" {
		t.Fatalf("inquiry: code %s, 54 %q", resp.Code, resp.Balance)
	}
	if resp := r.send(r.req("0200", "310000", panLost, 0)); resp.Code != "41" {
		t.Fatalf("inquiry on a lost card: %s", resp.Code)
	}
}

func TestReversalRestoresBalance(t *testing.T) {
	r := newRig(t, "")
	sale := r.sale(panOK, 4000)
	r.send(sale)
	if r.taken(panOK) != 4000 {
		t.Fatal("sale not debited")
	}
	rev := r.reversalOf(sale)
	resp := r.send(rev)
	if resp.MTI != "0430" || resp.Code != "00" {
		t.Fatalf("reversal answer %s %s", resp.MTI, resp.Code)
	}
	if got := r.taken(panOK); got != 0 {
		t.Fatalf("taken after reversal %d", got)
	}
	// A repeat (0421, same STAN and time) and a fresh reversal of the same
	// original are acknowledged and change nothing.
	repeat := *rev
	repeat.MTI = "0421"
	if resp := r.send(&repeat); resp.MTI != "0430" || resp.Code != "00" {
		t.Fatalf("repeat answer %s %s", resp.MTI, resp.Code)
	}
	if resp := r.send(r.reversalOf(sale)); resp.Code != "00" {
		t.Fatalf("second reversal: %s", resp.Code)
	}
	if got := r.taken(panOK); got != 0 {
		t.Fatalf("taken after repeated reversals %d", got)
	}
	st := r.net.Stats()
	if st.ReversalsApplied != 1 || st.ReversalsUnmatched != 1 || st.Duplicates != 1 {
		t.Fatalf("stats %+v", st)
	}
	// The repeat and the second reversal came after the first was
	// answered: the original was reversed three times upstream.
	if st.ReversalsResent != 2 {
		t.Fatalf("reversals resent %d, want 2", st.ReversalsResent)
	}
	acct := findAccount(t, r, panOK)
	if len(acct.Postings) != 1 || acct.Postings[0].State != StateReversed {
		t.Fatalf("postings %+v", acct.Postings)
	}
}

func TestReversalBeforeOriginal(t *testing.T) {
	r := newRig(t, "")
	sale := r.sale(panOK, 700)
	// The reversal overtakes its original (which the host gave up on).
	if resp := r.send(r.reversalOf(sale)); resp.Code != "00" {
		t.Fatalf("reversal of unknown original: %s", resp.Code)
	}
	if resp := r.send(sale); resp.Code != "12" {
		t.Fatalf("original after its reversal: %s, want 12", resp.Code)
	}
	if r.taken(panOK) != 0 {
		t.Fatal("money moved for a reversed request")
	}
}

func TestDuplicateRequestAnsweredOnce(t *testing.T) {
	r := newRig(t, "")
	sale := r.sale(panOK, 300)
	first := r.send(sale)
	again := r.send(sale)
	if first.Code != "00" || again.AuthCode != first.AuthCode || again.RRN != first.RRN {
		t.Fatalf("duplicate answered differently: %+v vs %+v", again, first)
	}
	if got := r.taken(panOK); got != 300 {
		t.Fatalf("taken %d, want 300 (no double debit)", got)
	}
	if st := r.net.Stats(); st.Duplicates != 1 {
		t.Fatalf("duplicates %d", st.Duplicates)
	}
}

func TestVoid(t *testing.T) {
	r := newRig(t, "")
	sale := r.sale(panOK, 2000)
	r.send(sale)
	void := r.req("0200", "200000", panOK, 2000)
	void.Original = of(sale)
	if resp := r.send(void); resp.Code != "00" {
		t.Fatalf("void: %s", resp.Code)
	}
	if got := r.taken(panOK); got != 0 {
		t.Fatalf("taken after void %d", got)
	}
	tests := []struct {
		name string
		edit func(*posguard.UpstreamRequest)
		code string
	}{
		{"second void", nil, "12"},
		{"unknown original", func(q *posguard.UpstreamRequest) { q.Original.STAN = "999999" }, "25"},
		{"no field 90", func(q *posguard.UpstreamRequest) { q.Original = nil }, "25"},
		{"other card", func(q *posguard.UpstreamRequest) { q.PAN = panOther }, "14"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := r.req("0200", "200000", panOK, 2000)
			q.Original = of(sale)
			if tt.edit != nil {
				tt.edit(q)
			}
			if resp := r.send(q); resp.Code != tt.code {
				t.Fatalf("code %s, want %s", resp.Code, tt.code)
			}
		})
	}
	// A reversed sale cannot be voided; the void of a sale can itself be
	// reversed, which debits again.
	sale2 := r.sale(panOK, 100)
	r.send(sale2)
	r.send(r.reversalOf(sale2))
	v2 := r.req("0200", "200000", panOK, 100)
	v2.Original = of(sale2)
	if resp := r.send(v2); resp.Code != "12" {
		t.Fatalf("void of reversed sale: %s", resp.Code)
	}
	r.send(r.reversalOf(void))
	if got := r.taken(panOK); got != 2000 {
		t.Fatalf("taken after void reversal %d, want 2000", got)
	}
	acct := findAccount(t, r, panOK)
	if acct.Postings[0].Kind != KindSale || acct.Postings[0].State != StatePosted || acct.Postings[1].Kind != KindVoid || acct.Postings[1].State != StateReversed {
		t.Fatalf("postings %+v", acct.Postings)
	}
}

func TestRefund(t *testing.T) {
	r := newRig(t, "")
	sale := r.sale(panOK, 5000)
	r.send(sale)
	refund := func(amount posguard.Amount) string {
		q := r.req("0220", "200000", panOK, amount)
		q.Original = of(sale)
		return r.send(q).Code
	}
	if code := refund(2000); code != "00" {
		t.Fatalf("refund: %s", code)
	}
	if code := refund(3001); code != "13" {
		t.Fatalf("refund over the rest: %s", code)
	}
	if code := refund(3000); code != "00" {
		t.Fatalf("refund of the rest: %s", code)
	}
	if got := r.taken(panOK); got != 0 {
		t.Fatalf("taken %d", got)
	}
	q := r.req("0220", "200000", panOK, 10)
	if resp := r.send(q); resp.Code != "25" {
		t.Fatalf("refund without original: %s", resp.Code)
	}
}

func TestPreauthAndCompletion(t *testing.T) {
	r := newRig(t, "")
	pre := r.req("0100", "030000", panLow, 400)
	pre.CondCode = "06"
	if resp := r.send(pre); resp.MTI != "0110" || resp.Code != "00" {
		t.Fatalf("preauth: %s %s", resp.MTI, resp.Code)
	}
	if r.taken(panLow) != 0 {
		t.Fatal("a preauth changed the balance")
	}
	if resp := r.send(r.sale(panLow, 200)); resp.Code != "51" {
		t.Fatalf("sale against held funds: %s, want 51", resp.Code)
	}
	comp := r.req("0200", "000000", panLow, 450)
	comp.CondCode = "06"
	comp.Original = of(pre)
	if resp := r.send(comp); resp.Code != "00" {
		t.Fatalf("completion: %s", resp.Code)
	}
	if r.taken(panLow) != 450 {
		t.Fatalf("taken %d after completion", r.taken(panLow))
	}
	if resp := r.send(r.sale(panLow, 50)); resp.Code != "00" {
		t.Fatalf("hold not released: %s", resp.Code)
	}
	// Preauth cancel releases a hold.
	pre2 := r.req("0100", "030000", panOK, 900)
	pre2.CondCode = "06"
	r.send(pre2)
	cancel := r.req("0100", "200000", panOK, 900)
	cancel.CondCode = "06"
	cancel.Original = of(pre2)
	if resp := r.send(cancel); resp.Code != "00" {
		t.Fatalf("preauth cancel: %s", resp.Code)
	}
	if r.taken(panOK) != 0 {
		t.Fatal("preauth cancel changed the balance")
	}
	resp := r.send(r.req("0200", "310000", panOK, 0))
	if resp.Balance != "0002156C000000100000" {
		t.Fatalf("available after cancel %q", resp.Balance)
	}
	kinds := []string{}
	for _, p := range findAccount(t, r, panLow).Postings {
		kinds = append(kinds, p.Kind)
	}
	if strings.Join(kinds, ",") != "preauth,completion,sale" {
		t.Fatalf("kinds %v", kinds)
	}
}

func findAccount(t *testing.T, r *rig, pan string) AccountView {
	t.Helper()
	for _, a := range r.net.Accounts() {
		if a.PAN == posguard.MaskPAN(pan) {
			return a
		}
	}
	t.Fatalf("no account %s", posguard.MaskPAN(pan))
	return AccountView{}
}

func TestDuplicateWindowForgetsOldest(t *testing.T) {
	n := New(testCards(), testZoneKey, Options{Logger: quiet(), DuplicateWindow: 2,
		Now: func() time.Time { return time.Date(2026, 3, 11, 0, 0, 0, 0, time.UTC) }})
	sale := func(stan string) *posguard.UpstreamRequest {
		return &posguard.UpstreamRequest{MTI: "0200", ProcCode: "000000", PAN: panOK, Amount: 10, STAN: stan,
			Time: "0311101530", TerminalID: "10000001"}
	}
	for _, stan := range []string{"000001", "000002", "000002", "000003"} {
		n.process(sale(stan))
	}
	if st := n.Stats(); st.Duplicates != 1 || n.Taken(panOK) != 30 {
		t.Fatalf("duplicates %d, taken %d", st.Duplicates, n.Taken(panOK))
	}
	// 000001 fell out of the window: it is processed as new.
	n.process(sale("000001"))
	if n.Taken(panOK) != 40 {
		t.Fatalf("taken %d", n.Taken(panOK))
	}
}

// TestCompletionVoidReopensHold: a completion void returns the debit and
// puts the pre-auth's hold back; reversing that void takes the hold and
// the debit again. The admin view shows the pre-auth as held, completed
// or released, and the available balance beside the balance.
func TestCompletionVoidReopensHold(t *testing.T) {
	r := newRig(t, "")
	state := func() (string, AccountView) {
		a := findAccount(t, r, panOK)
		return a.Postings[0].State, a
	}
	pre := r.req("0100", "030000", panOK, 1000)
	pre.CondCode = "06"
	r.send(pre)
	if st, a := state(); st != StateHeld || a.Held != 1000 || a.Available != a.Balance-1000 || r.net.Held(panOK) != 1000 {
		t.Fatalf("after preauth: %s held %d available %d balance %d", st, a.Held, a.Available, a.Balance)
	}
	comp := r.req("0200", "000000", panOK, 1150)
	comp.CondCode = "06"
	comp.Original = of(pre)
	if resp := r.send(comp); resp.Code != "00" {
		t.Fatalf("completion: %s", resp.Code)
	}
	if st, a := state(); st != StateCompleted || a.Held != 0 || r.taken(panOK) != 1150 {
		t.Fatalf("after completion: %s held %d taken %d", st, a.Held, r.taken(panOK))
	}
	cv := r.req("0200", "200000", panOK, 1150)
	cv.CondCode = "06"
	cv.Original = of(comp)
	if resp := r.send(cv); resp.Code != "00" {
		t.Fatalf("completion void: %s", resp.Code)
	}
	if st, a := state(); st != StateHeld || a.Held != 1000 || r.taken(panOK) != 0 {
		t.Fatalf("after completion void: %s held %d taken %d", st, a.Held, r.taken(panOK))
	}
	r.send(r.reversalOf(cv))
	if st, a := state(); st != StateCompleted || a.Held != 0 || r.taken(panOK) != 1150 {
		t.Fatalf("after reversing the completion void: %s held %d taken %d", st, a.Held, r.taken(panOK))
	}
	r.send(r.reversalOf(comp))
	if st, a := state(); st != StateHeld || a.Held != 1000 || r.taken(panOK) != 0 {
		t.Fatalf("after reversing the completion: %s held %d taken %d", st, a.Held, r.taken(panOK))
	}
	r.send(r.reversalOf(pre))
	if st, a := state(); st != StateReleased || a.Held != 0 || a.Available != a.Balance {
		t.Fatalf("after reversing the preauth: %s held %d", st, a.Held)
	}
}
