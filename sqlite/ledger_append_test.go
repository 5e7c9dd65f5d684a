package sqlite_test

import (
	"context"
	"strings"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/ledger"
)

// TestLedgerAppendKeepsStatements: the ledger's append runs in a write
// transaction of its own, and its statements stay prepared on the writer
// connection for the next append (not parsed again in every transaction);
// an append through the kept statements extends the same chain, and a
// batch holding a known key (which the first, unlooked insert refuses) is
// appended again with the lookup, skipping that key.
func TestLedgerAppendKeepsStatements(t *testing.T) {
	s := openTemp(t)
	t.Cleanup(func() { s.Close() })
	ctx := context.Background()
	m := s.Money()
	approval := func(id int64) *posguard.Posting {
		return ledger.Approval(&posguard.Transaction{ID: id, MerchantID: "M1", SettlementDate: "2026-03-02",
			Amount: posguard.Amount(1000 + id)}, 10, posguard.CardDebit)
	}
	if n, err := m.AppendPostings(ctx, []*posguard.Posting{approval(1)}); err != nil || n != 1 {
		t.Fatalf("first append: %d, %v", n, err)
	}
	kept := func(table string) bool {
		for _, q := range s.KeptWriteStatements() {
			if strings.Contains(q, "INSERT INTO "+table) {
				return true
			}
		}
		return false
	}
	if !kept("ledger_postings") || !kept("ledger_entries") {
		t.Fatalf("the ledger's INSERTs are not kept on the writer: %q", s.KeptWriteStatements())
	}
	if n, err := m.AppendPostings(ctx, []*posguard.Posting{approval(2)}); err != nil || n != 1 {
		t.Fatalf("second append: %d, %v", n, err)
	}
	if n, err := m.AppendPostings(ctx, []*posguard.Posting{approval(3), approval(1), approval(4), approval(3)}); err != nil || n != 2 {
		t.Fatalf("append with a known and a repeated key: %d, %v (want 2)", n, err)
	}
	ps, err := m.Postings(ctx, 0, 10)
	if err != nil || len(ps) != 4 {
		t.Fatalf("postings: %d, %v", len(ps), err)
	}
	for i, p := range ps {
		prev := ""
		if i > 0 {
			prev = ps[i-1].Hash
		}
		if p.Seq != int64(i+1) || p.PrevHash != prev || p.Hash != posguard.PostingHash(prev, p) {
			t.Errorf("posting %d: chain broken: %+v", i, p)
		}
	}
	if want := []int64{1, 2, 3, 4}; ps[0].TxnID != want[0] || ps[1].TxnID != want[1] || ps[2].TxnID != want[2] || ps[3].TxnID != want[3] {
		t.Errorf("transactions posted %d %d %d %d, want 1 2 3 4", ps[0].TxnID, ps[1].TxnID, ps[2].TxnID, ps[3].TxnID)
	}
	if n, err := ledger.Verify(ctx, m); err != nil || n != 4 {
		t.Fatalf("verify: %d, %v", n, err)
	}
}
