package storetest

import (
	"context"
	"testing"

	"github.com/posguard/posguard"
)

// testQRRefundExchanges: every exchange an update carries is kept, in
// order, with the refund's order and merchant and the store's time; an
// update refused (ECONFLICT) keeps none; another order's list is empty.
func testQRRefundExchanges(t *testing.T, q posguard.QRStore) {
	ctx := context.Background()
	o := newPaying(t, q, "M1", "X1", 1000, "")
	none, query := posguard.QRTaskNone, posguard.QRRefundTaskQuery
	_, err := q.UpdateQROrder(ctx, posguard.QROrderUpdate{ID: o.ID, From: posguard.QRPaying, State: posguard.QRSucceeded, Task: &none})
	must(t, err, "succeed")
	other := newPaying(t, q, "M1", "X2", 1000, "")
	r, _, err := q.CreateQRRefund(ctx, &posguard.QRRefund{OrderID: o.ID, OutRefundNo: "RX-1", Amount: 300, RequestHash: "h"}, "PRT")
	must(t, err, "refund")
	xs, err := q.QRRefundExchanges(ctx, o.ID)
	must(t, err, "no exchanges")
	if len(xs) != 0 {
		t.Fatalf("exchanges before any = %d", len(xs))
	}
	answers := []string{"refund: SYSTEMERROR", "refund query: PROCESSING", "refund query: SUCCESS"}
	for i, a := range answers {
		u := posguard.QRRefundUpdate{ID: r.ID, From: posguard.QRRefundProcessing, Task: &query, Attempted: true,
			Exchange: &posguard.QRRefundExchange{Request: posguard.QRExchangeRefundQuery, Answer: a}}
		if i == 0 {
			u.Exchange.Request = posguard.QRExchangeRefund
		}
		if i == len(answers)-1 {
			u.State, u.Task = posguard.QRRefundSucceeded, &none
		}
		_, err := q.UpdateQRRefund(ctx, u)
		must(t, err, a)
	}
	_, err = q.UpdateQRRefund(ctx, posguard.QRRefundUpdate{ID: r.ID, From: posguard.QRRefundProcessing, State: posguard.QRRefundFailed,
		Exchange: &posguard.QRRefundExchange{Request: posguard.QRExchangeRefundQuery, Answer: "refund query: FAIL"}})
	wantCode(t, err, posguard.ECONFLICT, "a final refund")
	xs, err = q.QRRefundExchanges(ctx, o.ID)
	must(t, err, "exchanges")
	if len(xs) != len(answers) {
		t.Fatalf("exchanges = %d, want %d", len(xs), len(answers))
	}
	for i, x := range xs {
		if x.Answer != answers[i] || x.RefundID != r.ID || x.OrderID != o.ID || x.MerchantID != "M1" || x.At.IsZero() ||
			(i > 0 && (x.ID <= xs[i-1].ID || x.At.Before(xs[i-1].At))) {
			t.Fatalf("exchange %d = %+v", i, x)
		}
	}
	if xs[0].Request != posguard.QRExchangeRefund || xs[1].Request != posguard.QRExchangeRefundQuery {
		t.Fatalf("requests = %q, %q", xs[0].Request, xs[1].Request)
	}
	xs, err = q.QRRefundExchanges(ctx, other.ID)
	must(t, err, "other order")
	if len(xs) != 0 {
		t.Fatalf("another order's exchanges = %d", len(xs))
	}
}
