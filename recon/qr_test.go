package recon_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/recon"
	"github.com/posguard/posguard/recon/clearing"
	"github.com/posguard/posguard/wallet"
)

// The QR side of a run against a real SQLite store: bills given as files,
// orders journaled through the QR store. The engine's part (fetching bills,
// querying the channel, refunding) is end to end in cmd/posguard
// (TestReconQRBills); here a stand-in records what the run asks of it.

const (
	qrApp = "wx5f3c9a1e2b7d4c60"
	qrMch = "1900000101"
)

type channelsStandIn struct {
	asked []int64
	how   string
}

func (c *channelsStandIn) BillSources(context.Context) ([]posguard.QRBillSource, error) {
	return []posguard.QRBillSource{{Channel: "wx", Kind: "wechat", AppID: qrApp, MerchantID: merchant, MchID: qrMch}}, nil
}

func (c *channelsStandIn) FetchBill(context.Context, posguard.QRBillSource, string) ([]byte, error) {
	return nil, posguard.Errorf(posguard.EUNAVAILABLE, "no channel here")
}

func (c *channelsStandIn) RepairCharge(_ context.Context, id int64) (string, error) {
	c.asked = append(c.asked, id)
	return c.how, nil
}

func (c *channelsStandIn) ChargeRepairState(context.Context, int64) (string, error) {
	return "pending", nil
}

// qrOrder journals an order of merchant at channel wx in state, paid at
// paid when succeeded.
func (f *fixture) qrOrder(no string, amt posguard.Amount, state posguard.QRState, paid time.Time) *posguard.QROrder {
	f.t.Helper()
	ctx := context.Background()
	q := f.st.QR()
	o, _, err := q.CreateQROrder(ctx, &posguard.QROrder{MerchantID: merchant, OutOrderNo: no, RequestHash: no, Mode: posguard.QRMicropay,
		Channel: "wechat", ChannelName: "wx", Amount: amt, State: posguard.QRPaying, Deadline: paid.Add(time.Minute)}, "PGT")
	if err != nil {
		f.t.Fatal(err)
	}
	none := posguard.QRTaskNone
	u := posguard.QROrderUpdate{ID: o.ID, From: posguard.QRPaying, State: state, Task: &none}
	switch state {
	case posguard.QRPaying:
		return o
	case posguard.QRSucceeded:
		u.TransactionID, u.PaidAt = "T"+no, paid
	default:
		u.Reason = posguard.ReasonQRInsufficient
	}
	if o, err = q.UpdateQROrder(ctx, u); err != nil {
		f.t.Fatal(err)
	}
	return o
}

func (f *fixture) qrRefund(o *posguard.QROrder, no string, amt posguard.Amount, done bool) *posguard.QRRefund {
	f.t.Helper()
	ctx := context.Background()
	r, _, err := f.st.QR().CreateQRRefund(ctx, &posguard.QRRefund{OrderID: o.ID, OutRefundNo: no, Amount: amt, RequestHash: no}, "PRT")
	if err != nil {
		f.t.Fatal(err)
	}
	if done {
		none := posguard.QRTaskNone
		if r, err = f.st.QR().UpdateQRRefund(ctx, posguard.QRRefundUpdate{ID: r.ID, From: posguard.QRRefundProcessing,
			State: posguard.QRRefundSucceeded, RefundID: "RID" + no, Task: &none}); err != nil {
			f.t.Fatal(err)
		}
	}
	return r
}

// billRow is one row of the bill of day at hh:mm.
func billRow(hh int, no, typ string, amt int64, refundNo string, fee int64) wallet.BillRow {
	r := wallet.BillRow{TradeTime: time.Date(2026, 11, 23, hh, 0, 0, 0, time.FixedZone("", 8*3600)).Format(time.RFC3339),
		AppID: qrApp, MchID: qrMch, OutTradeNo: no, TransactionID: "T" + no, TradeType: wallet.TradeMicropay, Type: typ, Amount: amt, Fee: fee}
	if refundNo != "" {
		r.OutRefundNo, r.RefundID = refundNo, "RID"+refundNo
	}
	return r
}

func (f *fixture) runQR(rows []wallet.BillRow) *recon.Report {
	f.t.Helper()
	rep, _, err := f.rc.Run(context.Background(), recon.Input{Date: day, ClearingName: clearing.ClearingFileName(day), Clearing: bytes.NewReader(nil),
		QRBills: []recon.QRBill{{Name: recon.QRBillName(day, "wx", qrMch), Data: []byte(wallet.FormatBill(rows))}}})
	if err != nil {
		f.t.Fatal(err)
	}
	return rep
}

