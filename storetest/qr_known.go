package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/posguard/posguard"
)

// testQRUpdateKnown: an outcome given the order as the caller has it
// (QROrderUpdate.Known) returns exactly the order as stored, the same as
// one without it, and queues the same notification; the unposted read
// gives what a posting needs, and several orders are marked posted at once.
func testQRUpdateKnown(t *testing.T, q posguard.QRStore) {
	ctx := context.Background()
	none, empty := posguard.QRTaskNone, ""
	paid := time.Date(2026, 12, 7, 3, 4, 5, 123456000, time.UTC)
	for _, known := range []bool{false, true} {
		no := map[bool]string{false: "K-read", true: "K-known"}[known]
		o := newPaying(t, q, "M1", no, 1234, "http://m/notify")
		u := posguard.QROrderUpdate{ID: o.ID, From: posguard.QRPaying, State: posguard.QRSucceeded, TransactionID: "TX-" + no,
			PaidAt: paid, Task: &none, LastError: &empty, Notify: true}
		if known {
			u.Known = o
		}
		got, err := q.UpdateQROrder(ctx, u)
		must(t, err, "succeed "+no)
		stored, err := q.QROrder(ctx, o.ID)
		must(t, err, "read "+no)
		if !reflect.DeepEqual(got, stored) {
			t.Fatalf("known %v: update returned\n%+v\nstored\n%+v", known, got, stored)
		}
		if got.State != posguard.QRSucceeded || got.TransactionID != "TX-"+no || !got.PaidAt.Equal(paid) || got.Task != "" ||
			got.OutTradeNo != o.OutTradeNo || got.OutOrderNo != no || got.Amount != 1234 {
			t.Fatalf("known %v: order after = %+v", known, got)
		}
		ns, err := q.QRNotices(ctx, o.ID)
		must(t, err, "notices "+no)
		if len(ns) != 1 || ns[0].Event != "order" || ns[0].URL != "http://m/notify" {
			t.Fatalf("known %v: notices = %+v", known, ns)
		}
		// A Known of another order is not used.
		other := newPaying(t, q, "M1", no+"-other", 99, "")
		got, err = q.UpdateQROrder(ctx, posguard.QROrderUpdate{ID: other.ID, From: posguard.QRPaying, State: posguard.QRFailed,
			Reason: posguard.ReasonQRRefused, Task: &none, Known: o})
		must(t, err, "fail other")
		if got.ID != other.ID || got.OutOrderNo != no+"-other" || got.Amount != 99 || got.State != posguard.QRFailed {
			t.Fatalf("known of another order: %+v", got)
		}
	}
	// A Known the order has moved on from (another update since: an
	// attempt made, a later attempt due): the order as stored is returned,
	// not Known with the update applied.
	for _, k := range []struct {
		name string
		u    posguard.QROrderUpdate
	}{
		{"attempted", posguard.QROrderUpdate{Attempted: true, NextAttempt: paid.Add(time.Minute), LastError: ptrString("timeout")}},
		{"case", posguard.QROrderUpdate{CaseOpened: true}},
	} {
		o := newPaying(t, q, "M1", "K-stale-"+k.name, 77, "")
		k.u.ID, k.u.From = o.ID, posguard.QRPaying
		moved, err := q.UpdateQROrder(ctx, k.u)
		must(t, err, "move "+k.name)
		got, err := q.UpdateQROrder(ctx, posguard.QROrderUpdate{ID: o.ID, From: posguard.QRPaying, State: posguard.QRSucceeded,
			TransactionID: "TX-stale", PaidAt: paid, Task: &none, Notify: true, Known: o})
		must(t, err, "succeed "+k.name)
		stored, err := q.QROrder(ctx, o.ID)
		must(t, err, "read "+k.name)
		if !reflect.DeepEqual(got, stored) || got.Attempts != moved.Attempts || got.LastError != moved.LastError ||
			got.CaseOpened != moved.CaseOpened || !got.NextAttempt.Equal(moved.NextAttempt) {
			t.Fatalf("%s: update with a stale Known returned\n%+v\nstored\n%+v", k.name, got, stored)
		}
	}
	// Refused: the order is no longer paying.
	o := newPaying(t, q, "M1", "K-twice", 10, "")
	u := posguard.QROrderUpdate{ID: o.ID, From: posguard.QRPaying, State: posguard.QRFailed, Reason: posguard.ReasonQRRefused, Task: &none, Known: o}
	_, err := q.UpdateQROrder(ctx, u)
	must(t, err, "fail")
	_, err = q.UpdateQROrder(ctx, u)
	wantCode(t, err, posguard.ECONFLICT, "fail twice")

	uo, _, err := q.UnpostedQR(ctx, 10)
	must(t, err, "unposted")
	if len(uo) != 4 {
		t.Fatalf("unposted = %d orders, want 4", len(uo))
	}
	for _, p := range uo {
		if p.Amount == 77 {
			continue // the stale Known's
		}
		if p.MerchantID != "M1" || p.Amount != 1234 || p.State != posguard.QRSucceeded || !p.PaidAt.Equal(paid) || p.UpdatedAt.IsZero() {
			t.Fatalf("unposted order = %+v", p)
		}
	}
	// All marked in one call (and an id that is not there): none left.
	must(t, q.MarkQRPosted(ctx, []int64{uo[0].ID, uo[1].ID, uo[2].ID, uo[3].ID, 999999}, nil), "mark posted")
	uo, _, err = q.UnpostedQR(ctx, 10)
	must(t, err, "unposted after")
	if len(uo) != 0 {
		t.Fatalf("unposted after marking = %d orders", len(uo))
	}
}

func ptrString(s string) *string { return &s }
