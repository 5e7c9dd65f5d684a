package storetest

import (
	"context"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/ledger"
)

// MoneyStorer is a store with a money side (ledger, settlement, payouts).
type MoneyStorer interface {
	Money() posguard.MoneyStore
}

// runLedger runs the money checks (ledger, settlement batches, payouts).
func runLedger(t *testing.T, h *harness) {
	runGroups(t, h, func(t *testing.T, s posguard.Store) posguard.MoneyStore { return sideOf[MoneyStorer](t, s).Money() },
		[]group[posguard.MoneyStore]{
			{"AppendAndVerify", testLedgerAppend},
			{"Balances", testLedgerBalances},
			{"JournalChanges", testLedgerJournal},
			{"Reference", testLedgerReference},
			{"Batches", testLedgerBatches},
			{"Review", testLedgerReview},
			{"SettleT1", testLedgerSettleT1},
			{"Payouts", testLedgerPayouts},
		})
}

// sale returns an approval posting of amount with fee for merchant mid.
func sale(id int64, mid, date string, amount, fee posguard.Amount) *posguard.Posting {
	return ledger.Approval(&posguard.Transaction{ID: id, MerchantID: mid, SettlementDate: date, Amount: amount},
		fee, posguard.CardDebit)
}

func appendN(t *testing.T, m posguard.MoneyStore, want int, ps ...*posguard.Posting) {
	t.Helper()
	n, err := m.AppendPostings(t.Context(), ps)
	must(t, err, "append")
	if n != want {
		t.Fatalf("appended %d, want %d", n, want)
	}
}

func testLedgerAppend(t *testing.T, _ posguard.Store, m posguard.MoneyStore) {
	ctx := t.Context()
	a, b := sale(1, "M1", "2026-03-01", 10000, 50), sale(2, "M1", "2026-03-01", 20000, 100)
	appendN(t, m, 2, a, b)
	if a.Seq != 1 || b.Seq != 2 || a.PrevHash != "" || b.PrevHash != a.Hash || a.Hash == "" {
		t.Fatalf("chain: a %d %q→%q, b %d %q", a.Seq, a.PrevHash, a.Hash, b.Seq, b.PrevHash)
	}
	// Idempotent by key.
	appendN(t, m, 0, sale(1, "M1", "2026-03-01", 10000, 50))
	// Unbalanced: nothing appended, not even the good posting before it.
	bad := sale(3, "M1", "2026-03-01", 500, 5)
	bad.Entries[0].Amount++
	_, err := m.AppendPostings(ctx, []*posguard.Posting{sale(4, "M1", "2026-03-01", 700, 7), bad})
	wantCode(t, err, posguard.EINVALID, "unbalanced append")
	n, err := ledger.Verify(ctx, m)
	must(t, err, "verify")
	if n != 2 {
		t.Fatalf("verified %d postings, want 2", n)
	}
	got, err := m.Postings(ctx, 0, 0)
	must(t, err, "postings")
	if len(got) != 2 || got[1].Hash != b.Hash || len(got[1].Entries) != 3 || got[1].Net != 19900 || got[1].Fee != 100 {
		t.Fatalf("read back %+v", got)
	}
	if posguard.PostingHash(got[0].Hash, got[1]) != got[1].Hash {
		t.Fatal("stored posting does not hash to its hash")
	}
	seq, hash, err := m.LedgerHead(ctx)
	must(t, err, "head")
	if seq != 2 || hash != b.Hash {
		t.Fatalf("head %d %q", seq, hash)
	}
	fortxn, err := m.PostingsForTxn(ctx, 2)
	must(t, err, "for txn")
	if len(fortxn) != 1 || fortxn[0].Key != b.Key {
		t.Fatalf("postings for txn 2: %+v", fortxn)
	}
	// A batch with a known key and a key given twice: the rest is appended
	// once, in order, on the chain.
	c, d := sale(5, "M1", "2026-03-01", 900, 9), sale(6, "M2", "2026-03-01", 800, 8)
	appendN(t, m, 2, c, sale(1, "M1", "2026-03-01", 10000, 50), d, sale(5, "M1", "2026-03-01", 900, 9))
	if c.Seq != 3 || c.PrevHash != b.Hash || d.Seq != 4 || d.PrevHash != c.Hash {
		t.Fatalf("chain after a batch with known keys: c %d %q, d %d %q", c.Seq, c.PrevHash, d.Seq, d.PrevHash)
	}
	if n, err := ledger.Verify(ctx, m); err != nil || n != 4 {
		t.Fatalf("verify after a batch with known keys: %d, %v", n, err)
	}
}

