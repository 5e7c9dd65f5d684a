package settlement_test

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/ledger"
	"github.com/posguard/posguard/settlement"
)

// settleEach is the T+1 run as it was before it became set-based: holds,
// then one store transaction per merchant (CreateBatch). It is the reference
// the set-based run must match.
func settleEach(ctx context.Context, s *settlement.Settler, date string) (settlement.Report, error) {
	rep := settlement.Report{Date: date}
	if s.ReviewThreshold > 0 {
		n, err := s.Store.HoldForReview(ctx, date, s.ReviewThreshold, settlement.ReasonPendingReview)
		if err != nil {
			return rep, err
		}
		rep.Held = n
	}
	if s.RiskHolds != nil {
		ids, err := s.RiskHolds(ctx)
		if err != nil {
			return rep, err
		}
		if len(ids) > 0 {
			n, err := s.Store.HoldTxnsForReview(ctx, ids, posguard.ReasonRiskHold)
			if err != nil {
				return rep, err
			}
			rep.Held += n
		}
	}
	head, _, err := s.Store.LedgerHead(ctx)
	if err != nil {
		return rep, err
	}
	totals, err := s.Store.UnsettledTotals(ctx, date, head)
	if err != nil {
		return rep, err
	}
	existing, err := s.Store.Batches(ctx, "", date, date)
	if err != nil {
		return rep, err
	}
	count := map[string]int{}
	for _, b := range existing {
		if b.Kind == posguard.BatchT1 {
			count[b.MerchantID]++
			rep.Existing++
		}
	}
	for _, t := range totals {
		if t.Net <= 0 {
			rep.Carried++
			continue
		}
		id := fmt.Sprintf("T1-%s-%s-%d", date, t.MerchantID, count[t.MerchantID]+1)
		b := &posguard.Batch{ID: id, Kind: posguard.BatchT1, MerchantID: t.MerchantID, Date: date, MaxSeq: head,
			Count: t.Count, Net: t.Net, Payout: t.Net, PayoutID: "PO-" + id}
		acct := posguard.SettlementAccount{}
		if m, err := s.Merchants.Merchant(ctx, b.MerchantID); err == nil {
			acct = m.Account
		}
		ps := []*posguard.Posting{ledger.Transfer("batch:"+b.ID+":settle", posguard.PostSettlement, b.MerchantID, b.Date, b.ID,
			b.Payout, posguard.MerchantAccount(posguard.AccountMerchantPayable, b.MerchantID),
			posguard.MerchantAccount(posguard.AccountPayoutClearing, b.MerchantID))}
		p := &posguard.Payout{ID: b.PayoutID, BatchID: b.ID, MerchantID: b.MerchantID, Amount: b.Payout, Account: acct}
		if err := s.Store.CreateBatch(ctx, b, ps, p); err != nil {
			return rep, err
		}
		rep.Batches = append(rep.Batches, b)
		rep.Items += b.Count
		rep.Net += b.Net
	}
	return rep, nil
}

