package storetest

import (
	"fmt"
	"sort"
	"testing"

	"github.com/posguard/posguard"
)

// testDailyByCard checks the per-card and per-terminal usage rows: only
// the merchant's sales and completions of the date in a counting state,
// grouped by card, terminal and no-PIN contactless read.
func testDailyByCard(t *testing.T, h *harness) {
	s := h.store(t)
	ctx := t.Context()
	n := 0
	add := func(tid, hash, entry string, typ posguard.TxnType, state posguard.State, amount posguard.Amount, mid, date string) {
		n++
		x := txn(tid, fmt.Sprintf("%06d", n))
		x.PANHash, x.EntryMode, x.Type, x.State, x.Amount, x.MerchantID, x.SettlementDate = hash, entry, typ, state, amount, mid, date
		insert(t, s, x)
	}
	const m, d = "898310048990001", "2026-03-01"
	add("T1", "cardA", "021", posguard.TxnSale, posguard.StateApproved, 100, m, d)
	add("T1", "cardA", "021", posguard.TxnCompletion, posguard.StateApproved, 200, m, d)
	add("T2", "cardA", "072", posguard.TxnSale, posguard.StateForwarded, 50, m, d)
	add("T2", "cardB", "072", posguard.TxnSale, posguard.StateRefunded, 70, m, d)
	// Not counted: declined, reversed, voided, pre-auth, another day or merchant.
	add("T1", "cardA", "021", posguard.TxnSale, posguard.StateDeclined, 1, m, d)
	add("T1", "cardA", "021", posguard.TxnSale, posguard.StateReversed, 2, m, d)
	add("T1", "cardA", "021", posguard.TxnSale, posguard.StateVoided, 4, m, d)
	add("T1", "cardA", "021", posguard.TxnPreAuth, posguard.StateApproved, 8, m, d)
	add("T1", "cardA", "021", posguard.TxnSale, posguard.StateApproved, 16, m, "2026-03-02")
	add("T1", "cardA", "021", posguard.TxnSale, posguard.StateApproved, 32, "898310048990002", d)

	rows, err := s.DailyByCard(ctx, m, d)
	must(t, err, "daily by card")
	got := make([]string, 0, len(rows))
	for _, r := range rows {
		got = append(got, fmt.Sprintf("%s/%s/%v:%d×%d", r.PANHash, r.TerminalID, r.NoPIN, r.Amount, r.Count))
	}
	sort.Strings(got)
	want := []string{"cardA/T1/false:300×2", "cardA/T2/true:50×1", "cardB/T2/true:70×1"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("DailyByCard = %v, want %v", got, want)
	}
	if rows, err := s.DailyByCard(ctx, m, "2026-01-01"); err != nil || len(rows) != 0 {
		t.Fatalf("DailyByCard of an empty day: %v %v", rows, err)
	}
}