func testLedgerBalances(t *testing.T, _ posguard.Store, m posguard.MoneyStore) {
	ctx := t.Context()
	appendN(t, m, 3, sale(1, "M1", "2026-03-01", 10000, 50), sale(2, "M1", "2026-03-02", 20000, 100),
		sale(3, "M2", "2026-03-01", 5000, 25))
	bal := func(f posguard.BalanceFilter) map[posguard.Account]posguard.Amount {
		bs, err := m.Balances(ctx, f)
		must(t, err, "balances")
		out := map[posguard.Account]posguard.Amount{}
		var sum posguard.Amount
		for _, b := range bs {
			out[b.Account] = b.Amount
			sum += b.Amount
		}
		if f.MerchantID == "" && sum != 0 {
			t.Fatalf("trial balance %s, want 0", sum)
		}
		return out
	}
	all := bal(posguard.BalanceFilter{})
	if all[ledger.NetworkReceivable] != 35000 || all[ledger.FeeIncome] != -175 ||
		all[posguard.MerchantAccount(posguard.AccountMerchantPayable, "M1")] != -29850 {
		t.Fatalf("balances %v", all)
	}
	day1 := bal(posguard.BalanceFilter{UpTo: "2026-03-01"})
	if day1[ledger.NetworkReceivable] != 15000 {
		t.Fatalf("balances up to 03-01: %v", day1)
	}
	m2 := bal(posguard.BalanceFilter{MerchantID: "M2"})
	if len(m2) != 1 || m2[posguard.MerchantAccount(posguard.AccountMerchantPayable, "M2")] != -4975 {
		t.Fatalf("M2 balances %v", m2)
	}
	ps, err := m.MerchantPostings(ctx, "M1", "2026-03-02", "")
	must(t, err, "merchant postings")
	if len(ps) != 1 || ps[0].TxnID != 2 {
		t.Fatalf("M1 postings from 03-02: %+v", ps)
	}
}

func testLedgerJournal(t *testing.T, s posguard.Store, m posguard.MoneyStore) {
	ctx := t.Context()
	a := insert(t, s, txn("10000001", "000001"))
	b := insert(t, s, txn("10000001", "000002"))
	cs, err := m.JournalChanges(ctx, 0, 10)
	must(t, err, "changes")
	if len(cs) != 2 || cs[0].Txn.ID != a.ID || cs[1].Txn.ID != b.ID || cs[0].State != posguard.StateApproved ||
		cs[0].Txn.Amount != 1000 || cs[0].Txn.MerchantID != a.MerchantID || cs[0].Txn.Type != posguard.TxnSale {
		t.Fatalf("changes %+v", cs)
	}
	rest, err := m.JournalChanges(ctx, cs[0].EventID, 10)
	must(t, err, "changes after")
	if len(rest) != 1 || rest[0].Txn.ID != b.ID {
		t.Fatalf("changes after first: %+v", rest)
	}
	// A forwarded sale's first event posts nothing and is left out; its
	// approval and a reversal are returned.
	c := txn("10000001", "000003")
	c.State = posguard.StateForwarded
	insert(t, s, c)
	must(t, s.Update(ctx, posguard.TxnUpdate{ID: c.ID, State: posguard.StateApproved, ResponseCode: "00"}), "approve")
	must(t, s.Update(ctx, posguard.TxnUpdate{ID: c.ID, State: posguard.StateReversed}), "reverse")
	rest, err = m.JournalChanges(ctx, rest[0].EventID, 10)
	must(t, err, "changes after second")
	if len(rest) != 2 || rest[0].Txn.ID != c.ID || rest[0].State != posguard.StateApproved ||
		rest[1].State != posguard.StateReversed || rest[1].Txn.State != posguard.StateReversed {
		t.Fatalf("changes of a forwarded, approved, reversed sale: %+v", rest)
	}
	v, err := m.Cursor(ctx, "x")
	must(t, err, "cursor")
	if v != 0 {
		t.Fatalf("unset cursor %d", v)
	}
	must(t, m.SetCursor(ctx, "x", 7), "set cursor")
	must(t, m.SetCursor(ctx, "x", 9), "set cursor again")
	if v, _ = m.Cursor(ctx, "x"); v != 9 {
		t.Fatalf("cursor %d, want 9", v)
	}
}

