package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/posguard/posguard"
)

// ReconQRStorer is a store with the QR reads of reconciliation.
type ReconQRStorer interface {
	QR() posguard.QRStore
	ReconQR() posguard.ReconQRStore
}

// RunReconQR checks the reads QR reconciliation makes of the QR journal:
// orders by their number at the channel, succeeded orders by the moment
// they were paid, refunds by order, succeeded refunds by their last
// change.
func RunReconQR(t *testing.T, open Opener) {
	h := &harness{open: open}
	s := h.store(t)
	st, ok := s.(ReconQRStorer)
	if !ok {
		t.Fatalf("%T has no ReconQR()", s)
	}
	q, rq := st.QR(), st.ReconQR()
	ctx := context.Background()
	none := posguard.QRTaskNone
	day := time.Date(2026, 11, 23, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
	succeed := func(o *posguard.QROrder, paid time.Time) {
		t.Helper()
		_, err := q.UpdateQROrder(ctx, posguard.QROrderUpdate{ID: o.ID, From: posguard.QRPaying, State: posguard.QRSucceeded,
			TransactionID: "T" + o.OutOrderNo, PaidAt: paid, Task: &none})
		must(t, err, "succeed "+o.OutOrderNo)
	}
	paidToday := newPaying(t, q, "M1", "Q1", 1000, "")
	succeed(paidToday, day.Add(10*time.Hour))
	paidBefore := newPaying(t, q, "M1", "Q2", 2000, "")
	succeed(paidBefore, day.Add(-time.Second))
	paidLate := newPaying(t, q, "M2", "Q3", 3000, "")
	succeed(paidLate, day.Add(24*time.Hour-time.Microsecond))
	failed := newPaying(t, q, "M1", "Q4", 400, "")
	_, err := q.UpdateQROrder(ctx, posguard.QROrderUpdate{ID: failed.ID, From: posguard.QRPaying, State: posguard.QRFailed,
		Reason: posguard.ReasonQRInsufficient, Task: &none})
	must(t, err, "fail")

	got, err := rq.QROrdersByTradeNo(ctx, []string{paidBefore.OutTradeNo, failed.OutTradeNo, "PGTNOSUCH"})
	must(t, err, "by numbers")
	if len(got) != 2 {
		t.Fatalf("by numbers: %d orders", len(got))
	}
	for _, o := range got {
		if o.ID == failed.ID && o.State != posguard.QRFailed || o.ID == paidBefore.ID && o.State != posguard.QRSucceeded {
			t.Fatalf("by numbers: %+v", o)
		}
	}
	if got, err := rq.QROrdersByTradeNo(ctx, nil); err != nil || len(got) != 0 {
		t.Fatalf("no numbers: %v %v", got, err)
	}
	paid := map[int64]bool{}
	must(t, rq.PaidQROrders(ctx, day, day.AddDate(0, 0, 1), func(o *posguard.QROrder) error {
		paid[o.ID] = true
		return nil
	}), "paid orders")
	if len(paid) != 2 || !paid[paidToday.ID] || !paid[paidLate.ID] {
		t.Fatalf("paid on the day: %v (want %d and %d)", paid, paidToday.ID, paidLate.ID)
	}
	o, err := rq.QROrder(ctx, failed.ID)
	must(t, err, "one order")
	if o.OutTradeNo != failed.OutTradeNo {
		t.Fatalf("order = %+v", o)
	}

	r1, _, err := q.CreateQRRefund(ctx, &posguard.QRRefund{OrderID: paidToday.ID, OutRefundNo: "RF-1", Amount: 300, RequestHash: "r1"}, "PRT")
	must(t, err, "refund 1")
	_, _, err = q.CreateQRRefund(ctx, &posguard.QRRefund{OrderID: paidToday.ID, OutRefundNo: "RF-2", Amount: 200, RequestHash: "r2"}, "PRT")
	must(t, err, "refund 2")
	_, err = q.UpdateQRRefund(ctx, posguard.QRRefundUpdate{ID: r1.ID, From: posguard.QRRefundProcessing, State: posguard.QRRefundSucceeded,
		RefundID: "RID1", Task: &none})
	must(t, err, "refund 1 succeeded")
	refunds, err := rq.QRRefundsOf(ctx, []int64{paidToday.ID, failed.ID})
	must(t, err, "refunds of orders")
	if len(refunds) != 2 {
		t.Fatalf("refunds of orders: %d", len(refunds))
	}
	var ok1 []*posguard.QRRefund
	now := time.Now()
	must(t, rq.SucceededQRRefunds(ctx, now.Add(-time.Hour), now.Add(time.Hour), func(x *posguard.QRRefund) error {
		ok1 = append(ok1, x)
		return nil
	}), "succeeded refunds")
	if len(ok1) != 1 || ok1[0].ID != r1.ID || ok1[0].RefundNo == "" || ok1[0].Amount != 300 {
		t.Fatalf("succeeded refunds: %+v", ok1)
	}
	var none2 int
	must(t, rq.SucceededQRRefunds(ctx, now.Add(time.Hour), now.Add(2*time.Hour), func(*posguard.QRRefund) error { none2++; return nil }), "later")
	if none2 != 0 {
		t.Fatalf("refunds in a later hour: %d", none2)
	}
}
