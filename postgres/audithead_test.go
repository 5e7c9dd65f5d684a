package postgres

import (
	"context"
	"fmt"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/audit"
)

// TestBatchAuditsAfterRememberedHead follows the group committer's audit
// head through the cases it must tell apart: none remembered (the batch
// reads the head), remembered (the records go with COMMIT), moved by this
// process (read again, not tried), moved by another instance (tried,
// refused by the database, the batch run again reading the head) and the
// batches after a refusal (read for a while). Every order's write must
// succeed, its record must be the chain's newest, and the chain must verify.
func TestBatchAuditsAfterRememberedHead(t *testing.T) {
	ctx := context.Background()
	sts := twoInstances(t)
	s := sts[0]
	n := 0
	create := func(step string, wantTried, wantRefused int64) {
		t.Helper()
		n++
		a := &testAuditor{name: fmt.Sprint("order-", n)}
		if _, _, err := s.CreateQROrder(posguard.WithTxAuditor(ctx, a), &posguard.QROrder{MerchantID: "M1",
			OutOrderNo: fmt.Sprint("O", n), RequestHash: "h", Mode: posguard.QRMicropay, Channel: "wx", ChannelName: "wx",
			Amount: 100, State: posguard.QRPaying, Task: posguard.QRTaskQuery}, "PG"); err != nil {
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
	create("third batch: after the remembered head", 2, 0)
	// Five orders in one batch: their records chained after the head in
	// one insert, numbered in the order their writes ran.
	var several []*testAuditor
	var writes []func() error
	for range 5 {
		n++
		a := &testAuditor{name: fmt.Sprint("order-", n)}
		several = append(several, a)
		no := fmt.Sprint("O", n)
		writes = append(writes, func() error {
			_, _, err := s.CreateQROrder(posguard.WithTxAuditor(ctx, a), &posguard.QROrder{MerchantID: "M1", OutOrderNo: no,
				RequestHash: "h", Mode: posguard.QRMicropay, Channel: "wx", ChannelName: "wx", Amount: 100,
				State: posguard.QRPaying, Task: posguard.QRTaskQuery}, "PG")
			return err
		})
	}
	for i, err := range inOneBatch(t, s, writes) {
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
	if tried, refused := s.AuditHeadCounts(); len(ids) != 5 || tried < 3 || refused != 0 {
		t.Fatalf("batch of five: ids %v, tried %d, refused %d", ids, tried, refused)
	}
	base, _ := s.AuditHeadCounts()
	create("after the batch: after the remembered head", base+1, 0)
	own(s, "this process")
	create("after an append of this process: head read", base+1, 0)
	create("then remembered again", base+2, 0)
	own(sts[1], "another instance")
	create("after another instance's append: refused, run again", base+3, 1)
	for i := range staleSkip - 1 { // the run again read the head too
		create(fmt.Sprint("after a refusal, batch ", i+1, ": head read"), base+3, 1)
	}
	create("after the refusal's batches: remembered again", base+4, 1)
}