func qrClasses(r *recon.Report) map[string]string {
	out := map[string]string{}
	for _, e := range r.Exceptions {
		if e.Source != recon.SourceQR {
			continue
		}
		k := e.Class + " " + *e.OutTradeNo
		if e.OutRefundNo != nil {
			k += " " + *e.OutRefundNo
		}
		out[k] = e.Status + " " + e.Action
	}
	return out
}

func TestRunQRBillClasses(t *testing.T) {
	f := newFixture(t)
	ch := &channelsStandIn{how: "refund"}
	f.rc.QR, f.rc.QRStore = ch, f.st.ReconQR()
	at := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC) // 10:00 UTC+8
	paid := f.qrOrder("A1", 1000, posguard.QRSucceeded, at)
	missing := f.qrOrder("A2", 2000, posguard.QRSucceeded, at)
	amount := f.qrOrder("A3", 3000, posguard.QRSucceeded, at)
	reversed := f.qrOrder("A4", 400, posguard.QRSucceeded, at)
	failed := f.qrOrder("A5", 500, posguard.QRFailed, at)
	paying := f.qrOrder("A6", 600, posguard.QRPaying, at)
	returned := f.qrOrder("A7", 700, posguard.QRFailed, at)
	r1 := f.qrRefund(paid, "RF1", 300, true)
	r2 := f.qrRefund(paid, "RF2", 100, false)
	rows := []wallet.BillRow{
		billRow(10, paid.OutTradeNo, wallet.BillPay, 1000, "", 0),
		billRow(10, amount.OutTradeNo, wallet.BillPay, 3100, "", 0),
		billRow(10, reversed.OutTradeNo, wallet.BillPay, 400, "", 0),
		billRow(11, reversed.OutTradeNo, wallet.BillReverse, 400, "", 0),
		billRow(10, failed.OutTradeNo, wallet.BillPay, 500, "", 0),
		billRow(10, paying.OutTradeNo, wallet.BillPay, 600, "", 0),
		billRow(10, returned.OutTradeNo, wallet.BillPay, 700, "", 0),
		billRow(11, returned.OutTradeNo, wallet.BillReverse, 700, "", 0),
		billRow(12, "PGTUNKNOWN1", wallet.BillPay, 800, "", 0),
		billRow(13, paid.OutTradeNo, wallet.BillRefund, 300, r1.RefundNo, 0),
		billRow(13, paid.OutTradeNo, wallet.BillRefund, 50, "PRTNOSUCH", 0),
		billRow(14, paid.OutTradeNo, wallet.BillRefund, 100, r2.RefundNo, 0),
	}
	rep := f.runQR(rows)
	got := qrClasses(rep)
	want := map[string]string{
		"qr_journal_only " + missing.OutTradeNo:                     "open hold",
		"qr_amount_mismatch " + amount.OutTradeNo:                   "open hold",
		"qr_state_mismatch " + reversed.OutTradeNo:                  "open hold",
		"qr_channel_only " + failed.OutTradeNo:                      "repair_pending return_charge",
		"qr_channel_only " + paying.OutTradeNo:                      "repair_pending mark_succeeded",
		"qr_channel_only PGTUNKNOWN1":                               "open investigate",
		"qr_refund_mismatch " + paid.OutTradeNo + " PRTNOSUCH":      "open hold",
		"qr_refund_mismatch " + paid.OutTradeNo + " " + r2.RefundNo: "open await_refund",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("exceptions %v", got)
	}
	if rep.QRLines != 12 || rep.QRMatched != 5 || len(rep.QRBills) != 1 || rep.QRBills[0].Exceptions != 8 {
		t.Errorf("qr_lines %d, qr_matched %d, bills %+v", rep.QRLines, rep.QRMatched, rep.QRBills)
	}
	if rep.Lines != 0 || rep.Summary[recon.SourceQR].Exceptions != 8 || rep.Summary[recon.SourceCard].Exceptions != 0 {
		t.Errorf("summary %+v", rep.Summary)
	}
	if len(ch.asked) != 2 {
		t.Errorf("repairs asked for %v, want the failed and the paying order", ch.asked)
	}
	// Holds: the three orders and the refund nobody asked for, from the
	// merchant's payable (the ledger has not posted the orders: their
	// amounts).
	if h := held(t, f.st); h != 2000+3000+400+50 {
		t.Errorf("held %s", h)
	}
	// Every exception but a resolved one has a case naming its reason.
	for _, e := range rep.Exceptions {
		if e.CaseID == nil {
			t.Errorf("%s %s: no case", e.Class, *e.OutTradeNo)
		}
	}
	cases, err := f.st.Cases(context.Background(), posguard.CaseFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string]int{}
	for _, c := range cases {
		reasons[c.Reason]++
	}
	if reasons[posguard.ReasonReconQRChannelOnly] != 3 || reasons[posguard.ReasonReconQRRefundMismatch] != 2 {
		t.Errorf("case reasons %v", reasons)
	}

	// A card-only run of the same date (no bill): the QR exceptions stand.
	again, _ := f.run(day, file(t))
	if len(again.QRBills) != 0 || len(qrClasses(again)) != 0 {
		t.Fatalf("card-only run: %+v", again.QRBills)
	}
	exs, err := f.st.Recon().Exceptions(context.Background(), posguard.ReconFilter{Date: day, Status: posguard.ReconResolved})
	if err != nil || len(exs) != 0 {
		t.Fatalf("resolved by a run without the bill: %d %v", len(exs), err)
	}
	// The bill again, the refund now succeeded and R4's reverse row gone:
	// a new run; the await_refund exception is no longer found (resolved),
	// the others keep their cases.
	f.qrRefundDone(r2)
	rep2 := f.runQR(append(rows[:3:3], rows[4:]...))
	got2 := qrClasses(rep2)
	if _, ok := got2["qr_refund_mismatch "+paid.OutTradeNo+" "+r2.RefundNo]; ok {
		t.Errorf("the refund now succeeded is still an exception")
	}
	if _, ok := got2["qr_state_mismatch "+reversed.OutTradeNo]; ok {
		t.Errorf("the reverse row is gone, the exception stays")
	}
	if held(t, f.st) != 2000+3000+50 {
		t.Errorf("held after the second run: %s (R4's hold released)", held(t, f.st))
	}
}

