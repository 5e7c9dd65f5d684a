package simwallet

import (
	"strconv"
	"testing"

	"github.com/posguard/posguard/wallet"
)

// TestBillBookKeepsOrder: rows come back in the order they were added,
// across blocks, and a row changed through each stays changed.
func TestBillBookKeepsOrder(t *testing.T) {
	var b billBook
	const n = 2*billBlock + 7
	for i := 0; i < n; i++ {
		b.add(billRow{BillRow: wallet.BillRow{OutTradeNo: strconv.Itoa(i), Amount: int64(i)}})
	}
	if b.len() != n || len(b.blocks) != 3 {
		t.Fatalf("%d rows in %d blocks", b.len(), len(b.blocks))
	}
	i := 0
	b.each(func(r *billRow) bool {
		if r.OutTradeNo != strconv.Itoa(i) {
			t.Fatalf("row %d is %q", i, r.OutTradeNo)
		}
		r.Amount = -r.Amount
		i++
		return true
	})
	if i != n {
		t.Fatalf("each saw %d rows", i)
	}
	seen := 0
	b.each(func(r *billRow) bool {
		if r.Amount != -int64(seen) {
			t.Fatalf("row %d: amount %d", seen, r.Amount)
		}
		seen++
		return seen < 10 // stops when told
	})
	if seen != 10 {
		t.Fatalf("each went on after false: %d", seen)
	}
}
