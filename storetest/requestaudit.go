package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/audit"
	"github.com/posguard/posguard/ledger"
)

// requestAudit is a posguard.TxAuditor as the API gives one to a request:
// one record due for the request and one more after each note. With refuse
// it hands out records the log refuses (no action), as an audit log that
// fails inside the transaction would.
type requestAudit struct {
	action    string
	refuse    bool
	due       bool
	notes     []any
	committed []*posguard.AuditRecord
}

func newRequestAudit(action string) *requestAudit { return &requestAudit{action: action, due: true} }

func (a *requestAudit) TxRecord() *posguard.AuditRecord {
	if !a.due {
		return nil
	}
	if a.refuse {
		return &posguard.AuditRecord{User: "fin1"}
	}
	return &posguard.AuditRecord{User: "fin1", Role: posguard.RoleFinance, Remote: "127.0.0.1:1", Action: a.action, Object: "x", Outcome: "ok"}
}

func (a *requestAudit) TxCommitted(r *posguard.AuditRecord) {
	a.due = false
	a.committed = append(a.committed, r)
}

func (a *requestAudit) AuditNote(v any) {
	a.notes = append(a.notes, v)
	a.due = true
}

// runRequestAudit checks that a request's audit record commits in the
// transaction of the change it describes, whatever path the store's write
// takes, and that a record the log refuses undoes the change.
func runRequestAudit(t *testing.T, h *harness) {
	runGroups(t, h, func(t *testing.T, s posguard.Store) posguard.AccessStore { return sideOf[AccessStorer](t, s).Access() },
		[]group[posguard.AccessStore]{
			{"OnePerRequest", testRequestAuditOnce},
			{"Refused", testRequestAuditRefused},
			{"Resettle", testRequestAuditResettle},
			{"AccountChange", testRequestAuditAccountChange},
			{"Routes", testRequestAuditRoutes},
			{"ConcurrentQR", testRequestAuditConcurrentQR},
		})
}

// auditHead returns the audit log's last ID.
func auditHead(t *testing.T, a posguard.AccessStore) int64 {
	t.Helper()
	seq, _, err := a.AuditHead(t.Context())
	must(t, err, "audit head")
	return seq
}