func testLedgerReference(t *testing.T, _ posguard.Store, m posguard.MoneyStore) {
	ctx := t.Context()
	must(t, m.PutCardKinds(ctx, map[string]posguard.CardKind{"622202": posguard.CardDebit, "625807": posguard.CardCredit}), "kinds")
	wantCode(t, m.PutCardKinds(ctx, map[string]posguard.CardKind{"1": "gold"}), posguard.EINVALID, "bad kind")
	ks, err := m.CardKinds(ctx)
	must(t, err, "read kinds")
	if len(ks) != 2 || ks["625807"] != posguard.CardCredit {
		t.Fatalf("kinds %v", ks)
	}
	must(t, m.PutFeePlan(ctx, "std", []byte(`{"a":1}`)), "plan")
	must(t, m.PutFeePlan(ctx, "std", []byte(`{"a":2}`)), "plan again")
	ps, err := m.FeePlans(ctx)
	must(t, err, "plans")
	if len(ps) != 1 || string(ps["std"]) != `{"a":2}` {
		t.Fatalf("plans %q", ps)
	}
}

func batchOf(m posguard.MoneyStore, t *testing.T, id, mid, date string, maxSeq int64, count int, net posguard.Amount) (*posguard.Batch, []*posguard.Posting, *posguard.Payout) {
	b := &posguard.Batch{ID: id, Kind: posguard.BatchT1, MerchantID: mid, Date: date, MaxSeq: maxSeq, Count: count,
		Net: net, Payout: net, PayoutID: "PO-" + id}
	ps := []*posguard.Posting{ledger.Transfer("batch:"+id+":settle", posguard.PostSettlement, mid, date, id, net,
		posguard.MerchantAccount(posguard.AccountMerchantPayable, mid), posguard.MerchantAccount(posguard.AccountPayoutClearing, mid))}
	return b, ps, &posguard.Payout{ID: b.PayoutID, BatchID: id, MerchantID: mid, Amount: net,
		Account: posguard.SettlementAccount{Bank: "ICBC", Number: "1001", Name: "Shop", Status: "ok"}}
}

func testLedgerBatches(t *testing.T, _ posguard.Store, m posguard.MoneyStore) {
	ctx := t.Context()
	appendN(t, m, 3, sale(1, "M1", "2026-03-01", 10000, 50), sale(2, "M1", "2026-03-01", 20000, 100),
		sale(3, "M2", "2026-03-02", 5000, 25))
	tot, err := m.UnsettledTotals(ctx, "2026-03-01", 3)
	must(t, err, "totals")
	if len(tot) != 1 || tot[0].MerchantID != "M1" || tot[0].Count != 2 || tot[0].Net != 29850 {
		t.Fatalf("totals %+v", tot)
	}
	// A batch whose sum disagrees with the items is refused whole.
	b, ps, p := batchOf(m, t, "B0", "M1", "2026-03-01", 3, 2, 29000)
	wantCode(t, m.CreateBatch(ctx, b, ps, p), posguard.ECONFLICT, "wrong net")
	b, ps, p = batchOf(m, t, "B1", "M1", "2026-03-01", 3, 2, 29850)
	must(t, m.CreateBatch(ctx, b, ps, p), "create batch")
	b2, ps2, p2 := batchOf(m, t, "B1", "M1", "2026-03-01", 3, 0, 0)
	wantCode(t, m.CreateBatch(ctx, b2, ps2, p2), posguard.ECONFLICT, "same batch again")
	if tot, _ = m.UnsettledTotals(ctx, "2026-03-01", 10); len(tot) != 0 {
		t.Fatalf("after batch: totals %+v", tot)
	}
	got, err := m.Batch(ctx, "B1")
	must(t, err, "batch")
	if got.Net != 29850 || got.Count != 2 || got.PayoutID != "PO-B1" {
		t.Fatalf("batch %+v", got)
	}
	_, err = m.Batch(ctx, "nope")
	wantCode(t, err, posguard.ENOTFOUND, "unknown batch")
	items, err := m.ItemsForTxn(ctx, 2)
	must(t, err, "items")
	if len(items) != 1 || items[0].BatchID != "B1" || items[0].State != posguard.ItemInBatch {
		t.Fatalf("items %+v", items)
	}
	bs, err := m.Batches(ctx, "M1", "", "")
	must(t, err, "batches")
	if len(bs) != 1 {
		t.Fatalf("batches %+v", bs)
	}
	po, err := m.Payout(ctx, "PO-B1")
	must(t, err, "payout")
	if po.State != posguard.PayoutQueued || po.Amount != 29850 || po.Account.Number != "1001" {
		t.Fatalf("payout %+v", po)
	}
	// D0-style batch by explicit items.
	d := &posguard.Batch{ID: "D1", Kind: posguard.BatchD0, MerchantID: "M2", Date: "2026-03-02", Items: []int64{3},
		Count: 1, Net: 4975, Fee: 5, Payout: 4970, PayoutID: "PO-D1"}
	must(t, m.CreateBatch(ctx, d, []*posguard.Posting{ledger.Transfer("batch:D1:settle", posguard.PostSettlement, "M2",
		"2026-03-02", "D1", 4975, posguard.MerchantAccount(posguard.AccountMerchantPayable, "M2"),
		posguard.MerchantAccount(posguard.AccountPayoutClearing, "M2"))}, nil), "d0 batch")
	used, err := m.DailyD0(ctx, "M2", "2026-03-02")
	must(t, err, "daily d0")
	if used != 4975 {
		t.Fatalf("daily d0 %s", used)
	}
	if _, err := ledger.Verify(ctx, m); err != nil {
		t.Fatal(err)
	}
}

