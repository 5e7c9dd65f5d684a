package analytics_test

import (
	"context"
	"fmt"
	"strings"
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

// TestWalletChannelIncident: QR orders of one channel kind that the
// channel stops answering (reversed without a usable answer) open a
// wallet_channel_unavailable incident naming the merchants affected;
// payers who do not confirm (USERPAYING) and cardholder refusals do not;
// recovery closes it.
func TestWalletChannelIncident(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	orders := func(d time.Duration, bad func(i int) *posguard.QROrder) {
		for step := time.Duration(0); step < d; step += 10 * time.Second {
			for i := 0; i < 4; i++ {
				o := bad(i)
				if o == nil {
					o = &posguard.QROrder{State: posguard.QRSucceeded}
				}
				o.MerchantID, o.Channel, o.Mode = fmt.Sprintf("M0000000000000%d", i+1), "wechat", posguard.QRMicropay
				e.agg.QROrderFinal(o)
			}
			e.clk.Add(10 * time.Second)
		}
	}
	healthy := func(i int) *posguard.QROrder {
		if i == 0 {
			return &posguard.QROrder{State: posguard.QRFailed, Reason: posguard.ReasonQRInsufficient}
		}
		return nil
	}
	orders(30*time.Minute, healthy)
	// Payers that never confirm and cardholder refusals: no incident.
	payers := func(i int) *posguard.QROrder {
		if i < 2 {
			return &posguard.QROrder{State: posguard.QRReversed, Reason: posguard.ReasonQRNotConfirmed, LastError: "query: USERPAYING"}
		}
		return &posguard.QROrder{State: posguard.QRFailed, Reason: posguard.ReasonQRInsufficient}
	}
	orders(2*time.Minute, payers)
	if o, _, err := e.det.Check(ctx); err != nil || len(o) != 0 {
		t.Fatalf("payers' refusals opened %+v (%v)", o, err)
	}
	orders(2*time.Minute, healthy)
	e.det.Check(ctx)
	// The channel stops answering: orders are reversed on timeouts.
	down := func(i int) *posguard.QROrder {
		if i < 3 {
			return &posguard.QROrder{State: posguard.QRReversed, Reason: posguard.ReasonQRNotConfirmed,
				LastError: `Post "http://wx/pay/query": context deadline exceeded`}
		}
		return nil
	}
	var opened []*posguard.Incident
	for s := 0; s < 6 && len(opened) == 0; s++ {
		orders(10*time.Second, down)
		o, _, err := e.det.Check(ctx)
		if err != nil {
			t.Fatal(err)
		}
		opened = o
	}
	if len(opened) != 1 || opened[0].Kind != posguard.IncidentWalletChannel || opened[0].Key != "wechat" ||
		opened[0].Dimension != string(posguard.DimChannel) || len(opened[0].Merchants) < 3 || opened[0].Merchants[2] != "M00000000000003" {
		t.Fatalf("opened %+v, want wallet_channel_unavailable wechat naming the merchants", *opened[0])
	}
	if !strings.Contains(opened[0].Cause, "钱包渠道不可用") || !strings.Contains(opened[0].Cause, "wallet channel unavailable") {
		t.Errorf("cause %q", opened[0].Cause)
	}
	orders(time.Minute, healthy)
	if _, closed, err := e.det.Check(ctx); err != nil || len(closed) != 1 || closed[0].Key != "wechat" {
		t.Fatalf("recovery closed %+v (%v)", closed, err)
	}
}