func (f *fixture) qrRefundDone(r *posguard.QRRefund) {
	f.t.Helper()
	none := posguard.QRTaskNone
	if _, err := f.st.QR().UpdateQRRefund(context.Background(), posguard.QRRefundUpdate{ID: r.ID, From: posguard.QRRefundProcessing,
		State: posguard.QRRefundSucceeded, RefundID: "RID", Task: &none}); err != nil {
		f.t.Fatal(err)
	}
}

func TestRunQRFees(t *testing.T) {
	f := newFixture(t)
	f.rc.QR, f.rc.QRStore = &channelsStandIn{}, f.st.ReconQR()
	at := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	a := f.qrOrder("F1", 1000, posguard.QRSucceeded, at)
	b := f.qrOrder("F2", 2500, posguard.QRSucceeded, at)
	rows := []wallet.BillRow{billRow(10, a.OutTradeNo, wallet.BillPay, 1000, "", 6), billRow(10, b.OutTradeNo, wallet.BillPay, 2500, "", 20)}
	// Without a rate the fees are summed only.
	rep := f.runQR(rows)
	if len(rep.Exceptions) != 0 || rep.QRBills[0].Totals.Fees != 26 {
		t.Fatalf("no rate: %+v %+v", rep.Exceptions, rep.QRBills)
	}
	// 0.60%: 1000 → 6 (right), 2500 → 15 (the bill says 20).
	f.rc.QRFeeBPS = map[string]int64{"wx": 60}
	rows[0].TradeTime = strings.Replace(rows[0].TradeTime, "10:", "09:", 1) // other bytes: a new run
	rep = f.runQR(rows)
	got := qrClasses(rep)
	if len(got) != 1 || got["qr_fee_mismatch "+b.OutTradeNo] != "open case" {
		t.Fatalf("fee exceptions %v", got)
	}
	for _, e := range rep.Exceptions {
		if *e.FileAmount != 20 || *e.Amount != 15 {
			t.Errorf("fee exception %+v", e)
		}
	}
	// The rows themselves are matched.
	if rep.QRMatched != 2 {
		t.Errorf("qr_matched %d", rep.QRMatched)
	}
}