func testLedgerReview(t *testing.T, _ posguard.Store, m posguard.MoneyStore) {
	ctx := t.Context()
	big, small := sale(1, "M1", "2026-03-01", 900000, 0), sale(2, "M1", "2026-03-01", 1000, 0)
	refund := ledger.Refund(&posguard.Transaction{ID: 3, OrigID: 1, MerchantID: "M1", SettlementDate: "2026-03-01", Amount: 100}, big, 0, 0)
	appendN(t, m, 3, big, small, refund)
	n, err := m.HoldForReview(ctx, "2026-03-01", 500000, "settlement.pending_review")
	must(t, err, "hold")
	if n != 2 {
		t.Fatalf("held %d items, want the sale and its refund", n)
	}
	tot, _ := m.UnsettledTotals(ctx, "2026-03-01", 10)
	if len(tot) != 1 || tot[0].Count != 1 || tot[0].Net != 1000 {
		t.Fatalf("totals with review %+v", tot)
	}
	items, _ := m.ItemsForTxn(ctx, 1)
	if len(items) != 2 || items[0].State != posguard.ItemReview || items[0].Reason != "settlement.pending_review" {
		t.Fatalf("review items %+v", items)
	}
	must(t, m.ReleaseReview(ctx, 1), "release")
	wantCode(t, m.ReleaseReview(ctx, 1), posguard.ENOTFOUND, "release again")
	if tot, _ = m.UnsettledTotals(ctx, "2026-03-01", 10); len(tot) != 1 || tot[0].Count != 3 {
		t.Fatalf("totals after release %+v", tot)
	}
	// A risk review holds one transaction's items by ID, once.
	n, err = m.HoldTxnsForReview(ctx, []int64{2, 99}, "settlement.risk_hold")
	must(t, err, "hold txns")
	if n != 1 {
		t.Fatalf("held %d items of transaction 2, want 1", n)
	}
	if n, _ = m.HoldTxnsForReview(ctx, []int64{2}, "settlement.risk_hold"); n != 0 {
		t.Fatalf("held transaction 2 again: %d", n)
	}
	if items, _ = m.ItemsForTxn(ctx, 2); len(items) != 1 || items[0].State != posguard.ItemReview || items[0].Reason != "settlement.risk_hold" {
		t.Fatalf("risk hold items %+v", items)
	}
	must(t, m.ReleaseReview(ctx, 2), "release risk hold")
}