// mixedDay plays one script of a mixed business day on f, settling with
// settle: sales on debit, credit and unknown BINs for four merchants (two
// without a record), voids, refunds, reversals, a large sale held for review,
// a risk hold, a same-day (D0) payout before the T+1 run, a release followed
// by a supplementary run, a sale dated the next day and a merchant carried
// forward with a negative net. It returns what each run reported.
func mixedDay(t *testing.T, f *fixture, settle func(context.Context, string) (settlement.Report, error)) []string {
	ctx := context.Background()
	other, gone := "898310000000003", "898310000000004"
	mids := []string{shop, stall, other, gone}
	bins := []string{debit, cred, "999999"}
	var sales []*posguard.Transaction
	for i := 0; i < 48; i++ {
		amount := posguard.Amount(1000 + 731*i)
		if i%17 == 5 {
			amount = 2_000_000 // held for review
		}
		sales = append(sales, f.sale(mids[i%len(mids)], bins[i%len(bins)], "2026-03-01", amount))
	}
	// gone's only sale of the day is refunded in full the next day: negative net then.
	f.journal(posguard.TxnVoid, sales[1].MerchantID, sales[1].IssuerBIN, "2026-03-01", sales[1].Amount, sales[1].ID)
	f.journal(posguard.TxnRefund, sales[2].MerchantID, sales[2].IssuerBIN, "2026-03-01", sales[2].Amount/3, sales[2].ID)
	f.reverse(sales[6])
	f.sale(shop, debit, "2026-03-02", 4200) // tomorrow's: not in the 03-01 runs
	f.post()
	// D0 for shop at 12:00 local on 03-01: these sales are paid already.
	f.now = time.Date(2026, 3, 1, 4, 0, 0, 0, time.UTC)
	if _, err := f.settler.D0(ctx, shop); err != nil {
		t.Fatal(err)
	}
	f.now = time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)
	f.sale(shop, cred, "2026-03-01", 3300) // late, after D0
	f.post()
	risky := sales[9].ID
	f.settler.ReviewThreshold = 1_000_000
	f.settler.RiskHolds = func(context.Context) ([]int64, error) { return []int64{risky}, nil }
	var out []string
	run := func(date string) {
		rep, err := settle(ctx, date)
		if err != nil {
			t.Fatal(err)
		}
		line := fmt.Sprintf("%s held=%d carried=%d existing=%d items=%d net=%s", date, rep.Held, rep.Carried, rep.Existing, rep.Items, rep.Net)
		for _, b := range rep.Batches {
			line += fmt.Sprintf(" [%s %d %s %s %s]", b.ID, b.Count, b.Net, b.Payout, b.PayoutID)
		}
		out = append(out, line)
	}
	run("2026-03-01")
	run("2026-03-01") // rerun: nothing
	// Release the threshold hold of one big sale; post more; settle again.
	if err := f.settler.Release(ctx, sales[5].ID); err != nil {
		t.Fatal(err)
	}
	f.settler.RiskHolds = nil
	f.sale(other, debit, "2026-03-01", 7700)
	f.journal(posguard.TxnRefund, sales[3].MerchantID, sales[3].IssuerBIN, "2026-03-02", sales[3].Amount, sales[3].ID)
	f.post()
	run("2026-03-01")
	run("2026-03-02")
	return out
}

// TestSetBasedMatchesPerMerchant runs the same mixed day through the
// set-based run and through the per-merchant reference, on two stores, and
// compares every report, batch, payout, item record and balance, and the
// ledger chain's head hash (the same postings in the same order).
func TestSetBasedMatchesPerMerchant(t *testing.T) {
	ctx := context.Background()
	a, b := newFixture(t), newFixture(t)
	repA := mixedDay(t, a, a.settler.Settle)
	repB := mixedDay(t, b, func(ctx context.Context, date string) (settlement.Report, error) {
		return settleEach(ctx, b.settler, date)
	})
	if !reflect.DeepEqual(repA, repB) {
		t.Fatalf("reports differ:\nset-based:\n%q\nper merchant:\n%q", repA, repB)
	}
	if len(repA) != 4 {
		t.Fatalf("runs %q", repA)
	}
	t.Logf("runs:\n%s\n%s\n%s\n%s", repA[0], repA[1], repA[2], repA[3])
	state := func(f *fixture) string {
		var s string
		bs, err := f.m.Batches(ctx, "", "", "")
		if err != nil {
			t.Fatal(err)
		}
		sort.Slice(bs, func(i, j int) bool { return bs[i].ID < bs[j].ID })
		for _, x := range bs {
			s += fmt.Sprintf("batch %s %s %s %s %d %d %s %s %s %s\n", x.ID, x.Kind, x.MerchantID, x.Date, x.MaxSeq, x.Count, x.Net, x.Fee, x.Payout, x.PayoutID)
		}
		ps, err := f.m.Payouts(ctx, posguard.PayoutFilter{Limit: 10000})
		if err != nil {
			t.Fatal(err)
		}
		sort.Slice(ps, func(i, j int) bool { return ps[i].ID < ps[j].ID })
		for _, p := range ps {
			s += fmt.Sprintf("payout %s %s %s %s %+v %s\n", p.ID, p.BatchID, p.MerchantID, p.Amount, p.Account, p.State)
		}
		for id := int64(1); id <= 60; id++ {
			items, err := f.m.ItemsForTxn(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			s += fmt.Sprintf("txn %d %+v\n", id, items)
		}
		bal, err := f.m.Balances(ctx, posguard.BalanceFilter{})
		if err != nil {
			t.Fatal(err)
		}
		s += fmt.Sprintf("balances %+v\n", bal)
		seq, hash, err := f.m.LedgerHead(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return s + fmt.Sprintf("head %d %s\n", seq, hash)
	}
	sa, sb := state(a), state(b)
	if sa != sb {
		t.Fatalf("stores differ:\nset-based:\n%s\nper merchant:\n%s", sa, sb)
	}
	a.positions()
}
