package analytics_test

import (
	"context"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/analytics"
	"github.com/posguard/posguard/qr"
)

// The Aggregator is the QR engine's observer.
var _ qr.Observer = (*analytics.Aggregator)(nil)

// TestQROrdersInFailureRates: final QR orders count like card answers in
// the rollups, under their merchant, terminal, channel, cause category and
// (when not paid) reason, and mix with the merchant's card answers.
func TestQROrdersInFailureRates(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const mid = "M00000000000001"
	order := func(ch string, st posguard.QRState, reason, tid string) {
		e.agg.QROrderFinal(&posguard.QROrder{MerchantID: mid, Channel: ch, Mode: posguard.QRMicropay, State: st, Reason: reason, TerminalID: tid})
	}
	for i := 0; i < 6; i++ {
		order("wechat", posguard.QRSucceeded, "", "T0000001")
	}
	order("wechat", posguard.QRFailed, posguard.ReasonQRInsufficient, "T0000001")
	order("wechat", posguard.QRFailed, posguard.ReasonQRInsufficient, "")
	order("alipay", posguard.QRReversed, posguard.ReasonQRNotConfirmed, "")
	order("alipay", posguard.QRFailed, posguard.ReasonQRCodeExpired, "")
	// A card decline of the same merchant.
	e.answer("T0000001", "622202", "51", posguard.TxnSale, 1)
	e.agg.QRRefundFinal(&posguard.QRRefund{State: posguard.QRRefundFailed})
	e.agg.QRNoticeAttempt(qr.NoticeFailed)
	if err := e.agg.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	from, to := e.clk.Now().Add(-time.Hour), e.clk.Now().Add(time.Hour)
	totals := func(by posguard.Dimension) map[string]analytics.Rate {
		t.Helper()
		tot, _, err := e.rep.Failures(ctx, by, posguard.WindowHour, "", from, to)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]analytics.Rate{}
		for _, r := range tot {
			out[r.Key] = r
		}
		return out
	}
	ch := totals(posguard.DimChannel)
	if w, a := ch["wechat"], ch["alipay"]; w.Total != 8 || w.Failed != 2 || a.Total != 2 || a.Failed != 2 || len(ch) != 2 {
		t.Errorf("by channel: %+v", ch)
	}
	if m := totals(posguard.DimMerchant)[mid]; m.Total != 11 || m.Failed != 5 {
		t.Errorf("merchant: %+v, want 10 QR orders and 1 card sale, 5 failed", m)
	}
	if tm := totals(posguard.DimTerminal)["T0000001"]; tm.Total != 8 || tm.Failed != 2 {
		t.Errorf("terminal: %+v, want 7 QR orders and 1 card sale", tm)
	}
	codes := totals(posguard.DimCode)
	if codes[posguard.ReasonQRInsufficient].Failed != 2 || codes[posguard.ReasonQRNotConfirmed].Failed != 1 ||
		codes[posguard.ReasonQRCodeExpired].Failed != 1 || codes["51"].Failed != 1 {
		t.Errorf("by code: %+v", codes)
	}
	cats := totals(posguard.DimCategory)
	if cats[analytics.QRCategory(&posguard.QROrder{State: posguard.QRFailed, Reason: posguard.ReasonQRInsufficient})].Failed < 2 ||
		cats["success"].Total != 6 {
		t.Errorf("by category: %+v", cats)
	}
	if c := analytics.QRCategory(&posguard.QROrder{State: posguard.QRFailed, Reason: "qr.no_such_reason"}); c != "unknown" {
		t.Errorf("unknown reason category %q", c)
	}
}
