package storetest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/posguard/posguard"
)

// testSearch checks List by card tail and amount against the search table
// (posguard.JournalIndexer): a transaction is found the moment it is
// journaled, before the indexer has copied it, while the watermark sits in
// the middle of the matches (pages that cross it), and after; the indexer
// copies each row once, also when two run at the same time.
func testSearch(t *testing.T, h *harness) {
	s := h.store(t)
	ix := sideOf[posguard.JournalIndexer](t, s)
	ctx := t.Context()
	var all []*posguard.Transaction
	add := func(n int) {
		for range n {
			i := len(all)
			x := txn(fmt.Sprintf("2000000%d", i%2), fmt.Sprintf("%06d", i+1))
			x.MerchantID = fmt.Sprintf("S%d", i%3)
			x.PANMasked = "622202******" + []string{"4321", "8765", "0042", "1111"}[i%4]
			x.Amount = posguard.Amount(250 * (1 + i%5))
			if i%6 == 0 {
				x.State, x.ResponseCode = posguard.StateDeclined, "51"
			}
			all = append(all, insert(t, s, x))
		}
	}
	filters := []posguard.TxnFilter{
		{CardTail: "4321"}, {CardTail: "0042", MerchantID: "S1"}, {Amount: 500}, {Amount: 1250, State: posguard.StateDeclined},
		{CardTail: "8765", Amount: 750}, {CardTail: "1111", ResponseCode: "51"}, {CardTail: "9999"}, {Amount: 7},
	}
	keep := func(f posguard.TxnFilter, x *posguard.Transaction) bool {
		return (f.CardTail == "" || x.PANMasked[len(x.PANMasked)-4:] == f.CardTail) && (f.Amount == 0 || x.Amount == f.Amount) &&
			(f.MerchantID == "" || x.MerchantID == f.MerchantID) && (f.State == "" || x.State == f.State) &&
			(f.ResponseCode == "" || x.ResponseCode == f.ResponseCode)
	}
	// check pages through every filter three rows at a time and compares
	// with the matching rows, newest first.
	check := func(t *testing.T, when string) {
		t.Helper()
		for _, f := range filters {
			var want, got []int64
			for i := len(all) - 1; i >= 0; i-- {
				if keep(f, all[i]) {
					want = append(want, all[i].ID)
				}
			}
			f.Limit = 3
			for range 100 {
				page, err := s.List(ctx, f)
				must(t, err, "list")
				if len(page) == 0 {
					break
				}
				for _, x := range page {
					got = append(got, x.ID)
				}
				f.After = page[len(page)-1].ID
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("%s, %+v: got %v, want %v", when, f, got, want)
			}
		}
	}
	step := func(n int) (int, bool) {
		t.Helper()
		copied, more, err := ix.IndexJournal(ctx, n)
		must(t, err, "index journal")
		return copied, more
	}

	add(40)
	check(t, "before the indexer ran")
	if copied, more := step(15); copied != 15 || !more {
		t.Fatalf("first step copied %d (more %v), want 15 and more", copied, more)
	}
	check(t, "watermark after 15 of 40")
	if copied, more := step(0); copied != 25 || more {
		t.Fatalf("second step copied %d (more %v), want the other 25 and no more", copied, more)
	}
	check(t, "all copied")
	if copied, more := step(0); copied != 0 || more {
		t.Fatalf("idle step copied %d (more %v), want 0", copied, more)
	}
	// Journaled after the step: found at once, then copied.
	add(20)
	check(t, "20 new rows above the watermark")
	// Two indexers at once (instances sharing the database) take turns:
	// every row is copied exactly once.
	var wg sync.WaitGroup
	counts := make([]int, 2)
	for w := range counts {
		wg.Go(func() {
			for {
				copied, more, err := ix.IndexJournal(ctx, 4)
				if err != nil {
					t.Errorf("indexer %d: %v", w, err)
					return
				}
				counts[w] += copied
				if !more {
					return
				}
			}
		})
	}
	wg.Wait()
	if counts[0]+counts[1] != 20 {
		t.Fatalf("two indexers copied %v rows, want 20 in all", counts)
	}
	check(t, "after two indexers")
	if copied, _ := step(0); copied != 0 {
		t.Fatalf("step after the indexers copied %d, want 0", copied)
	}
}

// RunSearchRestart checks that the search table survives a restart: reopen
// must open the same database again each time it is called (the caller
// closes nothing; RunSearchRestart closes each store it opened). Rows
// copied before the restart are not copied again, rows journaled before it
// and not yet copied are found at once and copied after it, and every
// journal row ends up in the search table exactly once.
func RunSearchRestart(t *testing.T, reopen func(t *testing.T) posguard.Store) {
	ctx := t.Context()
	var ids []int64
	session := func(n, index int) {
		s := reopen(t)
		defer func() { must(t, s.Close(), "close") }()
		for range n {
			x := txn("30000001", fmt.Sprintf("%06d", len(ids)+1))
			x.PANMasked, x.Amount = "622202******7777", 4321
			ids = append([]int64{insert(t, s, x).ID}, ids...)
		}
		if index > 0 {
			copied, _, err := sideOf[posguard.JournalIndexer](t, s).IndexJournal(ctx, index)
			must(t, err, "index journal")
			if copied != index {
				t.Fatalf("copied %d, want %d", copied, index)
			}
		}
		for _, f := range []posguard.TxnFilter{{CardTail: "7777"}, {Amount: 4321}} {
			f.Limit = 1000
			got, err := s.List(ctx, f)
			must(t, err, "list")
			var gotIDs []int64
			for _, x := range got {
				gotIDs = append(gotIDs, x.ID)
			}
			if fmt.Sprint(gotIDs) != fmt.Sprint(ids) {
				t.Fatalf("%+v after a restart: got %v, want %v", f, gotIDs, ids)
			}
		}
	}
	session(12, 5) // 7 rows left above the watermark
	session(3, 0)  // found after the restart, before any step
	session(0, 10) // the 10 rows not yet copied, each once
	s := reopen(t)
	defer func() { must(t, s.Close(), "close") }()
	if copied, more, err := sideOf[posguard.JournalIndexer](t, s).IndexJournal(ctx, 0); err != nil || copied != 0 || more {
		t.Fatalf("final step: copied %d, more %v, err %v; want nothing left", copied, more, err)
	}
}