// testRequestAuditOnce: the request's record commits with its first write
// transaction only; a transaction that wrote nothing carries none; a note
// makes one more due; the chain verifies.
func testRequestAuditOnce(t *testing.T, s posguard.Store, a posguard.AccessStore) {
	m := sampleMerchant("898310048990011")
	must(t, s.PutMerchant(t.Context(), m), "put merchant")
	ra := newRequestAudit("PUT /v1/merchants/{id}")
	ctx := posguard.WithTxAuditor(t.Context(), ra)
	if _, err := s.Merchant(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	if len(ra.committed) != 0 {
		t.Fatalf("a read committed %d records", len(ra.committed))
	}
	m.Name = "改名 Renamed"
	must(t, s.PutMerchant(ctx, m), "put merchant")
	if len(ra.committed) != 1 || auditHead(t, a) != 1 {
		t.Fatalf("after one change: %d records committed, head %d", len(ra.committed), auditHead(t, a))
	}
	m.Name = "又改 Renamed again"
	must(t, s.PutMerchant(ctx, m), "put merchant again")
	if len(ra.committed) != 1 || auditHead(t, a) != 1 {
		t.Fatalf("a second transaction of the request wrote its record again: head %d", auditHead(t, a))
	}
	posguard.NoteAudit(ctx, "second")
	must(t, sideOf[posguard.SettingStore](t, s).PutSetting(ctx, "demo.note", []byte("1"), false), "put setting")
	if len(ra.committed) != 2 || auditHead(t, a) != 2 {
		t.Fatalf("after a note: %d records committed, head %d", len(ra.committed), auditHead(t, a))
	}
	// Another record appended by the request (a service's own) is no change
	// of it: it does not carry the request's record.
	posguard.NoteAudit(ctx, "third")
	must(t, a.AppendAudit(ctx, &posguard.AuditRecord{User: "system", Action: "payout", Object: "payouts/1", Outcome: "ok"}), "append")
	if len(ra.committed) != 2 || auditHead(t, a) != 3 {
		t.Fatalf("an audit append carried the request's record: %d committed, head %d", len(ra.committed), auditHead(t, a))
	}
	if n, err := audit.Verify(t.Context(), a); err != nil || n != 3 {
		t.Fatalf("verify: %d records, %v", n, err)
	}
}

// testRequestAuditRefused: a record the audit log refuses undoes the change
// on each path a store write takes (a transaction, one statement, one
// statement returning a row).
func testRequestAuditRefused(t *testing.T, s posguard.Store, a posguard.AccessStore) {
	m := sampleMerchant("898310048990012")
	must(t, s.PutMerchant(t.Context(), m), "put merchant")
	ra := newRequestAudit("POST /v1/limit-requests/{id}/approve")
	ra.refuse = true
	ctx := posguard.WithTxAuditor(t.Context(), ra)

	c := *m
	c.Name = "refused"
	wantCode(t, s.PutMerchant(ctx, &c), posguard.EINVALID, "put merchant with a refused record")
	wantCode(t, sideOf[posguard.SettingStore](t, s).PutSetting(ctx, "demo.refused", []byte("1"), false), posguard.EINVALID, "put setting with a refused record")
	l := m.Limits
	l.PerTxn = 1
	_, err := sideOf[posguard.MerchantLimitStore](t, s).SetMerchantLimits(ctx, m.ID, l)
	wantCode(t, err, posguard.EINVALID, "set limits with a refused record")

	got, err := s.Merchant(t.Context(), m.ID)
	must(t, err, "merchant")
	if got.Name != m.Name || got.Limits != m.Limits {
		t.Fatalf("a refused record left merchant %q with limits %+v", got.Name, got.Limits)
	}
	if _, err := sideOf[posguard.SettingStore](t, s).Setting(t.Context(), "demo.refused"); posguard.ErrorCode(err) != posguard.ENOTFOUND {
		t.Fatalf("a refused record left the setting: %v", err)
	}
	if n := auditHead(t, a); n != 0 || len(ra.committed) != 0 {
		t.Fatalf("audit head %d after refused records", n)
	}
	ra.refuse = false
	if _, err := sideOf[posguard.MerchantLimitStore](t, s).SetMerchantLimits(ctx, m.ID, l); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Merchant(t.Context(), m.ID); got.Limits.PerTxn != 1 || auditHead(t, a) != 1 {
		t.Fatalf("limits %+v, audit head %d", got.Limits, auditHead(t, a))
	}
}

// heldPayout makes payout PO-<batch> of merchant mid (its sale, journal
// ID seq) failed, its money held, ready to be re-settled.
func heldPayout(t *testing.T, m posguard.MoneyStore, batch, mid string, seq int64) *posguard.Payout {
	ctx := t.Context()
	appendN(t, m, 1, sale(seq, mid, "2026-03-01", 10000, 0))
	head, _, err := m.LedgerHead(ctx)
	must(t, err, "ledger head")
	b, ps, p := batchOf(m, t, batch, mid, "2026-03-01", head, 1, 10000)
	must(t, m.CreateBatch(ctx, b, ps, p), "batch")
	must(t, m.MarkSubmitted(ctx, p.ID, p.CreatedAt), "submit")
	fail := ledger.Transfer("payout:"+p.ID+":failed", posguard.PostPayoutFailed, mid, "2026-03-02", p.ID, 10000,
		posguard.MerchantAccount(posguard.AccountPayoutClearing, mid), posguard.MerchantAccount(posguard.AccountHeld, mid))
	must(t, m.FinishPayout(ctx, p.ID, []posguard.PayoutState{posguard.PayoutSubmitted}, posguard.PayoutFailed,
		"settlement.account_frozen", "", p.CreatedAt, []*posguard.Posting{fail}), "fail")
	return p
}

// resettle re-settles old as payout.Runner does: the note, then the store.
func resettle(ctx context.Context, m posguard.MoneyStore, old *posguard.Payout) error {
	np := &posguard.Payout{ID: old.ID + "-R", BatchID: old.BatchID, MerchantID: old.MerchantID, Amount: old.Amount, Resettles: old.ID}
	posguard.NoteAudit(ctx, np)
	return m.Resettle(ctx, np, []*posguard.Posting{ledger.Transfer("payout:"+old.ID+":resettle", posguard.PostResettlement,
		old.MerchantID, "2026-03-03", np.ID, old.Amount, posguard.MerchantAccount(posguard.AccountHeld, old.MerchantID),
		posguard.MerchantAccount(posguard.AccountPayoutClearing, old.MerchantID))})
}

// testRequestAuditResettle: a re-settlement whose record the log refuses
// leaves the old payout held, no new payout and the ledger as it was; a
// batch's re-settlements commit one record each, with their payout.
func testRequestAuditResettle(t *testing.T, s posguard.Store, a posguard.AccessStore) {
	m := sideOf[MoneyStorer](t, s).Money()
	p1 := heldPayout(t, m, "B1", "M1", 1)
	p2 := heldPayout(t, m, "B2", "M2", 2)
	head, _, err := m.LedgerHead(t.Context())
	must(t, err, "ledger head")

	ra := newRequestAudit("POST /v1/settlements/{id}/resettle")
	ra.refuse = true
	ctx := posguard.WithTxAuditor(t.Context(), ra)
	wantCode(t, resettle(ctx, m, p1), posguard.EINVALID, "resettle with a refused record")
	if got, _ := m.Payout(t.Context(), p1.ID); got.ResettledBy != "" || got.State != posguard.PayoutFailed {
		t.Fatalf("a refused record left the old payout %+v", got)
	}
	if _, err := m.Payout(t.Context(), p1.ID+"-R"); posguard.ErrorCode(err) != posguard.ENOTFOUND {
		t.Fatalf("a refused record left the new payout: %v", err)
	}
	if h, _, _ := m.LedgerHead(t.Context()); h != head || auditHead(t, a) != 0 {
		t.Fatalf("ledger head %d (want %d), audit head %d after a refused record", h, head, auditHead(t, a))
	}

	ra.refuse = false
	must(t, resettle(ctx, m, p1), "resettle 1")
	must(t, resettle(ctx, m, p2), "resettle 2")
	if len(ra.committed) != 2 || auditHead(t, a) != 2 {
		t.Fatalf("a batch of two: %d records committed, audit head %d", len(ra.committed), auditHead(t, a))
	}
	for i, p := range []*posguard.Payout{p1, p2} {
		if np := ra.notes[i+1].(*posguard.Payout); np.ID != p.ID+"-R" {
			t.Fatalf("note %d names %s", i, np.ID)
		}
		if got, _ := m.Payout(t.Context(), p.ID); got.ResettledBy != p.ID+"-R" {
			t.Fatalf("payout %s re-settled by %q", p.ID, got.ResettledBy)
		}
	}
	if _, err := ledger.Verify(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	if _, err := audit.Verify(t.Context(), a); err != nil {
		t.Fatal(err)
	}
}

// testRequestAuditAccountChange: asking for and approving a settlement
// account change commit the request's record with them, or neither.
func testRequestAuditAccountChange(t *testing.T, s posguard.Store, a posguard.AccessStore) {
	m := sampleMerchant("898310048990013")
	must(t, s.PutMerchant(t.Context(), m), "put merchant")
	ra := newRequestAudit("PUT /v1/merchants/{id}/settlement-account")
	ra.refuse = true
	ctx := posguard.WithTxAuditor(t.Context(), ra)
	c := &posguard.AccountChange{MerchantID: m.ID, RequestedBy: "fin1",
		Account: posguard.SettlementAccount{Bank: "CCB", Number: "6217000000000003", Name: "示例便利店", Status: "ok"}}
	wantCode(t, a.CreateAccountChange(ctx, c), posguard.EINVALID, "create with a refused record")
	if list, _ := a.AccountChanges(t.Context(), posguard.AccountChangeFilter{MerchantID: m.ID}); len(list) != 0 {
		t.Fatalf("a refused record left %d changes", len(list))
	}
	ra.refuse = false
	must(t, a.CreateAccountChange(ctx, c), "create")

	ra = newRequestAudit("POST /v1/account-changes/{id}/approve")
	ra.refuse = true
	ctx = posguard.WithTxAuditor(t.Context(), ra)
	wantCode(t, a.ApplyAccountChange(ctx, c.ID, "fin2", c.Account), posguard.EINVALID, "apply with a refused record")
	got, _ := a.AccountChange(t.Context(), c.ID)
	stored, _ := s.Merchant(t.Context(), m.ID)
	if got.State != posguard.ChangePending || stored.Account != m.Account {
		t.Fatalf("a refused record left change %s and account %+v", got.State, stored.Account)
	}
	ra.refuse = false
	must(t, a.ApplyAccountChange(ctx, c.ID, "fin2", c.Account), "apply")
	if stored, _ := s.Merchant(t.Context(), m.ID); stored.Account != c.Account || auditHead(t, a) != 2 {
		t.Fatalf("account %+v, audit head %d", stored.Account, auditHead(t, a))
	}
}

// refusedThenCommitted runs change under a request whose record the log
// refuses (it must fail and unchanged must hold), then under one whose
// record the log takes (it must succeed and commit one record).
func refusedThenCommitted(t *testing.T, a posguard.AccessStore, what string, change func(ctx context.Context) error, unchanged func() bool) {
	t.Helper()
	head := auditHead(t, a)
	ra := newRequestAudit("POST /v1/" + what)
	ra.refuse = true
	if err := change(posguard.WithTxAuditor(t.Context(), ra)); err == nil {
		t.Fatalf("%s: no error with a refused record", what)
	}
	if !unchanged() || auditHead(t, a) != head {
		t.Fatalf("%s: a refused record left the change (audit head %d, was %d)", what, auditHead(t, a), head)
	}
	ra.refuse = false
	must(t, change(posguard.WithTxAuditor(t.Context(), ra)), what)
	if len(ra.committed) != 1 || auditHead(t, a) != head+1 {
		t.Fatalf("%s: %d records committed, audit head %d (was %d)", what, len(ra.committed), auditHead(t, a), head)
	}
}

// testRequestAuditRoutes: the stores behind more routes' changes (a case
// and its update, a limit request and its decision, a QR order through
// the group-commit transaction) commit the request's record or nothing.
func testRequestAuditRoutes(t *testing.T, s posguard.Store, a posguard.AccessStore) {
	ctx := t.Context()
	m := sampleMerchant("898310048990014")
	must(t, s.PutMerchant(ctx, m), "put merchant")

	cs := sideOf[posguard.CaseStore](t, s)
	c := sampleCase(posguard.CaseMerchantComplaint, 7, m.ID)
	cases := func() int {
		list, err := cs.Cases(ctx, posguard.CaseFilter{MerchantID: m.ID})
		must(t, err, "cases")
		return len(list)
	}
	refusedThenCommitted(t, a, "cases", func(ctx context.Context) error {
		_, err := cs.OpenCase(ctx, c, []posguard.CaseEntry{{Kind: posguard.EntryCause, Author: "posguard", Text: "cause"}})
		return err
	}, func() bool { return cases() == 0 })
	refusedThenCommitted(t, a, "cases/{id}/assign", func(ctx context.Context) error {
		return cs.UpdateCase(ctx, posguard.CaseUpdate{ID: c.ID, FromStatus: posguard.CaseOpen, Assignee: "li", At: time.Now(),
			Entry: &posguard.CaseEntry{Kind: posguard.EntryAssign, Author: "ops", Text: "assigned to li"}})
	}, func() bool { got, err := cs.Case(ctx, c.ID); return err == nil && got.Assignee == "" })

	ls := sideOf[posguard.LimitRequestStore](t, s)
	want := m.Limits
	want.CardDailyCount = 9
	lr := &posguard.LimitRequest{MerchantID: m.ID, Previous: m.Limits, Requested: want, Reason: "more guests", RequestedBy: "shop1"}
	refusedThenCommitted(t, a, "merchants/{id}/limit-requests", func(ctx context.Context) error {
		return ls.CreateLimitRequest(ctx, lr)
	}, func() bool {
		list, err := ls.LimitRequests(ctx, posguard.LimitRequestFilter{MerchantID: m.ID})
		return err == nil && len(list) == 0
	})
	refusedThenCommitted(t, a, "limit-requests/{id}/approve", func(ctx context.Context) error {
		_, err := ls.DecideLimitRequest(ctx, lr.ID, posguard.LimitRequestApproved, "risk1", "ok")
		return err
	}, func() bool {
		got, err := s.Merchant(ctx, m.ID)
		x, xerr := ls.LimitRequest(ctx, lr.ID)
		return err == nil && xerr == nil && got.Limits == m.Limits && x.State == posguard.LimitRequestPending
	})

	q := sideOf[posguard.QRStore](t, s)
	now := time.Now().UTC()
	order := func(ctx context.Context) error {
		_, created, err := q.CreateQROrder(ctx, &posguard.QROrder{MerchantID: m.ID, OutOrderNo: "AUD1", RequestHash: "h-AUD1",
			Mode: posguard.QRMicropay, Channel: "wechat", ChannelName: "wx", Amount: 100, State: posguard.QRPaying,
			AuthCode: "134567********6789", Subject: "shop", Deadline: now.Add(30 * time.Second),
			Task: posguard.QRTaskQuery, NextAttempt: now.Add(time.Hour)}, "PGT")
		if err == nil && !created {
			t.Fatal("order not created")
		}
		return err
	}
	refusedThenCommitted(t, a, "qr/orders", order, func() bool {
		list, err := q.QROrders(ctx, posguard.QROrderFilter{MerchantID: m.ID, OutOrderNo: "AUD1", Limit: 1})
		return err == nil && len(list) == 0
	})
	if _, err := audit.Verify(ctx, a); err != nil {
		t.Fatal(err)
	}
}

// testRequestAuditConcurrentQR: QR orders created and updated by many
// requests at once (their writes share group-commit batches, where the
// batch may append its requests' records together as it commits): each
// request has exactly one record, handed back with its place in the
// chain, and the chain verifies.
func testRequestAuditConcurrentQR(t *testing.T, s posguard.Store, a posguard.AccessStore) {
	q := sideOf[QRStorer](t, s).QR()
	const writers, each = 16, 6
	auditors := make([][]*requestAudit, writers)
	errs := make(chan error, writers)
	for w := range writers {
		go func() {
			errs <- func() error {
				for i := range each {
					ca := newRequestAudit(fmt.Sprintf("create %d-%d", w, i))
					auditors[w] = append(auditors[w], ca)
					o, created, err := q.CreateQROrder(posguard.WithTxAuditor(t.Context(), ca), &posguard.QROrder{MerchantID: "M1",
						OutOrderNo: fmt.Sprintf("W%d-%d", w, i), RequestHash: "h", Mode: posguard.QRMicropay, Amount: 100,
						State: posguard.QRPaying, Task: posguard.QRTaskQuery}, "PGT")
					if err != nil || !created {
						return fmt.Errorf("create %d-%d: created %v, %v", w, i, created, err)
					}
					if i%2 == 1 {
						continue
					}
					ua := newRequestAudit(fmt.Sprintf("update %d-%d", w, i))
					auditors[w] = append(auditors[w], ua)
					none := posguard.QRTaskNone
					if _, err := q.UpdateQROrder(posguard.WithTxAuditor(t.Context(), ua), posguard.QROrderUpdate{ID: o.ID,
						From: posguard.QRPaying, State: posguard.QRSucceeded, Task: &none}); err != nil {
						return fmt.Errorf("update %d-%d: %v", w, i, err)
					}
				}
				return nil
			}()
		}()
	}
	for range writers {
		must(t, <-errs, "writer")
	}
	recs, err := a.AuditChain(t.Context(), 0, 10000)
	must(t, err, "audit chain")
	byAction := map[string]*posguard.AuditRecord{}
	for _, r := range recs {
		byAction[r.Action] = r
	}
	n := 0
	for _, as := range auditors {
		for _, ra := range as {
			n++
			r := byAction[ra.action]
			if len(ra.committed) != 1 || r == nil || ra.committed[0].ID != r.ID || ra.committed[0].Hash != r.Hash {
				t.Fatalf("%s: committed %+v, in the log %+v", ra.action, ra.committed, r)
			}
		}
	}
	if len(recs) != n || auditHead(t, a) != int64(n) {
		t.Fatalf("%d records, head %d, for %d requests", len(recs), auditHead(t, a), n)
	}
	if got, err := audit.Verify(t.Context(), a); err != nil || got != int64(n) {
		t.Fatalf("verify: %d records, %v", got, err)
	}
}
