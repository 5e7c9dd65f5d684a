package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/posguard/posguard"
)

// RunQRSearch runs the conformance suite of the QR search store
// (posguard.QRSearchStore) against stores made by open, whose QR() must
// implement it.
func RunQRSearch(t *testing.T, open Opener) {
	h := &harness{open: open}
	s := h.store(t)
	qs, ok := s.(QRStorer)
	if !ok {
		t.Fatalf("%T has no QR()", s)
	}
	q := qs.QR()
	ss, ok := q.(posguard.QRSearchStore)
	if !ok {
		t.Fatalf("%T is not a QRSearchStore", q)
	}
	ctx := context.Background()
	// Three orders: M1's paid one, M1's paying one (task query), M2's paid
	// one whose channel transaction id is M1's out_trade_no's twin.
	mk := func(mid, no string) *posguard.QROrder {
		o, _, err := q.CreateQROrder(ctx, &posguard.QROrder{MerchantID: mid, OutOrderNo: no, RequestHash: "h", Mode: posguard.QRMicropay,
			Channel: "wechat", ChannelName: "wx", Amount: 1000, State: posguard.QRPaying}, "PGSRCH")
		must(t, err, "create "+no)
		return o
	}
	task := posguard.QRTaskQuery
	paid := func(o *posguard.QROrder, tx string) *posguard.QROrder {
		got, err := q.UpdateQROrder(ctx, posguard.QROrderUpdate{ID: o.ID, From: posguard.QRPaying, State: posguard.QRSucceeded,
			TransactionID: tx, PaidAt: time.Now(), Task: ptrTask(posguard.QRTaskNone)})
		must(t, err, "paid")
		return got
	}
	a := mk("M1", "A1")
	b := mk("M1", "A2")
	c := mk("M2", "B1")
	a = paid(a, "4200000001")
	c = paid(c, "4200000002")
	_, err := q.UpdateQROrder(ctx, posguard.QROrderUpdate{ID: b.ID, From: posguard.QRPaying, Task: &task, NextAttempt: time.Now()})
	must(t, err, "task")

	for _, x := range []struct {
		mid, no string
		want    []int64
	}{
		{"", "4200000001", []int64{a.ID}},
		{"M1", "4200000001", []int64{a.ID}},
		{"M2", "4200000001", nil},
		{"", b.OutTradeNo, []int64{b.ID}},
		{"", "4200000002", []int64{c.ID}},
		{"M1", "4200000002", nil},
		{"", "", nil},
		{"", "nothing", nil},
	} {
		got, err := ss.QROrdersByChannelNo(ctx, x.mid, x.no, 10)
		must(t, err, "by channel number")
		if len(got) != len(x.want) {
			t.Fatalf("QROrdersByChannelNo(%q, %q) = %d orders, want %v", x.mid, x.no, len(got), x.want)
		}
		for i := range got {
			if got[i].ID != x.want[i] {
				t.Fatalf("QROrdersByChannelNo(%q, %q)[%d] = %d, want %d", x.mid, x.no, i, got[i].ID, x.want[i])
			}
		}
	}

	byID, err := ss.QROrdersByIDs(ctx, []int64{a.ID, c.ID, 999999})
	must(t, err, "by ids")
	if len(byID) != 2 || byID[a.ID].OutOrderNo != "A1" || byID[c.ID].TransactionID != "4200000002" {
		t.Fatalf("QROrdersByIDs = %+v", byID)
	}
	many := make([]int64, 1200) // more than one chunk
	for i := range many {
		many[i] = int64(i + 1)
	}
	if all, err := ss.QROrdersByIDs(ctx, many); err != nil || len(all) != 3 {
		t.Fatalf("QROrdersByIDs(1..1200) = %d orders, %v", len(all), err)
	}
	r, _, err := q.CreateQRRefund(ctx, &posguard.QRRefund{OrderID: a.ID, MerchantID: "M1", OutRefundNo: "R1", Amount: 300, RequestHash: "r"}, "PRSRCH")
	must(t, err, "refund")
	refunds, err := ss.QRRefundsByIDs(ctx, []int64{r.ID, 424242})
	must(t, err, "refunds by ids")
	if len(refunds) != 1 || refunds[r.ID].OutRefundNo != "R1" || refunds[r.ID].Amount != 300 {
		t.Fatalf("QRRefundsByIDs = %+v", refunds)
	}
	if none, err := ss.QROrdersByIDs(ctx, nil); err != nil || len(none) != 0 {
		t.Fatalf("QROrdersByIDs(nil) = %v, %v", none, err)
	}

	sizes, err := ss.QRQueueSizes(ctx)
	must(t, err, "queue sizes")
	got := map[string]int{}
	for _, z := range sizes {
		got[z.Queue] = z.Count
		if z.Count > 0 && z.Oldest.IsZero() {
			t.Errorf("queue %s: %d items without an oldest time", z.Queue, z.Count)
		}
	}
	// b queries; the refund is processing with its send task.
	if got["query"] != 1 || got["refund"] != 1 || got["reverse"] != 0 || got["notify"] != 0 {
		t.Fatalf("QRQueueSizes = %+v", sizes)
	}
}

func ptrTask(t posguard.QRTask) *posguard.QRTask { return &t }
