package groupcommittest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/audit"
)

// AuditStore is the part of a store RememberedHead uses: QR orders, whose
// requests' audit records a batch appends, and the audit log.
type AuditStore interface {
	posguard.Store
	QR() posguard.QRStore
	Access() posguard.AccessStore
}

// HeadCounts reads a store's remembered audit head
// (sqlstore.RememberedHead.Counts): the batches that chained their records
// after it, and the refused among them.
type HeadCounts func() (tried, refused int64)

// RememberedHead follows a committer's remembered audit head through the
// cases it must tell apart: none remembered (the batch reads the head),
// remembered (the records chained after it; five in one batch, one number
// each), moved by the store's own process outside its batches (read again,
// not tried), and moved behind its back by another writer, other (tried,
// refused, the batch run again reading the head, then skip batches reading
// it in all before the head is remembered again). Every order's write must
// succeed, its record must be the chain's newest, and the chain must
// verify.
func RememberedHead(t *testing.T, h Harness, s AuditStore, counts HeadCounts, other AuditStore, skip int) {
	t.Helper()
	ctx := context.Background()
	n := 0
	order := func(a *Auditor) func() error {
		n++
		no := fmt.Sprint("O", n)
		a.Name = fmt.Sprint("order-", n)
		return func() error {
			_, _, err := s.QR().CreateQROrder(posguard.WithTxAuditor(ctx, a), &posguard.QROrder{MerchantID: "M1", OutOrderNo: no,
				RequestHash: "h", Mode: posguard.QRMicropay, Channel: "wx", ChannelName: "wx", Amount: 100,
				State: posguard.QRPaying, Task: posguard.QRTaskQuery}, "PGT")
			return err
		}
	}
	create := func(step string, wantTried, wantRefused int64) {
		t.Helper()
		a := &Auditor{}
		if err := order(a)(); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		count, err := audit.Verify(ctx, s.Access())
		if err != nil {
			t.Fatalf("%s: chain: %v", step, err)
		}
		if done := a.Committed(); len(done) != 1 || done[0].ID != count || done[0].Object != a.Name {
			t.Fatalf("%s: committed %+v, chain of %d", step, done, count)
		}
		if tried, refused := counts(); tried != wantTried || refused != wantRefused {
			t.Fatalf("%s: tried %d, refused %d; want %d, %d", step, tried, refused, wantTried, wantRefused)
		}
	}
	own := func(st AuditStore, name string) {
		t.Helper()
		if err := st.Access().AppendAudit(ctx, &posguard.AuditRecord{User: "system", Action: "test.append", Object: name, Outcome: "ok"}); err != nil {
			t.Fatal(err)
		}
	}
	create("first batch: no head remembered", 0, 0)
	create("second batch: after the remembered head", 1, 0)
	several := make([]*Auditor, 5)
	writes := make([]func() error, 5)
	for i := range several {
		several[i] = &Auditor{}
		writes[i] = order(several[i])
	}
	for i, err := range InOneBatch(t, h, s, writes) {
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
		done := a.Committed()
		if len(done) != 1 || done[0].Object != a.Name || done[0].ID <= count-5 || done[0].ID > count {
			t.Fatalf("batch of five: %s committed %+v, chain of %d", a.Name, done, count)
		}
		ids[done[0].ID] = true
	}
	base, refused := counts()
	if len(ids) != 5 || base != 2 || refused != 0 {
		t.Fatalf("batch of five: ids %v, tried %d, refused %d", ids, base, refused)
	}
	create("after the batch: after the remembered head", base+1, 0)
	own(s, "this process")
	create("after an append of this process: head read", base+1, 0)
	create("then remembered again", base+2, 0)
	own(other, "another writer")
	create("after another writer's append: refused, run again", base+3, 1)
	for i := range max(skip-1, 0) { // the run again read the head too
		create(fmt.Sprint("after a refusal, batch ", i+1, ": head read"), base+3, 1)
	}
	create("then remembered again", base+4, 1)
}

// Auditor is a request's audit record for the tests (a
// posguard.TxAuditor): one record, naming Name, until one has committed.
type Auditor struct {
	Name string
	mu   sync.Mutex
	done []*posguard.AuditRecord
}

// TxRecord implements posguard.TxAuditor.
func (a *Auditor) TxRecord() *posguard.AuditRecord {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.done) > 0 {
		return nil
	}
	return &posguard.AuditRecord{User: "m1", Role: posguard.RoleMerchant, Remote: "127.0.0.1:1", Action: "POST /v1/qr/orders", Object: a.Name, Outcome: "ok"}
}

// TxCommitted implements posguard.TxAuditor.
func (a *Auditor) TxCommitted(r *posguard.AuditRecord) {
	a.mu.Lock()
	a.done = append(a.done, r)
	a.mu.Unlock()
}

// AuditNote implements posguard.TxAuditor.
func (a *Auditor) AuditNote(any) {}

// Committed returns the records committed so far.
func (a *Auditor) Committed() []*posguard.AuditRecord {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.done
}
