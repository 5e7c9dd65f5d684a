package storetest

import (
	"fmt"
	"testing"

	"github.com/posguard/posguard"
)

func testQueries(t *testing.T, h *harness) {
	s := h.store(t)
	// 120 rows over two merchants, three terminals and a few states.
	states := []posguard.State{posguard.StateApproved, posguard.StateDeclined, posguard.StateForwarded, posguard.StateTimedOut}
	var all []*posguard.Transaction
	for i := range 120 {
		x := txn(fmt.Sprintf("1000000%d", i%3), fmt.Sprintf("%06d", i+1))
		x.MerchantID = fmt.Sprintf("M%d", i%2)
		x.State = states[i%4]
		x.ResponseCode = map[posguard.State]string{posguard.StateApproved: "00", posguard.StateDeclined: "51"}[x.State]
		// Search fields: every fifth row has its own RRN and auth code,
		// card tails alternate over three cards, amounts over seven.
		x.RRN = fmt.Sprintf("%012d", 500000+i)
		if i%5 == 0 {
			x.AuthCode = fmt.Sprintf("A%05d", i)
		}
		x.PANMasked = "622202******" + []string{"1234", "5678", "0001"}[i%3]
		x.Amount = posguard.Amount(100 * (1 + i%7))
		all = append(all, insert(t, s, x))
	}
	for i := 1; i < len(all); i++ {
		if all[i].ID <= all[i-1].ID {
			t.Fatalf("IDs not increasing: %d after %d", all[i].ID, all[i-1].ID)
		}
	}

	// expect returns the IDs of all matching keep, newest first.
	expect := func(keep func(*posguard.Transaction) bool) []int64 {
		var ids []int64
		for i := len(all) - 1; i >= 0; i-- {
			if keep(all[i]) {
				ids = append(ids, all[i].ID)
			}
		}
		return ids
	}
	// page lists everything matching f by following the cursor.
	page := func(t *testing.T, f posguard.TxnFilter) (ids []int64, sizes []int) {
		t.Helper()
		for range 100 {
			got, err := s.List(t.Context(), f)
			must(t, err, "list")
			sizes = append(sizes, len(got))
			if len(got) == 0 {
				return ids, sizes
			}
			for _, x := range got {
				ids = append(ids, x.ID)
			}
			f.After = got[len(got)-1].ID
		}
		t.Fatal("paging does not end")
		return nil, nil
	}
	same := func(t *testing.T, got, want []int64) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("got IDs %v\nwant %v", got, want)
		}
	}

	t.Run("CursorPaging", func(t *testing.T) {
		ids, sizes := page(t, posguard.TxnFilter{Limit: 50})
		same(t, ids, expect(func(*posguard.Transaction) bool { return true }))
		if fmt.Sprint(sizes) != "[50 50 20 0]" {
			t.Fatalf("page sizes %v, want [50 50 20 0]", sizes)
		}
	})

	t.Run("DefaultLimit", func(t *testing.T) {
		got, err := s.List(t.Context(), posguard.TxnFilter{})
		must(t, err, "list")
		if len(got) != 50 || got[0].ID != all[119].ID {
			t.Fatalf("default list: %d rows, first %d", len(got), got[0].ID)
		}
		got, err = s.List(t.Context(), posguard.TxnFilter{Limit: 5000})
		must(t, err, "list")
		if len(got) != 120 {
			t.Fatalf("limit over max: %d rows, want all 120", len(got))
		}
	})

	filters := []struct {
		name string
		f    posguard.TxnFilter
		keep func(*posguard.Transaction) bool
	}{
		{"Merchant", posguard.TxnFilter{MerchantID: "M1"}, func(x *posguard.Transaction) bool { return x.MerchantID == "M1" }},
		{"Terminal", posguard.TxnFilter{TerminalID: "10000002"}, func(x *posguard.Transaction) bool { return x.TerminalID == "10000002" }},
		{"State", posguard.TxnFilter{State: posguard.StateDeclined}, func(x *posguard.Transaction) bool { return x.State == posguard.StateDeclined }},
		{"ResponseCode", posguard.TxnFilter{ResponseCode: "00"}, func(x *posguard.Transaction) bool { return x.ResponseCode == "00" }},
		{"Combined", posguard.TxnFilter{MerchantID: "M0", TerminalID: "10000000", State: posguard.StateApproved},
			func(x *posguard.Transaction) bool {
				return x.MerchantID == "M0" && x.TerminalID == "10000000" && x.State == posguard.StateApproved
			}},
		{"RRN", posguard.TxnFilter{RRN: "000000500042"}, func(x *posguard.Transaction) bool { return x.RRN == "000000500042" }},
		{"AuthCode", posguard.TxnFilter{AuthCode: "A00045"}, func(x *posguard.Transaction) bool { return x.AuthCode == "A00045" }},
		{"CardTail", posguard.TxnFilter{CardTail: "5678"}, func(x *posguard.Transaction) bool { return x.PANMasked == "622202******5678" }},
		{"Amount", posguard.TxnFilter{Amount: 300}, func(x *posguard.Transaction) bool { return x.Amount == 300 }},
		{"TailAndAmount", posguard.TxnFilter{CardTail: "0001", Amount: 700, MerchantID: "M1"},
			func(x *posguard.Transaction) bool {
				return x.PANMasked == "622202******0001" && x.Amount == 700 && x.MerchantID == "M1"
			}},
		{"FromTo", posguard.TxnFilter{From: all[30].CreatedAt, To: all[90].CreatedAt},
			func(x *posguard.Transaction) bool {
				return !x.CreatedAt.Before(all[30].CreatedAt) && x.CreatedAt.Before(all[90].CreatedAt)
			}},
		{"NoMatch", posguard.TxnFilter{MerchantID: "NOBODY"}, func(*posguard.Transaction) bool { return false }},
	}
	for _, tc := range filters {
		t.Run("Filter"+tc.name, func(t *testing.T) {
			f := tc.f
			f.Limit = 7
			ids, _ := page(t, f)
			same(t, ids, expect(tc.keep))
		})
	}

	t.Run("Unresolved", func(t *testing.T) {
		got, err := s.Unresolved(t.Context(), 1000)
		must(t, err, "unresolved")
		want := expect(func(x *posguard.Transaction) bool { return x.State == posguard.StateForwarded })
		for i, j := 0, len(want)-1; i < j; i, j = i+1, j-1 { // oldest first
			want[i], want[j] = want[j], want[i]
		}
		var ids []int64
		for _, x := range got {
			ids = append(ids, x.ID)
		}
		same(t, ids, want)
		got, err = s.Unresolved(t.Context(), 3)
		must(t, err, "unresolved limit")
		if len(got) != 3 || got[0].ID != want[0] {
			t.Fatalf("limited unresolved: %d rows", len(got))
		}
	})
}
