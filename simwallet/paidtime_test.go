package simwallet

import (
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard/wallet"
)

// TestPaidTimeEverywhere: a payment's time is the channel's clock at the
// payment, in UTC+08:00, the same in the micropay answer, the query, the
// day bill and the admin API; the transaction number carries the day of
// the clock.
func TestPaidTimeEverywhere(t *testing.T) {
	w, err := ParseWorld([]byte(testWorld))
	if err != nil {
		t.Fatal(err)
	}
	// 2026-03-01 16:30:05 UTC is 2026-03-02 00:30:05 in UTC+08:00.
	at := time.Date(2026, 3, 1, 16, 30, 5, 0, time.UTC)
	sim, err := New(w, Options{Seed: 1, Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	defer srv.Close()
	key, _ := wallet.ParseKey(w.Channels[0].Key)
	c := wallet.NewClient(wallet.Channel{Name: "wx", Kind: wallet.KindWeChat, URL: srv.URL + "/wx", AppID: w.Channels[0].AppID, Key: key})
	c.Now = func() time.Time { return at }
	const want = "2026-03-02T00:30:05+08:00"
	a, err := c.Micropay(t.Context(), wallet.MicropayRequest{MchID: mch, OutTradeNo: "PT1", AuthCode: "134567890123456789", Amount: 500, Subject: "x"})
	if err != nil || !a.OK() || a.PaidAt != want || !strings.HasPrefix(a.TransactionID, at.Format("T20060102")) {
		t.Fatalf("micropay: %+v, %v", a, err)
	}
	q, err := c.Query(t.Context(), wallet.QueryRequest{MchID: mch, OutTradeNo: "PT1"})
	if err != nil || q.PaidAt != want || q.TransactionID != a.TransactionID {
		t.Fatalf("query: %+v, %v", q, err)
	}
	b, err := c.Bill(t.Context(), wallet.BillRequest{MchID: mch, Date: "2026-03-02"})
	if err != nil || !b.OK() {
		t.Fatalf("bill: %+v, %v", b, err)
	}
	rows, err := wallet.ParseBill(b.Bill)
	if err != nil || len(rows) != 1 || rows[0].TradeTime != want || rows[0].TransactionID != a.TransactionID {
		t.Fatalf("bill rows %+v, %v", rows, err)
	}
	var found bool
	for _, acc := range sim.Accounts() {
		for _, ch := range acc.Charges {
			if ch.OutTradeNo == "PT1" {
				found = ch.PaidAt == want
			}
		}
	}
	if !found {
		t.Fatalf("accounts: %+v", sim.Accounts())
	}
}

// FuzzValidNonce: validNonce accepts exactly what the spec's expression
// matches.
func FuzzValidNonce(f *testing.F) {
	re := regexp.MustCompile(`^[0-9A-Za-z]{16,32}$`)
	for _, s := range []string{"5K8264ILTKCH16CQ", "5K8264ILTKCH16C", "5K8264ILTKCH16CQ\n", "5K8264ILTKCH16CQ5K8264ILTKCH16CQ", "5K8264ILTKCH16CQ5K8264ILTKCH16CQx", "5K8264ILTKCH16C-", "ÀK8264ILTKCH16CQ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := validNonce(s), re.MatchString(s); got != want {
			t.Fatalf("validNonce(%q) = %v, the expression %v", s, got, want)
		}
	})
}
