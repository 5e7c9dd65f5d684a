package qr_test

import (
	"context"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/qr"
	"github.com/posguard/posguard/simwallet"
	"github.com/posguard/posguard/sqlite"
	"github.com/posguard/posguard/wallet"
)

// repairRig is rig with the simulated channel at hand (to make it charge
// an order posguard shows failed) and a payer too poor for most orders.
func repairRig(t *testing.T) (*qr.Engine, *sqlite.Store, *simwallet.Sim) {
	t.Helper()
	ctx := context.Background()
	sim, url := startSim(t, `
wallet_channels:
  - { name: "wx", kind: wechat, url: "http://127.0.0.1:1/wx", app_id: "wxtest", key: "`+benchKey+`" }
merchants:
  - { id: "M1", wallet: { mch_id: "1900000101" } }
payers:
  - { code: "13", channel: "wx", balance: 1000000, behavior: ok }
  - { code: "14", channel: "wx", balance: 10, behavior: ok }
`)
	st := openSQLite(t, "q.db")
	putShop(ctx, t, st, &posguard.Merchant{ID: "M1", Name: "shop", MCC: "5411", Status: posguard.MerchantActive}, "1900000101")
	putWX(ctx, t, st, url, "wxtest")
	e := &qr.Engine{Store: st.QR(), Merchants: st, Settings: st, Wait: 2 * time.Second, PublicURL: "http://127.0.0.1:9",
		QueryEvery: time.Hour}
	if err := e.Start(ctx); err != nil {
		t.Fatal(err)
	}
	return e, st, sim
}

// TestRepairCharge: what reconciliation asks of the engine when a bill
// shows money taken for an order posguard does not show succeeded — a
// paying order the channel shows paid becomes succeeded; a failed one the
// channel charged anyway is refunded in full through the refund queue
// until the channel confirms; a failed one the channel holds nothing for
// needs nothing. And the bill sources and a fetched bill.
func TestRepairCharge(t *testing.T) {
	e, st, sim := repairRig(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	srcs, err := e.BillSources(ctx)
	if err != nil || len(srcs) != 1 || srcs[0].Channel != "wx" || srcs[0].MchID != "1900000101" || srcs[0].AppID != "wxtest" {
		t.Fatalf("bill sources %+v %v", srcs, err)
	}

	// A native order still paying, paid by a scan: the channel holds it.
	nat, _, err := e.Create(ctx, qr.OrderInput{MerchantID: "M1", OutOrderNo: "N1", Amount: 800, Mode: posguard.QRNative, Hash: "n1",
		ExpireSeconds: 300})
	if err != nil || nat.State != posguard.QRPaying || nat.CodeURL == "" {
		t.Fatalf("native order %+v %v", nat, err)
	}
	if _, _, refusal := sim.Scan(nat.CodeURL, "130000000000000001"); refusal != "" {
		t.Fatal(refusal)
	}
	if how, err := e.RepairCharge(ctx, nat.ID); err != nil || how != qr.ChargeSucceeded {
		t.Fatalf("paying order: %q %v", how, err)
	}
	if o, _ := st.QR().QROrder(ctx, nat.ID); o.State != posguard.QRSucceeded || o.TransactionID == "" {
		t.Fatalf("paying order after the repair: %+v", o)
	}
	if s, _ := e.ChargeRepairState(ctx, nat.ID); s != qr.RepairDone {
		t.Fatalf("state %s", s)
	}

	// A micropay order the payer could not pay (failed), charged anyway.
	poor, _, err := e.Create(ctx, qr.OrderInput{MerchantID: "M1", OutOrderNo: "P1", Amount: 500, Mode: posguard.QRMicropay,
		AuthCode: "140000000000000001", Hash: "p1"})
	if err != nil || poor.State != posguard.QRFailed {
		t.Fatalf("poor order %+v %v", poor, err)
	}
	// Before the channel takes anything: it holds nothing, nothing to do.
	if how, err := e.RepairCharge(ctx, poor.ID); err != nil || how != qr.ChargeReturned {
		t.Fatalf("failed order the channel holds nothing for: %q %v", how, err)
	}
	if err := sim.AlterBill(simwallet.BillAlteration{OutTradeNo: poor.OutTradeNo, Action: "charge", Payer: "130000000000000009"}); err != nil {
		t.Fatal(err)
	}
	if how, err := e.RepairCharge(ctx, poor.ID); err != nil || how != qr.ChargeRefund {
		t.Fatalf("failed order charged: %q %v", how, err)
	}
	if s, _ := e.ChargeRepairState(ctx, poor.ID); s != qr.RepairPending {
		t.Fatalf("before the refund is sent: %s", s)
	}
	// Asked again (a second run): the same refund, not another.
	if how, _ := e.RepairCharge(ctx, poor.ID); how != qr.ChargeRefund {
		t.Fatalf("again: %q", how)
	}
	refunds, _ := st.QR().QRRefunds(ctx, poor.ID)
	if len(refunds) != 1 || !refunds[0].Internal || refunds[0].Amount != 500 {
		t.Fatalf("refunds %+v", refunds)
	}
	go e.Run(ctx)
	deadline := time.Now().Add(10 * time.Second)
	for {
		s, err := e.ChargeRepairState(ctx, poor.ID)
		if err != nil {
			t.Fatal(err)
		}
		if s == qr.RepairDone {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the refund was not confirmed: %s", s)
		}
		time.Sleep(20 * time.Millisecond) // polling the refund queue
	}
	for _, a := range sim.Accounts() {
		for _, c := range a.Charges {
			if c.OutTradeNo == poor.OutTradeNo && c.Amount-c.RefundedAmount != 0 {
				t.Fatalf("the channel still holds %d of the failed order", c.Amount-c.RefundedAmount)
			}
		}
	}
	// The day's bill, fetched: the native payment, the charge and its refund.
	day := time.Now().In(time.FixedZone("", 8*3600)).Format("2006-01-02")
	bill, err := e.FetchBill(ctx, srcs[0], day)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := wallet.ParseBill(string(bill))
	if err != nil || len(rows) != 3 {
		t.Fatalf("bill rows %d %v:\n%s", len(rows), err, bill)
	}
	if _, err := e.FetchBill(ctx, srcs[0], "2999-01-01"); posguard.ErrorCode(err) != posguard.ENOTFOUND {
		t.Fatalf("a day not begun: %v", err)
	}
}
