package posguard_test

import (
	"testing"
	"time"

	"github.com/posguard/posguard"
)

// TestQROrderUpdateApply: an update changes only what it sets, a new task
// starts the attempts again (an attempt of it included), an attempt of the
// same or no task adds one, and times are kept as a store keeps them.
func TestQROrderUpdateApply(t *testing.T) {
	query, reverse, none := posguard.QRTaskQuery, posguard.QRTaskReverse, posguard.QRTaskNone
	msg := "timeout"
	at := time.Date(2026, 12, 7, 11, 4, 5, 123456789, time.FixedZone("CST", 8*3600))
	o := posguard.QROrder{ID: 7, State: posguard.QRPaying, Task: query, Attempts: 3, Reason: "r", CodeURL: "c"}
	for _, c := range []struct {
		name     string
		u        posguard.QROrderUpdate
		attempts int
		task     posguard.QRTask
	}{
		{"nothing set", posguard.QROrderUpdate{}, 3, query},
		{"attempt", posguard.QROrderUpdate{Attempted: true}, 4, query},
		{"attempt of the same task", posguard.QROrderUpdate{Task: &query, Attempted: true}, 4, query},
		{"new task", posguard.QROrderUpdate{Task: &reverse}, 0, reverse},
		{"new task attempted", posguard.QROrderUpdate{Task: &reverse, Attempted: true}, 0, reverse},
		{"task cleared, attempted", posguard.QROrderUpdate{Task: &none, Attempted: true}, 4, none},
	} {
		got := o
		c.u.Apply(&got)
		if got.Attempts != c.attempts || got.Task != c.task || got.State != o.State || got.Reason != "r" || got.CodeURL != "c" {
			t.Errorf("%s: %+v", c.name, got)
		}
	}
	got := o
	posguard.QROrderUpdate{State: posguard.QRSucceeded, TransactionID: "T1", PaidAt: at, NextAttempt: at, LastError: &msg,
		ReversalState: posguard.QRReversalPending, CaseOpened: true}.Apply(&got)
	want := at.UTC().Truncate(time.Microsecond)
	if got.State != posguard.QRSucceeded || got.TransactionID != "T1" || !got.PaidAt.Equal(want) || got.PaidAt.Location() != time.UTC ||
		got.PaidAt.Nanosecond() != 123456000 || !got.NextAttempt.Equal(want) || got.LastError != msg ||
		got.ReversalState != posguard.QRReversalPending || !got.CaseOpened || got.Reason != "r" {
		t.Fatalf("applied = %+v", got)
	}
}
