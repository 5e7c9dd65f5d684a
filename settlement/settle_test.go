package settlement_test

import (
	"context"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/settlement"
)

func TestSettleTwiceIsNoOp(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.sale(shop, debit, "2026-03-01", 10000) // fee 0.50% = 50
	f.sale(shop, cred, "2026-03-01", 10000)  // fee 0.60% = 60
	f.sale(stall, debit, "2026-03-01", 5000) // fee 0.38% = 19
	f.sale(shop, debit, "2026-03-02", 7000)  // next day: not in this run
	f.post()
	rep, err := f.settler.Settle(ctx, "2026-03-01")
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Batches) != 2 || rep.Items != 3 || rep.Net != 19890+4981 {
		t.Fatalf("first run: %s", rep)
	}
	head1, _, _ := f.m.LedgerHead(ctx)
	payouts1, _ := f.m.Payouts(ctx, posguard.PayoutFilter{})
	rep2, err := f.settler.Settle(ctx, "2026-03-01")
	if err != nil {
		t.Fatal(err)
	}
	head2, _, _ := f.m.LedgerHead(ctx)
	payouts2, _ := f.m.Payouts(ctx, posguard.PayoutFilter{})
	if len(rep2.Batches) != 0 || head2 != head1 || len(payouts2) != len(payouts1) || rep2.Existing != 2 {
		t.Fatalf("second run changed something: %s, head %d→%d, payouts %d→%d", rep2, head1, head2, len(payouts1), len(payouts2))
	}
	f.positions()
}

func TestWhereIsTheMoney(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.settler.ReviewThreshold = 1_000_000
	small := f.sale(shop, debit, "2026-03-01", 10000)
	big := f.sale(shop, debit, "2026-03-01", 2_000_000)
	f.post()
	where := func(tx *posguard.Transaction) settlement.TxnSettlement {
		st, err := settlement.StatusOf(ctx, f.m, tx.ID)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	if w := where(small); w.Where != settlement.WhereUnsettled {
		t.Fatalf("before settlement: %+v", w)
	}
	if _, err := f.settler.Settle(ctx, "2026-03-01"); err != nil {
		t.Fatal(err)
	}
	if w := where(big); w.Where != settlement.WherePendingReview || w.Reason != settlement.ReasonPendingReview {
		t.Fatalf("big sale: %+v", w)
	}
	w := where(small)
	if w.Where != settlement.WhereInBatch || w.BatchID != "T1-2026-03-01-"+shop+"-1" {
		t.Fatalf("small sale after settlement: %+v", w)
	}
	if _, err := f.runner.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if w := where(small); w.Where != settlement.WherePaid || w.PaidOn != "2026-03-02" {
		t.Fatalf("small sale after payout: %+v", w)
	}
	// Released from review, the big sale goes in a supplementary batch.
	if err := f.settler.Release(ctx, big.ID); err != nil {
		t.Fatal(err)
	}
	rep, err := f.settler.Settle(ctx, "2026-03-01")
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Batches) != 1 || rep.Batches[0].ID != "T1-2026-03-01-"+shop+"-2" {
		t.Fatalf("after release: %s", rep)
	}
	if w := where(big); w.Where != settlement.WhereInBatch {
		t.Fatalf("big sale after release: %+v", w)
	}
	f.positions()
}

func TestD0(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.now = f.now.Add(0)                      // 2026-03-02 10:00 in UTC+8
	f.sale(shop, debit, "2026-03-02", 100000) // fee 500 (below the cap)
	f.sale(shop, cred, "2026-03-02", 50000)   // fee 300
	f.settler.SameDay = settlement.D0Policy{Kinds: []posguard.CardKind{posguard.CardDebit}}
	f.post()
	b, err := f.settler.D0(ctx, shop)
	if err != nil {
		t.Fatal(err)
	}
	// Only the debit sale: net 99500, extra 0.10% = 99.5 → 100 (half up).
	if b.Count != 1 || b.Net != 99500 || b.Fee != 100 || b.Payout != 99400 {
		t.Fatalf("D0 batch %+v", b)
	}
	if _, err := f.settler.D0(ctx, shop); posguard.ErrorCode(err) != posguard.EINVALID {
		t.Fatalf("second D0 with nothing eligible: %v", err)
	}
	if _, err := f.settler.D0(ctx, stall); posguard.ErrorCode(err) != posguard.EINVALID {
		t.Fatalf("D0 on a plan without it: %v", err)
	}
	// Outside the window (23:00–24:00 local).
	f.now = f.now.Add(13*3600*1e9 + 30*60*1e9)
	f.sale(shop, debit, "2026-03-02", 200000)
	f.post()
	if _, err := f.settler.D0(ctx, shop); posguard.ErrorCode(err) != posguard.EINVALID {
		t.Fatalf("D0 outside window: %v", err)
	}
	p := f.positions()[shop]
	if p.Fees != 500+300+100+1000 {
		t.Fatalf("fees %s", p.Fees)
	}
}

func TestD0Quota(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.settler.SameDay = settlement.D0Policy{DailyQuota: 150000}
	for i := 0; i < 3; i++ {
		f.sale(shop, debit, "2026-03-02", 100000)
	}
	f.post()
	b, err := f.settler.D0(ctx, shop)
	if err != nil {
		t.Fatal(err)
	}
	if b.Count != 1 {
		t.Fatalf("quota 1500 yuan allows one 995-yuan item, batch took %d", b.Count)
	}
	if _, err := f.settler.D0(ctx, shop); posguard.ErrorCode(err) != posguard.EINVALID {
		t.Fatalf("quota used up: %v", err)
	}
}

// TestD0MinimumSale: the seeds' rule, each card sale of at least 11 元 is
// paid the same day: 11.00 元 is, 10.99 元 waits for T+1.
func TestD0MinimumSale(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	small := f.sale(shop, debit, "2026-03-02", 1099)
	exact := f.sale(shop, debit, "2026-03-02", 1100)
	f.post()
	b, err := f.settler.D0(ctx, shop)
	if err != nil {
		t.Fatal(err)
	}
	if b.Count != 1 {
		t.Fatalf("D0 batch took %d items, want the 11.00 sale only", b.Count)
	}
	where := func(tx *posguard.Transaction) settlement.TxnSettlement {
		st, err := settlement.StatusOf(ctx, f.m, tx.ID)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	if w := where(exact); w.Where != settlement.WhereInBatch || w.BatchID != b.ID {
		t.Fatalf("11.00 sale: %+v", w)
	}
	if w := where(small); w.Where != settlement.WhereUnsettled {
		t.Fatalf("10.99 sale: %+v", w)
	}
	// Only the small one is left: D0 has nothing to pay, T+1 settles it.
	if _, err := f.settler.D0(ctx, shop); posguard.ErrorCode(err) != posguard.EINVALID {
		t.Fatalf("D0 with only a 10.99 sale: %v", err)
	}
	rep, err := f.settler.Settle(ctx, "2026-03-02")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Items != 1 {
		t.Fatalf("T+1: %s", rep)
	}
	if w := where(small); w.Where != settlement.WhereInBatch || w.BatchID != "T1-2026-03-02-"+shop+"-1" {
		t.Fatalf("10.99 sale after T+1: %+v", w)
	}
}