func testLedgerPayouts(t *testing.T, s posguard.Store, m posguard.MoneyStore) {
	ctx := t.Context()
	appendN(t, m, 1, sale(1, "M1", "2026-03-01", 10000, 0))
	b, ps, p := batchOf(m, t, "B1", "M1", "2026-03-01", 1, 1, 10000)
	must(t, m.CreateBatch(ctx, b, ps, p), "batch")
	wantCode(t, m.FinishPayout(ctx, "PO-B1", []posguard.PayoutState{posguard.PayoutSubmitted}, posguard.PayoutFailed, "x", "", p.CreatedAt, nil),
		posguard.ECONFLICT, "finish a queued payout")
	must(t, m.MarkSubmitted(ctx, "PO-B1", p.CreatedAt), "submit")
	must(t, m.MarkSubmitted(ctx, "PO-B1", p.CreatedAt), "resubmit")
	wantCode(t, m.MarkSubmitted(ctx, "nope", p.CreatedAt), posguard.ENOTFOUND, "submit unknown")
	fail := ledger.Transfer("payout:PO-B1:failed", posguard.PostPayoutFailed, "M1", "2026-03-02", "PO-B1", 10000,
		posguard.MerchantAccount(posguard.AccountPayoutClearing, "M1"), posguard.MerchantAccount(posguard.AccountHeld, "M1"))
	// The outcome and its audit record commit together: a record the log
	// refuses undoes the outcome and its postings.
	head, _, err := m.LedgerHead(ctx)
	must(t, err, "ledger head")
	wantCode(t, m.FinishPayout(ctx, "PO-B1", []posguard.PayoutState{posguard.PayoutSubmitted}, posguard.PayoutFailed,
		"settlement.account_frozen", "", p.CreatedAt, []*posguard.Posting{fail}, &posguard.AuditRecord{User: "system"}),
		posguard.EINVALID, "fail with a refused audit record")
	if got, _ := m.Payout(ctx, "PO-B1"); got.State != posguard.PayoutSubmitted {
		t.Fatalf("payout %s after a refused audit record, want submitted", got.State)
	}
	if h, _, _ := m.LedgerHead(ctx); h != head {
		t.Fatalf("ledger head %d after a refused audit record, want %d", h, head)
	}
	must(t, m.FinishPayout(ctx, "PO-B1", []posguard.PayoutState{posguard.PayoutSubmitted}, posguard.PayoutFailed,
		"settlement.account_frozen", "", p.CreatedAt, []*posguard.Posting{fail},
		&posguard.AuditRecord{User: "system", Action: "payout", Object: "payouts/PO-B1", Outcome: "failed"}), "fail")
	recs, err := sideOf[AccessStorer](t, s).Access().AuditRecords(ctx, posguard.AuditFilter{Object: "payouts/PO-B1"})
	must(t, err, "audit records")
	if len(recs) != 1 || recs[0].Outcome != "failed" || recs[0].ID != 1 {
		t.Fatalf("audit records of the payout: %+v", recs)
	}
	must(t, m.SetPayoutCase(ctx, "PO-B1", "C-1"), "case")
	got, _ := m.Payout(ctx, "PO-B1")
	if got.State != posguard.PayoutFailed || got.Attempts != 2 || got.Reason != "settlement.account_frozen" || got.CaseID != "C-1" {
		t.Fatalf("failed payout %+v", got)
	}
	re := func(id string) error {
		np := &posguard.Payout{ID: id, BatchID: "B1", MerchantID: "M1", Amount: 10000, Resettles: "PO-B1"}
		return m.Resettle(ctx, np, []*posguard.Posting{ledger.Transfer("payout:PO-B1:resettle", posguard.PostResettlement,
			"M1", "2026-03-03", id, 10000, posguard.MerchantAccount(posguard.AccountHeld, "M1"),
			posguard.MerchantAccount(posguard.AccountPayoutClearing, "M1"))})
	}
	must(t, re("PO-B1-R"), "resettle")
	wantCode(t, re("PO-B1-R2"), posguard.ECONFLICT, "resettle twice")
	got, _ = m.Payout(ctx, "PO-B1")
	if got.ResettledBy != "PO-B1-R" {
		t.Fatalf("resettled by %q", got.ResettledBy)
	}
	list, err := m.Payouts(ctx, posguard.PayoutFilter{MerchantID: "M1", States: []posguard.PayoutState{posguard.PayoutQueued}})
	must(t, err, "payouts")
	if len(list) != 1 || list[0].ID != "PO-B1-R" || list[0].Resettles != "PO-B1" {
		t.Fatalf("queued payouts %+v", list)
	}
	if _, err := ledger.Verify(ctx, m); err != nil {
		t.Fatal(err)
	}
}

