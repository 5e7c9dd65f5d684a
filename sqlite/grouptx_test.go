package sqlite

import (
	"context"
	"fmt"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/audit"
	"github.com/posguard/posguard/internal/groupcommit/groupcommittest"
)

// TestGroupTxQROrdersInOneBatch: QR orders created at once share one
// group-commit transaction with a card sale (sqlstore.InGroupTx through
// the committer's Do); a refused update among them is rolled back alone;
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

// batchAuditor is a request's audit record for TestGroupTxAuditRecordsAtBatchEnd:
// one record naming its request, or a record the log refuses (no action).
type batchAuditor struct {
	name   string
	refuse bool
	done   []*posguard.AuditRecord
}

func (a *batchAuditor) TxRecord() *posguard.AuditRecord {
	if len(a.done) > 0 {
		return nil
	}
	if a.refuse {
		return &posguard.AuditRecord{User: "m1", Object: a.name}
	}
	return &posguard.AuditRecord{User: "m1", Role: posguard.RoleMerchant, Remote: "127.0.0.1:1", Action: "POST /v1/qr/orders", Object: a.name, Outcome: "ok"}
}

func (a *batchAuditor) TxCommitted(r *posguard.AuditRecord) { a.done = append(a.done, r) }
func (a *batchAuditor) AuditNote(any)                       {}

// TestGroupTxAuditRecordsAtBatchEnd: the requests' audit records of one
// batch's QR writes are appended when the batch commits (the head read and
// moved once), mixed with a record appended on its own in the same batch:
// one record per request, each handed back with its place in the chain,
// the chain whole; a record the log refuses undoes its own write only.
func TestGroupTxAuditRecordsAtBatchEnd(t *testing.T) {
	s := openGroupTemp(t)
	ctx := context.Background()
	q := s.QR()
	paying, _, err := q.CreateQROrder(ctx, &posguard.QROrder{MerchantID: "M1", OutOrderNo: "A0", RequestHash: "h", Mode: posguard.QRMicropay,
		Amount: 100, State: posguard.QRPaying, Task: posguard.QRTaskQuery}, "PGT")
	if err != nil {
		t.Fatal(err)
	}
	const n = 10
	auditors := make([]*batchAuditor, n+2)
	var writes []func() error
	for i := range n {
		a := &batchAuditor{name: fmt.Sprintf("create-%d", i), refuse: i == 4}
		auditors[i] = a
		writes = append(writes, func() error {
			_, _, err := q.CreateQROrder(posguard.WithTxAuditor(ctx, a), &posguard.QROrder{MerchantID: "M1", OutOrderNo: fmt.Sprintf("A%d", i+1),
				RequestHash: "h", Mode: posguard.QRMicropay, Amount: 100, State: posguard.QRPaying, Task: posguard.QRTaskQuery}, "PGT")
			return err
		})
	}
	up := &batchAuditor{name: "update"}
	auditors[n] = up
	writes = append(writes, func() error {
		none := posguard.QRTaskNone
		_, err := q.UpdateQROrder(posguard.WithTxAuditor(ctx, up), posguard.QROrderUpdate{ID: paying.ID, From: posguard.QRPaying,
			State: posguard.QRSucceeded, Task: &none})
		return err
	})
	// Refused by the store (paying is no longer failed): no record.
	refused := &batchAuditor{name: "refused update"}
	auditors[n+1] = refused
	writes = append(writes, func() error {
		_, err := q.UpdateQROrder(posguard.WithTxAuditor(ctx, refused), posguard.QROrderUpdate{ID: paying.ID, From: posguard.QRFailed,
			State: posguard.QRSucceeded})
		return err
	})
	own := &posguard.AuditRecord{User: "system", Action: "qr.poster", Object: "own", Outcome: "ok"}
	writes = append(writes, func() error { return s.Access().AppendAudit(ctx, own) })
	errs := groupcommittest.InOneBatch(t, groupHarness, s, writes)
	for i, err := range errs {
		want := ""
		switch i {
		case 4:
			want = posguard.EINVALID
		case n + 1:
			want = posguard.ECONFLICT
		}
		if posguard.ErrorCode(err) != want {
			t.Errorf("write %d: %v, want %q", i, err, want)
		}
	}
	recs, err := s.Access().AuditChain(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != n+1 {
		t.Fatalf("audit records = %d, want %d (%d orders, the update, the record of its own)", len(recs), n+1, n-1)
	}
	byObject := map[string]*posguard.AuditRecord{}
	for _, r := range recs {
		if byObject[r.Object] != nil {
			t.Fatalf("two records of %s", r.Object)
		}
		byObject[r.Object] = r
	}
	for i, a := range auditors {
		switch {
		case i == 4 || a == refused:
			if len(a.done) != 0 || byObject[a.name] != nil {
				t.Errorf("%s: committed %d records", a.name, len(a.done))
			}
		case len(a.done) != 1 || byObject[a.name] == nil || a.done[0].ID != byObject[a.name].ID || a.done[0].Hash != byObject[a.name].Hash:
			t.Errorf("%s: committed %+v, in the log %+v", a.name, a.done, byObject[a.name])
		}
	}
	// The writes' records are appended as the batch commits, after the
	// one appended on its own, wherever that one ran in the batch.
	if byObject["own"] == nil || own.ID != byObject["own"].ID || own.ID != 1 {
		t.Errorf("the record appended on its own: %+v", own)
	}
	if list, err := q.QROrders(ctx, posguard.QROrderFilter{MerchantID: "M1", OutOrderNo: "A5"}); err != nil || len(list) != 0 {
		t.Errorf("the order whose record was refused: %d, %v", len(list), err)
	}
	if list, err := q.QROrders(ctx, posguard.QROrderFilter{MerchantID: "M1"}); err != nil || len(list) != n {
		t.Errorf("orders: %d, %v; want %d", len(list), err, n)
	}
	if got, err := audit.Verify(ctx, s.Access()); err != nil || got != int64(n+1) {
		t.Fatalf("verify: %d records, %v", got, err)
	}
	// The next record chains on.
	a := &batchAuditor{name: "after"}
	if _, _, err := q.CreateQROrder(posguard.WithTxAuditor(ctx, a), &posguard.QROrder{MerchantID: "M1", OutOrderNo: "B1", RequestHash: "h",
		Mode: posguard.QRMicropay, Amount: 100, State: posguard.QRPaying, Task: posguard.QRTaskQuery}, "PGT"); err != nil {
		t.Fatal(err)
	}
	if got, err := audit.Verify(ctx, s.Access()); err != nil || got != int64(n+2) || len(a.done) != 1 || a.done[0].ID != int64(n+2) {
		t.Fatalf("after the batch: verify %d, %v; committed %+v", got, err, a.done)
	}
}
