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
	own(s, "this process")
	create("after an append of this process: head read", 2, 0)
	create("then remembered again", 3, 0)
	own(sts[1], "another instance")
	create("after another instance's append: refused, run again", 4, 1)
	for i := range staleSkip - 1 { // the run again read the head too
		create(fmt.Sprint("after a refusal, batch ", i+1, ": head read"), 4, 1)
	}
	create("after the refusal's batches: remembered again", 5, 1)
}
