package recon

import (
	"testing"

	"github.com/posguard/posguard"
)

func TestEffect(t *testing.T) {
	cases := []struct {
		typ   posguard.TxnType
		state posguard.State
		want  posguard.Amount
	}{
		{posguard.TxnSale, posguard.StateApproved, 100},
		{posguard.TxnSale, posguard.StateVoided, 100}, // its void carries the credit
		{posguard.TxnSale, posguard.StatePartRefunded, 100},
		{posguard.TxnSale, posguard.StateRefunded, 100},
		{posguard.TxnSale, posguard.StateReversed, 0},
		{posguard.TxnSale, posguard.StateReversalPending, 0},
		{posguard.TxnSale, posguard.StateDeclined, 0},
		{posguard.TxnSale, posguard.StateRejected, 0},
		{posguard.TxnCompletion, posguard.StateApproved, 100},
		{posguard.TxnVoid, posguard.StateApproved, -100},
		{posguard.TxnVoid, posguard.StateReversed, 0},
		{posguard.TxnRefund, posguard.StateApproved, -100},
		{posguard.TxnRefund, posguard.StateDeclined, 0},
		{posguard.TxnInquiry, posguard.StateApproved, 0},
		{posguard.TxnReversal, posguard.StateCompleted, 0},
	}
	for _, c := range cases {
		got := Effect(&posguard.Transaction{Type: c.typ, State: c.state, Amount: 100})
		if got != c.want {
			t.Errorf("%s %s: %d, want %d", c.typ, c.state, got, c.want)
		}
	}
}

func TestCompare(t *testing.T) {
	issuer := map[string]posguard.Amount{"a": 100, "b": 0, "c": 50}
	journal := map[string]posguard.Amount{"a": 100, "c": 40, "d": 7}
	got := Compare(issuer, journal)
	want := []Mismatch{{PAN: "c", Issuer: 50, Journal: 40}, {PAN: "d", Journal: 7}}
	if len(got) != len(want) {
		t.Fatalf("%+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("%+v, want %+v", got, want)
		}
	}
	if m := Compare(map[string]posguard.Amount{"x": 5}, map[string]posguard.Amount{"x": 5}); len(m) != 0 {
		t.Fatalf("equal sides: %+v", m)
	}
}
