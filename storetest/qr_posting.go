package storetest

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/ledger"
)

// RunQRPosting checks that the ledger's QR poster, over the store's queue
// of unposted orders and refunds, posts every succeeded order and
// succeeded refund exactly once: whichever of UpdateQROrder's paths made
// it succeeded, when an instance stops between appending the postings
// and clearing the queue (another drain then appends nothing and clears),
// and when an order is set succeeded again. The store must implement
// QRStorer and MoneyStorer.
func RunQRPosting(t *testing.T, open Opener) {
	h := &harness{open: open}
	s := h.store(t)
	q, money := sideOf[QRStorer](t, s).QR(), sideOf[MoneyStorer](t, s).Money()
	ctx := context.Background()
	none := posguard.QRTaskNone
	paid := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)

	// Succeeded through each of the update's forms: from paying (one
	// statement), without a required state and no notification (one
	// statement), without a required state but notifying (read under
	// lock, then written). A failed order is not queued.
	updates := []posguard.QROrderUpdate{
		{From: posguard.QRPaying, State: posguard.QRSucceeded, PaidAt: paid, Task: &none, Notify: true},
		{State: posguard.QRSucceeded, PaidAt: paid, Task: &none},
		{State: posguard.QRSucceeded, PaidAt: paid, Task: &none, Notify: true},
		{From: posguard.QRPaying, State: posguard.QRFailed, Reason: posguard.ReasonQRRefused, Task: &none, Notify: true},
	}
	var ids []int64
	for i, u := range updates {
		o := newPaying(t, q, "M1", "P"+string(rune('A'+i)), posguard.Amount(1000*(i+1)), "http://m/n")
		u.ID = o.ID
		_, err := q.UpdateQROrder(ctx, u)
		must(t, err, "outcome")
		ids = append(ids, o.ID)
	}
	// A later change of a succeeded order does not queue it again.
	_, err := q.UpdateQROrder(ctx, posguard.QROrderUpdate{ID: ids[0], From: posguard.QRSucceeded, CaseOpened: true})
	must(t, err, "case opened")
	uo, ur, err := q.UnpostedQR(ctx, 100)
	must(t, err, "unposted")
	if len(uo) != 3 || len(ur) != 0 || uo[0].ID != ids[0] || uo[1].ID != ids[1] || uo[2].ID != ids[2] {
		t.Fatalf("unposted = %+v, %d refunds; want orders %v", uo, len(ur), ids[:3])
	}

	// A refund of the first order, and an internal one of the second
	// (never posted, but cleared).
	refund := func(orderID int64, no string, amount posguard.Amount, internal bool) *posguard.QRRefund {
		r, _, err := q.CreateQRRefund(ctx, &posguard.QRRefund{OrderID: orderID, OutRefundNo: no, Amount: amount,
			RequestHash: "h-" + no, Internal: internal}, "PRT")
		must(t, err, "refund "+no)
		r, err = q.UpdateQRRefund(ctx, posguard.QRRefundUpdate{ID: r.ID, From: posguard.QRRefundProcessing,
			State: posguard.QRRefundSucceeded, Task: &none})
		must(t, err, "refund "+no+" succeeded")
		return r
	}
	r1 := refund(ids[0], "RF1", 400, false)
	refund(ids[1], "RF2", 2000, true)
	failed, _, err := q.CreateQRRefund(ctx, &posguard.QRRefund{OrderID: ids[2], OutRefundNo: "RF3", Amount: 5, RequestHash: "h"}, "PRT")
	must(t, err, "refund 3")
	_, err = q.UpdateQRRefund(ctx, posguard.QRRefundUpdate{ID: failed.ID, From: posguard.QRRefundProcessing, State: posguard.QRRefundFailed, Task: &none})
	must(t, err, "refund 3 failed")
	_, ur, err = q.UnpostedQR(ctx, 100)
	must(t, err, "unposted refunds")
	if len(ur) != 2 || ur[0].ID != r1.ID || ur[0].Internal || !ur[1].Internal {
		t.Fatalf("unposted refunds = %+v", ur)
	}

	// One instance appends the postings and stops before clearing.
	crashed := &ledger.QRPoster{QR: stopBeforeClearing{q}, Ledger: money, Pricer: qrFee{}, Date: posguard.Calendar{}.SettlementDate}
	n, err := crashed.Drain(ctx)
	if !errors.Is(err, errStopped) || n != 4 {
		t.Fatalf("drain stopped before clearing: %d postings, %v", n, err)
	}
	// Another (or the same, restarted) finds them still queued, appends
	// nothing and clears them.
	p := &ledger.QRPoster{QR: q, Ledger: money, Pricer: qrFee{}, Date: posguard.Calendar{}.SettlementDate}
	if n, err := p.Drain(ctx); err != nil || n != 0 {
		t.Fatalf("drain after the stop: %d postings, %v", n, err)
	}
	uo, ur, err = q.UnpostedQR(ctx, 100)
	must(t, err, "unposted after drain")
	if len(uo)+len(ur) != 0 {
		t.Fatalf("after drain: %d orders, %d refunds unposted", len(uo), len(ur))
	}

	// An order set succeeded again without a required state is queued
	// again; its posting key makes the repost append nothing.
	_, err = q.UpdateQROrder(ctx, posguard.QROrderUpdate{ID: ids[1], State: posguard.QRSucceeded})
	must(t, err, "succeeded again")
	if n, err := p.Drain(ctx); err != nil || n != 0 {
		t.Fatalf("drain of a reposted order: %d postings, %v", n, err)
	}

	want := map[int64]int{ids[0]: 2, ids[1]: 1, ids[2]: 1, ids[3]: 0}
	for id, w := range want {
		ps, err := money.PostingsByRef(ctx, "Q"+strconv.FormatInt(id, 10))
		must(t, err, "postings")
		if len(ps) != w {
			t.Fatalf("order %d: %d postings, want %d", id, len(ps), w)
		}
	}
	ps, err := money.PostingsByRef(ctx, "Q"+strconv.FormatInt(ids[0], 10))
	must(t, err, "postings")
	if ps[0].Kind != posguard.PostApproval || ps[0].Gross != 1000 || ps[1].Kind != posguard.PostRefund || ps[1].Gross != 400 {
		t.Fatalf("postings of order %d: %+v %+v", ids[0], ps[0], ps[1])
	}
	if _, err := ledger.Verify(ctx, money); err != nil {
		t.Fatal(err)
	}
}

// errStopped is what stopBeforeClearing's MarkQRPosted returns.
var errStopped = errors.New("stopped before clearing")

// stopBeforeClearing is a QR store whose MarkQRPosted fails: a poster
// stopped between appending its postings and clearing the queue.
type stopBeforeClearing struct{ posguard.QRStore }

func (stopBeforeClearing) MarkQRPosted(context.Context, []int64, []int64) error { return errStopped }

// qrFee prices QR payments at 1 %.
type qrFee struct{}

func (qrFee) QRFee(_ context.Context, _ string, a posguard.Amount) (posguard.Amount, error) {
	return a / 100, nil
}
