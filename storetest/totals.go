package storetest

import (
	"fmt"
	"testing"

	"github.com/posguard/posguard"
)

// row is one journal entry for the totals tables.
type row struct {
	typ    posguard.TxnType
	state  posguard.State
	org    string
	amount posguard.Amount
}

func testBatchTotals(t *testing.T, h *harness) {
	const (
		S = posguard.TxnSale
		C = posguard.TxnCompletion
		V = posguard.TxnVoid
		R = posguard.TxnRefund
		W = posguard.TxnCompletionVoid
		P = posguard.TxnPreAuth
		Q = posguard.TxnInquiry
	)
	cases := []struct {
		name string
		rows []row
		want posguard.BatchTotals
	}{
		{"Empty", nil, posguard.BatchTotals{}},
		{"DomesticDebits", []row{{S, posguard.StateApproved, "CUP", 100}, {C, posguard.StateApproved, "", 250}},
			posguard.BatchTotals{DomesticDebitAmount: 350, DomesticDebitCount: 2}},
		{"VoidedSaleStillDebitVoidIsCredit", []row{{S, posguard.StateVoided, "CUP", 100}, {V, posguard.StateApproved, "CUP", 100}},
			posguard.BatchTotals{DomesticDebitAmount: 100, DomesticDebitCount: 1, DomesticCreditAmount: 100, DomesticCreditCount: 1}},
		{"RefundedSales", []row{{S, posguard.StatePartRefunded, "CUP", 500}, {S, posguard.StateRefunded, "CUP", 300},
			{R, posguard.StateApproved, "CUP", 200}, {R, posguard.StateApproved, "CUP", 300}},
			posguard.BatchTotals{DomesticDebitAmount: 800, DomesticDebitCount: 2, DomesticCreditAmount: 500, DomesticCreditCount: 2}},
		{"CompletionVoid", []row{{C, posguard.StateVoided, "CUP", 700}, {W, posguard.StateApproved, "CUP", 700}},
			posguard.BatchTotals{DomesticDebitAmount: 700, DomesticDebitCount: 1, DomesticCreditAmount: 700, DomesticCreditCount: 1}},
		{"Foreign", []row{{S, posguard.StateApproved, "VIS", 1000}, {S, posguard.StateApproved, "MCC", 10},
			{R, posguard.StateApproved, "JCB", 5}, {S, posguard.StateApproved, "CUP", 1}},
			posguard.BatchTotals{ForeignDebitAmount: 1010, ForeignDebitCount: 2, ForeignCreditAmount: 5, ForeignCreditCount: 1,
				DomesticDebitAmount: 1, DomesticDebitCount: 1}},
		{"CountNowhere", []row{
			{S, posguard.StateReversed, "CUP", 1}, {S, posguard.StateDeclined, "CUP", 2}, {S, posguard.StateRejected, "CUP", 4},
			{S, posguard.StateTimedOut, "CUP", 8}, {S, posguard.StateForwarded, "CUP", 16}, {S, posguard.StateReversalPending, "CUP", 32},
			{S, posguard.StateReversalFailed, "CUP", 64}, {V, posguard.StateReversed, "CUP", 128}, {R, posguard.StateDeclined, "CUP", 256},
			{P, posguard.StateApproved, "CUP", 512}, {Q, posguard.StateApproved, "CUP", 1024}, {S, posguard.StateReceived, "CUP", 2048},
		}, posguard.BatchTotals{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := h.store(t)
			for i, r := range tc.rows {
				x := txn("10000001", fmt.Sprintf("%06d", i+1))
				x.Type, x.State, x.CardOrg, x.Amount = r.typ, r.state, r.org, r.amount
				insert(t, s, x)
			}
			// Noise: same terminal other batch, other terminal same batch.
			other := txn("10000001", "900001")
			other.Batch = "000002"
			insert(t, s, other)
			insert(t, s, txn("10000009", "900002"))

			got, err := s.BatchTotals(t.Context(), "10000001", "000001")
			must(t, err, "batch totals")
			if got != tc.want {
				t.Fatalf("totals\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func testDailyUsage(t *testing.T, h *harness) {
	s := h.store(t)
	const m, day = "898310048990001", "2026-03-01"
	add := func(stan string, typ posguard.TxnType, st posguard.State, amt posguard.Amount, merchant, date string) {
		x := txn("10000001", stan)
		x.Type, x.State, x.Amount, x.MerchantID, x.SettlementDate = typ, st, amt, merchant, date
		insert(t, s, x)
	}
	// Counted: in flight and approved debits, refunded or not.
	add("000001", posguard.TxnSale, posguard.StateForwarded, 1, m, day)
	add("000002", posguard.TxnSale, posguard.StateApproved, 2, m, day)
	add("000003", posguard.TxnCompletion, posguard.StateApproved, 4, m, day)
	add("000004", posguard.TxnSale, posguard.StatePartRefunded, 8, m, day)
	add("000005", posguard.TxnSale, posguard.StateRefunded, 16, m, day)
	// Not counted.
	add("000006", posguard.TxnSale, posguard.StateVoided, 32, m, day)
	add("000007", posguard.TxnSale, posguard.StateReversed, 64, m, day)
	add("000008", posguard.TxnSale, posguard.StateDeclined, 128, m, day)
	add("000009", posguard.TxnSale, posguard.StateTimedOut, 256, m, day)
	add("000010", posguard.TxnSale, posguard.StateRejected, 512, m, day)
	add("000011", posguard.TxnRefund, posguard.StateApproved, 1024, m, day)
	add("000012", posguard.TxnPreAuth, posguard.StateApproved, 2048, m, day)
	add("000013", posguard.TxnSale, posguard.StateApproved, 4096, "OTHER", day)
	add("000014", posguard.TxnSale, posguard.StateApproved, 8192, m, "2026-03-02")
	add("000015", posguard.TxnSale, posguard.StateReversalPending, 16384, m, day)

	amt, n, err := s.DailyUsage(t.Context(), m, day)
	must(t, err, "daily usage")
	if amt != 31 || n != 5 {
		t.Fatalf("daily usage %d fen in %d, want 31 in 5", amt, n)
	}
	amt, n, err = s.DailyUsage(t.Context(), m, "2025-01-01")
	must(t, err, "daily usage, no rows")
	if amt != 0 || n != 0 {
		t.Fatalf("empty day: %d fen in %d", amt, n)
	}
}
