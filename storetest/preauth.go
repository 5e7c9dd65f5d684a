package storetest

import (
	"testing"
	"time"

	"github.com/posguard/posguard"
)

// testPreAuths checks the pre-authorization lookups: by merchant and
// authorization code (completions and cancels), and the open ones past a
// time (the 30-day expiry sweep).
func testPreAuths(t *testing.T, h *harness) {
	s := h.store(t)
	ctx := t.Context()
	pre := func(tid, stan, mid, auth string, state posguard.State) *posguard.Transaction {
		x := txn(tid, stan)
		x.MTI, x.Type, x.ProcCode = "0100", posguard.TxnPreAuth, "030000"
		x.MerchantID, x.AuthCode, x.State = mid, auth, state
		return insert(t, s, x)
	}
	a := pre("10000001", "000001", "898310048990001", "123456", posguard.StateApproved)
	b := pre("10000002", "000002", "898310048990001", "123456", posguard.StateCompleted)
	pre("10000003", "000003", "898310048990002", "123456", posguard.StateApproved) // another merchant
	c := pre("10000001", "000004", "898310048990001", "654321", posguard.StateVoided)
	sale := txn("10000001", "000005") // a sale with the same code is no pre-auth
	sale.AuthCode = "123456"
	insert(t, s, sale)

	got, err := s.PreAuths(ctx, "898310048990001", "123456")
	must(t, err, "preauths")
	if len(got) != 2 || got[0].ID != b.ID || got[1].ID != a.ID {
		t.Fatalf("PreAuths: %d rows %v, want %d then %d", len(got), ids(got), b.ID, a.ID)
	}
	if got, err := s.PreAuths(ctx, "898310048990001", "000000"); err != nil || len(got) != 0 {
		t.Fatalf("PreAuths of an unknown code: %v %v", ids(got), err)
	}
	if got, err := s.PreAuths(ctx, "898310048990001", ""); err != nil || got == nil || len(got) != 0 {
		t.Fatalf("PreAuths without a code: %v %v", got, err)
	}

	// Expiry: only approved pre-auths, only those created before the bound.
	open, err := s.ExpiringPreAuths(ctx, time.Now().Add(time.Hour), 100)
	must(t, err, "expiring")
	if len(open) != 2 || open[0].ID != a.ID {
		t.Fatalf("ExpiringPreAuths: %v, want %d and the other merchant's", ids(open), a.ID)
	}
	for _, x := range open {
		if x.ID == b.ID || x.ID == c.ID || x.Type != posguard.TxnPreAuth {
			t.Fatalf("ExpiringPreAuths returned %d (%s, %s)", x.ID, x.Type, x.State)
		}
	}
	if open, err := s.ExpiringPreAuths(ctx, a.CreatedAt.Add(-time.Hour), 100); err != nil || len(open) != 0 {
		t.Fatalf("ExpiringPreAuths before the first: %v %v", ids(open), err)
	}
	if open, err := s.ExpiringPreAuths(ctx, time.Now().Add(time.Hour), 1); err != nil || len(open) != 1 {
		t.Fatalf("ExpiringPreAuths limit 1: %v %v", ids(open), err)
	}
}

func ids(txns []*posguard.Transaction) []int64 {
	out := make([]int64, len(txns))
	for i, x := range txns {
		out[i] = x.ID
	}
	return out
}
