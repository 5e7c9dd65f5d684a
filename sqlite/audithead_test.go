package sqlite

import (
	"context"
	"fmt"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/audit"
	"github.com/posguard/posguard/internal/groupcommit/groupcommittest"
	"github.com/posguard/posguard/storetest"
)

// TestBatchAuditsAfterRememberedHead follows the committer's audit head
// through the cases it must tell apart: none remembered (the batch reads
// the head), remembered (the records chained after it), moved by this
// process on its own (read again, not tried) and moved by another writer
// behind the process's back (tried, refused, the batch run again reading
// the head). Every order's write must succeed, its record must be the
// chain's newest, and the chain must verify.
func TestBatchAuditsAfterRememberedHead(t *testing.T) {
	ctx := context.Background()
	s := openGroupTemp(t)
	n := 0
	create := func(step string, wantTried, wantRefused int64) {
		t.Helper()
		n++
		a := &batchAuditor{name: fmt.Sprint("order-", n)}
		if _, _, err := s.QR().CreateQROrder(posguard.WithTxAuditor(ctx, a), &posguard.QROrder{MerchantID: "M1",
			OutOrderNo: fmt.Sprint("O", n), RequestHash: "h", Mode: posguard.QRMicropay, Amount: 100,
			State: posguard.QRPaying, Task: posguard.QRTaskQuery}, "PGT"); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		count, err := audit.Verify(ctx, s.Access())
		if err != nil {
			t.Fatalf("%s: chain: %v", step, err)
		}
		if len(a.done) != 1 || a.done[0].ID != count || a.done[0].Object != a.name {
			t.Fatalf("%s: committed %+v, chain of %d", step, a.done, count)
		}
		if tried, refused := s.AuditHeadCounts(); tried != wantTried || refused != wantRefused {
			t.Fatalf("%s: tried %d, refused %d; want %d, %d", step, tried, refused, wantTried, wantRefused)
		}
	}
	own := func(st *Store, name string) {
		t.Helper()
		if err := st.Access().AppendAudit(ctx, &posguard.AuditRecord{User: "system", Action: "test.append", Object: name, Outcome: "ok"}); err != nil {
			t.Fatal(err)
		}
	}
	create("first batch: no head remembered", 0, 0)
	create("second batch: after the remembered head", 1, 0)
	// Five orders in one batch: chained after the head, one number each.
	var several []*batchAuditor
	var writes []func() error
	for range 5 {
		n++
		a := &batchAuditor{name: fmt.Sprint("order-", n)}
		several = append(several, a)
		no := fmt.Sprint("O", n)
		writes = append(writes, func() error {
			_, _, err := s.QR().CreateQROrder(posguard.WithTxAuditor(ctx, a), &posguard.QROrder{MerchantID: "M1", OutOrderNo: no,
				RequestHash: "h", Mode: posguard.QRMicropay, Amount: 100, State: posguard.QRPaying, Task: posguard.QRTaskQuery}, "PGT")
			return err
		})
	}
	for i, err := range groupcommittest.InOneBatch(t, groupHarness, s, writes) {
		if err != nil {
			t.Fatalf("order %d of the batch: %v", i, err)
		}
	}
	count, err := audit.Verify(ctx, s.Access())
	if err != nil {
		t.Fatalf("after the batch: chain: %v", err)
	}
	ids := map[int64]bool{}
	for _, a := range several {
		if len(a.done) != 1 || a.done[0].Object != a.name || a.done[0].ID <= count-5 || a.done[0].ID > count {
			t.Fatalf("batch of five: %s committed %+v, chain of %d", a.name, a.done, count)
		}
		ids[a.done[0].ID] = true
	}
	if len(ids) != 5 {
		t.Fatalf("batch of five: ids %v", ids)
	}
	base, _ := s.AuditHeadCounts()
	if base < 2 {
		t.Fatalf("batch of five: tried %d", base)
	}
	create("after the batch: after the remembered head", base+1, 0)
	own(s, "this process")
	create("after an append of this process: head read", base+1, 0)
	create("then remembered again", base+2, 0)
	// Another writer on the same file (a second handle: the process lock
	// is the commands', not Open's) moves the head behind the store's back.
	other, err := Open(s.Path(), storetest.NewSealer())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	own(other, "another writer")
	create("after another writer's append: refused, run again", base+3, 1)
	create("then remembered again", base+4, 1)
}
