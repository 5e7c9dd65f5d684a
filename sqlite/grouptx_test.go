package sqlite

import (
	"context"
	"fmt"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/internal/groupcommit/groupcommittest"
)

// TestGroupTxQROrdersInOneBatch: QR orders created at once share one
// group-commit transaction with a card sale (sqlstore.InGroupTx through
// the committer's DoTx); a refused update among them is rolled back alone;
// every order is in the store with its own out_trade_no when its caller
// returns.
func TestGroupTxQROrdersInOneBatch(t *testing.T) {
	s := openGroupTemp(t)
	ctx := context.Background()
	q := s.QR()
	first, _, err := q.CreateQROrder(ctx, &posguard.QROrder{MerchantID: "M1", OutOrderNo: "A0", RequestHash: "h", Mode: posguard.QRMicropay,
		Amount: 100, State: posguard.QRPaying, Task: posguard.QRTaskQuery}, "PGT")
	if err != nil {
		t.Fatal(err)
	}
	const n = 12
	orders := make([]*posguard.QROrder, n)
	writes := make([]func() error, 0, n+2)
	for i := range n {
		writes = append(writes, func() error {
			o, created, err := q.CreateQROrder(ctx, &posguard.QROrder{MerchantID: "M1", OutOrderNo: fmt.Sprintf("A%d", i+1), RequestHash: "h",
				Mode: posguard.QRMicropay, Amount: posguard.Amount(100 + i), State: posguard.QRPaying, Task: posguard.QRTaskQuery}, "PGT")
			if err == nil && !created {
				err = fmt.Errorf("order %d not created", i)
			}
			orders[i] = o
			return err
		})
	}
	// Refused inside the batch: first is paying, not failed.
	writes = append(writes, func() error {
		_, err := q.UpdateQROrder(ctx, posguard.QROrderUpdate{ID: first.ID, From: posguard.QRFailed, State: posguard.QRSucceeded})
		return err
	})
	sale := groupcommittest.Txn("000001")
	writes = append(writes, func() error { return s.Insert(ctx, sale) })
	errs := groupcommittest.InOneBatch(t, groupHarness, s, writes)
	for i, err := range errs {
		want := ""
		if i == n {
			want = posguard.ECONFLICT
		}
		if posguard.ErrorCode(err) != want {
			t.Errorf("write %d: %v, want %q", i, err, want)
		}
	}
	seen := map[string]bool{}
	for i, o := range orders {
		got, err := q.QROrder(ctx, o.ID)
		if err != nil || got.OutTradeNo != fmt.Sprintf("PGT%012d", o.ID) || got.OutTradeNo != o.OutTradeNo || seen[got.OutTradeNo] || got.Amount != posguard.Amount(100+i) {
			t.Errorf("order %d: %+v, %v (answered %+v)", i, got, err, o)
		}
		seen[got.OutTradeNo] = true
	}
	if got, err := q.QROrder(ctx, first.ID); err != nil || got.State != posguard.QRPaying {
		t.Errorf("refused update changed the order: %+v %v", got, err)
	}
	if _, err := s.ByKey(ctx, sale.TxnKey); err != nil {
		t.Errorf("the card sale of the batch: %v", err)
	}
	// The order can still move on through the committer.
	if got, err := q.UpdateQROrder(ctx, posguard.QROrderUpdate{ID: first.ID, From: posguard.QRPaying, State: posguard.QRSucceeded}); err != nil || got.State != posguard.QRSucceeded {
		t.Fatalf("update after the batch: %+v %v", got, err)
	}
}
