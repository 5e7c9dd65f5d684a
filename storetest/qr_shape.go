package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/posguard/posguard"
)

// testQRUpdateShapes: every part of an order's update does what
// QROrderUpdate says, alone and with the others, whichever statement the
// store writes for it (one per shape of update): each step below is
// checked against the order as QROrderUpdate.Apply makes it, and the
// order returned against the order stored, with and without the order
// known to the caller. Conditions that do not hold refuse and change
// nothing.
func testQRUpdateShapes(t *testing.T, q posguard.QRStore) {
	ctx := context.Background()
	at := time.Date(2026, 12, 7, 3, 4, 5, 123456000, time.UTC)
	query, reverse, none := posguard.QRTaskQuery, posguard.QRTaskReverse, posguard.QRTaskNone
	timeout, empty := "timeout", ""
	steps := []struct {
		name string
		u    posguard.QROrderUpdate
	}{
		{"attempt", posguard.QROrderUpdate{From: posguard.QRPaying, Attempted: true, NextAttempt: at, LastError: &timeout}},
		{"attempt again, same task", posguard.QROrderUpdate{Task: &query, Attempted: true, NextAttempt: at.Add(time.Second)}},
		{"same task, no attempt", posguard.QROrderUpdate{CheckTask: true, FromTask: query, Task: &query}},
		{"code and expiry", posguard.QROrderUpdate{CodeURL: "weixin://wxpay/s/abc", ExpiresAt: at.Add(time.Minute)}},
		{"new task restarts attempts", posguard.QROrderUpdate{From: posguard.QRPaying, Task: &reverse, Attempted: true,
			Reason: posguard.ReasonQRNotConfirmed, ReversalState: posguard.QRReversalPending, NextAttempt: at.Add(2 * time.Second)}},
		{"attempt of the new task", posguard.QROrderUpdate{CheckTask: true, FromTask: reverse, Attempted: true, LastError: &empty}},
		{"case opened", posguard.QROrderUpdate{CaseOpened: true}},
		{"reversed", posguard.QROrderUpdate{From: posguard.QRPaying, CheckTask: true, FromTask: reverse, State: posguard.QRReversed,
			Task: &none, Attempted: true, ReversalState: posguard.QRReversalDone}},
		{"paid late", posguard.QROrderUpdate{From: posguard.QRReversed, State: posguard.QRSucceeded, TransactionID: "TX-late",
			PaidAt: at, Task: &none}},
	}
	for _, known := range []bool{false, true} {
		no := map[bool]string{false: "S-read", true: "S-known"}[known]
		o := newPaying(t, q, "M1", no, 500, "")
		want := *o
		for _, st := range steps {
			u := st.u
			u.ID = o.ID
			if known {
				u.Known = o
			}
			got, err := q.UpdateQROrder(ctx, u)
			must(t, err, no+": "+st.name)
			stored, err := q.QROrder(ctx, o.ID)
			must(t, err, no+": read after "+st.name)
			if !reflect.DeepEqual(got, stored) {
				t.Fatalf("%s: %s returned\n%+v\nstored\n%+v", no, st.name, got, stored)
			}
			st.u.Apply(&want)
			want.UpdatedAt = stored.UpdatedAt
			if !reflect.DeepEqual(&want, stored) {
				t.Fatalf("%s: after %s stored\n%+v\nwant\n%+v", no, st.name, stored, &want)
			}
			o = stored
		}
		// Conditions that do not hold: refused, nothing changed.
		for _, u := range []posguard.QROrderUpdate{
			{ID: o.ID, From: posguard.QRPaying, State: posguard.QRFailed},
			{ID: o.ID, CheckTask: true, FromTask: query, Task: &reverse},
		} {
			if known {
				u.Known = o
			}
			_, err := q.UpdateQROrder(ctx, u)
			wantCode(t, err, posguard.ECONFLICT, no+": refused update")
		}
		_, err := q.UpdateQROrder(ctx, posguard.QROrderUpdate{ID: 987654321, From: posguard.QRPaying, State: posguard.QRFailed})
		wantCode(t, err, posguard.ENOTFOUND, no+": update of no order")
		stored, err := q.QROrder(ctx, o.ID)
		must(t, err, no+": read after refusals")
		if !reflect.DeepEqual(o, stored) {
			t.Fatalf("%s: refused updates changed the order\n%+v\nto\n%+v", no, o, stored)
		}
	}
}