// testLedgerSettleT1: one set-based run settles two merchants, carries a
// third forward (negative net), leaves a held sale and tomorrow's sale out,
// writes postings and payouts, and a rerun changes nothing; after a
// release and a new sale, the next run makes "-2" batches.
func testLedgerSettleT1(t *testing.T, _ posguard.Store, m posguard.MoneyStore) {
	ctx := t.Context()
	appendN(t, m, 6, sale(1, "M1", "2026-03-01", 10000, 50), sale(2, "M1", "2026-03-01", 20000, 100),
		sale(3, "M2", "2026-03-01", 5000, 25), sale(4, "M1", "2026-03-02", 7000, 35),
		sale(5, "M2", "2026-03-01", 900000, 4500), sale(6, "M3", "2026-02-28", 3000, 15))
	// M3's sale of the 28th was settled; its refund now makes M3's net negative.
	b, ps, p := batchOf(m, t, "T1-2026-02-28-M3-1", "M3", "2026-02-28", 6, 1, 2985)
	must(t, m.CreateBatch(ctx, b, ps, p), "earlier batch")
	appendN(t, m, 1, ledger.Refund(&posguard.Transaction{ID: 7, OrigID: 6, MerchantID: "M3", SettlementDate: "2026-03-01", Amount: 3000}, sale(6, "M3", "2026-02-28", 3000, 15), 0, 0))
	run := posguard.T1Run{Date: "2026-03-01", ReviewThreshold: 500000, ReviewReason: "settlement.pending_review",
		Postings: func(b *posguard.Batch) []*posguard.Posting {
			return []*posguard.Posting{ledger.Transfer("batch:"+b.ID+":settle", posguard.PostSettlement, b.MerchantID, b.Date, b.ID, b.Payout,
				posguard.MerchantAccount(posguard.AccountMerchantPayable, b.MerchantID), posguard.MerchantAccount(posguard.AccountPayoutClearing, b.MerchantID))}
		},
		Payout: func(_ context.Context, b *posguard.Batch) (*posguard.Payout, error) {
			return &posguard.Payout{ID: b.PayoutID, BatchID: b.ID, MerchantID: b.MerchantID, Amount: b.Payout}, nil
		}}
	res, err := m.SettleT1(ctx, run)
	must(t, err, "settle")
	if res.Held != 1 || res.Carried != 1 || res.Existing != 0 || len(res.Batches) != 2 {
		t.Fatalf("first run %+v", res)
	}
	b1, b2 := res.Batches[0], res.Batches[1]
	if b1.ID != "T1-2026-03-01-M1-1" || b1.Count != 2 || b1.Net != 29850 || b1.PayoutID != "PO-T1-2026-03-01-M1-1" ||
		b2.ID != "T1-2026-03-01-M2-1" || b2.Count != 1 || b2.Net != 4975 {
		t.Fatalf("batches %+v %+v", b1, b2)
	}
	for id, want := range map[int64]string{1: "T1-2026-03-01-M1-1", 3: "T1-2026-03-01-M2-1", 4: "", 5: "", 7: ""} {
		items, err := m.ItemsForTxn(ctx, id)
		must(t, err, "items")
		got := ""
		for _, it := range items {
			if it.TxnID == id {
				got = it.BatchID
			}
		}
		if got != want {
			t.Fatalf("txn %d in batch %q, want %q (%+v)", id, got, want, items)
		}
	}
	if po, err := m.Payout(ctx, "PO-T1-2026-03-01-M2-1"); err != nil || po.Amount != 4975 || po.State != posguard.PayoutQueued {
		t.Fatalf("payout %+v %v", po, err)
	}
	head, _, _ := m.LedgerHead(ctx)
	res, err = m.SettleT1(ctx, run)
	must(t, err, "rerun")
	if len(res.Batches) != 0 || res.Existing != 2 {
		t.Fatalf("rerun %+v", res)
	}
	if h, _, _ := m.LedgerHead(ctx); h != head {
		t.Fatalf("rerun moved the head %d→%d", head, h)
	}
	must(t, m.ReleaseReview(ctx, 5), "release")
	appendN(t, m, 1, sale(8, "M1", "2026-03-01", 1000, 5))
	res, err = m.SettleT1(ctx, run)
	must(t, err, "third run")
	if len(res.Batches) != 2 || res.Batches[0].ID != "T1-2026-03-01-M1-2" || res.Batches[0].Count != 1 ||
		res.Batches[1].ID != "T1-2026-03-01-M2-2" || res.Batches[1].Net != 895500 {
		t.Fatalf("third run %+v %+v", res, res.Batches)
	}
	if items, _ := m.ItemsForTxn(ctx, 5); len(items) != 1 || items[0].State != posguard.ItemInBatch || items[0].BatchID != "T1-2026-03-01-M2-2" {
		t.Fatalf("released item %+v", items)
	}
	if _, err := m.SettleT1(ctx, posguard.T1Run{Date: "03/01/2026"}); posguard.ErrorCode(err) != posguard.EINVALID {
		t.Fatalf("bad date: %v", err)
	}
	if _, err := ledger.Verify(ctx, m); err != nil {
		t.Fatal(err)
	}
}
