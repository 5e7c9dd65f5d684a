package sqlite

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/ledger"
)

// TestLedgerAppendPreparedOnWriter: the poster's appends run in the group
// committer's shared transactions, so their statements end up prepared once
// on the writer connection (not again in every transaction), and a later
// append through those statements extends the same hash chain.
func TestLedgerAppendPreparedOnWriter(t *testing.T) {
	s := openGroupTemp(t)
	m, ctx := s.Money(), t.Context()
	approval := func(id int64) *posguard.Posting {
		return ledger.Approval(&posguard.Transaction{ID: id, MerchantID: "M1", SettlementDate: "2026-03-02",
			Amount: posguard.Amount(1000 + id)}, 10, posguard.CardDebit)
	}
	if n, err := m.AppendPostings(ctx, []*posguard.Posting{approval(1)}); err != nil || n != 1 {
		t.Fatalf("first append: %d, %v", n, err)
	}
	// The committer prepares a statement first met in a batch on the writer
	// once the batch has released it; wait for the posting INSERT's.
	insert := func() bool {
		g := s.group.groupStmts()
		g.mu.Lock()
		defer g.mu.Unlock()
		for q, st := range g.prepared {
			if st != nil && strings.Contains(q, "INSERT INTO ledger_postings") {
				return true
			}
		}
		return false
	}
	for deadline := time.Now().Add(10 * time.Second); !insert(); runtime.Gosched() {
		if time.Now().After(deadline) {
			t.Fatal("the posting INSERT was not prepared on the writer connection")
		}
	}
	if n, err := m.AppendPostings(ctx, []*posguard.Posting{approval(1), approval(2)}); err != nil || n != 1 {
		t.Fatalf("second append: %d, %v (want 1: the first key is known)", n, err)
	}
	ps, err := m.Postings(ctx, 0, 10)
	if err != nil || len(ps) != 2 {
		t.Fatalf("postings: %d, %v", len(ps), err)
	}
	if ps[1].PrevHash != ps[0].Hash || ps[1].Hash != posguard.PostingHash(ps[0].Hash, ps[1]) {
		t.Errorf("chain broken: %+v", ps[1])
	}
	if seq, hash, err := m.LedgerHead(ctx); err != nil || seq != 2 || hash != ps[1].Hash {
		t.Errorf("head %d %q, %v; want 2 %q", seq, hash, err, ps[1].Hash)
	}
}
