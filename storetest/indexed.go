package storetest

import (
	"testing"

	"github.com/posguard/posguard"
)

// testIndexed follows transactions through the states and codes that move
// them in and out of the partial indexes (open states, failure codes, RRN)
// and checks that the queries served by those indexes see every change.
func testIndexed(t *testing.T, h *harness) {
	t.Run("SaleLifecycle", func(t *testing.T) {
		s := h.store(t)
		ok := txn("10000001", "000901")
		ok.State, ok.ResponseCode, ok.Reason, ok.RRN = posguard.StateForwarded, "", "", "260301000901"
		bad := txn("10000001", "000902")
		bad.State, bad.ResponseCode, bad.Reason, bad.RRN = posguard.StateForwarded, "", "", "260301000902"
		insert(t, s, ok)
		insert(t, s, bad)

		ids := func(f posguard.TxnFilter) []int64 {
			t.Helper()
			list, err := s.List(t.Context(), f)
			must(t, err, "List")
			var out []int64
			for _, x := range list {
				out = append(out, x.ID)
			}
			return out
		}
		unresolved := func() []int64 {
			t.Helper()
			list, err := s.Unresolved(t.Context(), 10)
			must(t, err, "Unresolved")
			var out []int64
			for _, x := range list {
				out = append(out, x.ID)
			}
			return out
		}
		byRRN := func(rrn string) []int64 {
			t.Helper()
			list, err := s.ByRRN(t.Context(), rrn)
			must(t, err, "ByRRN")
			var out []int64
			for _, x := range list {
				out = append(out, x.ID)
			}
			return out
		}
		check := func(what string, got []int64, want ...int64) {
			t.Helper()
			if len(got) != len(want) {
				t.Fatalf("%s = %v, want %v", what, got, want)
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("%s = %v, want %v", what, got, want)
				}
			}
		}

		check("forwarded", ids(posguard.TxnFilter{State: posguard.StateForwarded}), bad.ID, ok.ID)
		check("unresolved", unresolved(), ok.ID, bad.ID)

		// Outcomes without an RRN in the update: the journaled RRN stays
		// and is still found.
		must(t, s.Update(t.Context(), posguard.TxnUpdate{ID: ok.ID, FromStates: []posguard.State{posguard.StateForwarded},
			State: posguard.StateApproved, ResponseCode: "00", Reason: posguard.ReasonApproved}), "approve")
		must(t, s.Update(t.Context(), posguard.TxnUpdate{ID: bad.ID, FromStates: []posguard.State{posguard.StateForwarded},
			State: posguard.StateDeclined, ResponseCode: "51", Reason: posguard.IssuerReason("51")}), "decline")

		check("forwarded after outcomes", ids(posguard.TxnFilter{State: posguard.StateForwarded}))
		check("unresolved after outcomes", unresolved())
		check("approved", ids(posguard.TxnFilter{State: posguard.StateApproved}), ok.ID)
		check("declined", ids(posguard.TxnFilter{State: posguard.StateDeclined}), bad.ID)
		check("code 00", ids(posguard.TxnFilter{ResponseCode: "00"}), ok.ID)
		check("code 51", ids(posguard.TxnFilter{ResponseCode: "51"}), bad.ID)
		check("code 51 terminal", ids(posguard.TxnFilter{ResponseCode: "51", TerminalID: "10000001"}), bad.ID)
		check("rrn kept", byRRN("260301000901"), ok.ID)
		got, err := s.ByID(t.Context(), ok.ID)
		must(t, err, "ByID")
		if got.RRN != "260301000901" || got.State != posguard.StateApproved || got.ResponseCode != "00" {
			t.Fatalf("after the outcome: rrn %q state %s code %q", got.RRN, got.State, got.ResponseCode)
		}

		// A later update that sets an RRN moves the row in the RRN index,
		// and a failure code that becomes 98 after a timeout stays listed.
		must(t, s.Update(t.Context(), posguard.TxnUpdate{ID: ok.ID, RRN: "260301000999"}), "new rrn")
		check("old rrn", byRRN("260301000901"))
		check("new rrn", byRRN("260301000999"), ok.ID)
		must(t, s.Update(t.Context(), posguard.TxnUpdate{ID: bad.ID, State: posguard.StateTimedOut, ResponseCode: "98"}), "timed out")
		check("code 51 gone", ids(posguard.TxnFilter{ResponseCode: "51"}))
		check("code 98", ids(posguard.TxnFilter{ResponseCode: "98"}), bad.ID)
		check("timed out", ids(posguard.TxnFilter{State: posguard.StateTimedOut}), bad.ID)
		check("timed out after cursor", ids(posguard.TxnFilter{State: posguard.StateTimedOut, After: bad.ID}))
		check("declined gone", ids(posguard.TxnFilter{State: posguard.StateDeclined}))
	})
}
