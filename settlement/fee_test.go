package settlement_test

import (
	"context"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/ledger"
	"github.com/posguard/posguard/settlement"
)

func TestFee(t *testing.T) {
	std := plans[0]
	for _, c := range []struct {
		kind   posguard.CardKind
		amount posguard.Amount
		want   posguard.Amount
	}{
		{posguard.CardCredit, 10000, 60},     // 0.60%
		{posguard.CardCredit, 83, 0},         // 0.498 fen → 0
		{posguard.CardCredit, 84, 1},         // 0.504 fen → 1 (half up)
		{posguard.CardDebit, 100, 1},         // 0.5 fen → 1 (half up)
		{posguard.CardDebit, 10000000, 2000}, // 5000 capped at 20 yuan
		{settlement.KindQR, 10000, 38},       // 0.38%
	} {
		if got := settlement.Fee(std, c.kind, c.amount); got != c.want {
			t.Errorf("%s fee on %s: %s, want %s", c.kind, c.amount, got, c.want)
		}
	}
}

func TestCardKindOf(t *testing.T) {
	kinds := map[string]posguard.CardKind{debit: posguard.CardDebit}
	for _, c := range []struct {
		bin, mode string
		want      posguard.CardKind
	}{{debit, "051", posguard.CardDebit}, {debit, "031", settlement.KindQR}, {"999999", "021", posguard.CardCredit}} {
		if got := settlement.CardKindOf(kinds, c.bin, c.mode); got != c.want {
			t.Errorf("%s %s: %s, want %s", c.bin, c.mode, got, c.want)
		}
	}
}

// TestRefundFeeProRata: partial refunds return the fee pro rata, never more
// than it in total; a void returns it in full; a reversal undoes the sale.
func TestRefundFeeProRata(t *testing.T) {
	f := newFixture(t)
	s := f.sale(shop, cred, "2026-03-01", 10001) // fee 0.60% = 60.006 → 60
	f.journal(posguard.TxnRefund, shop, cred, "2026-03-02", 3333, s.ID)
	f.journal(posguard.TxnRefund, shop, cred, "2026-03-02", 3334, s.ID)
	f.journal(posguard.TxnRefund, shop, cred, "2026-03-03", 3334, s.ID)
	v := f.sale(shop, debit, "2026-03-01", 5000) // fee 25
	f.journal(posguard.TxnVoid, shop, debit, "2026-03-01", 5000, v.ID)
	r := f.sale(shop, debit, "2026-03-01", 7000) // fee 35
	f.reverse(r)
	f.post()
	ps, _ := f.m.PostingsForTxn(context.Background(), s.ID)
	var fees []posguard.Amount
	for _, p := range ps {
		fees = append(fees, p.Fee)
	}
	// 60×3333/10001 = 19.998 → 20; cumulative 6667 → 39.998 → 40 (20 more); the rest 20.
	if len(fees) != 4 || fees[0] != 60 || fees[1] != -20 || fees[2] != -20 || fees[3] != -20 {
		t.Fatalf("fees %v", fees)
	}
	pos := f.positions()[shop]
	if pos.Fees != 0 || pos.Earned != 0 || pos.Unsettled != 0 {
		t.Fatalf("everything refunded, voided or reversed: %+v", pos)
	}
	if got := ledger.ProRata(60, 3333, 10001); got != 20 {
		t.Fatalf("ProRata %s", got)
	}
}

func TestRefundGuard(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.sale(shop, debit, "2026-03-02", 100000) // net 99500
	f.post()
	g := &settlement.RefundGuard{Store: f.m}
	if ok, _, err := g.Check(ctx, shop, 99500); !ok || err != nil {
		t.Fatalf("refund within balance refused: %v", err)
	}
	if _, err := f.settler.D0(ctx, shop); err != nil {
		t.Fatal(err)
	}
	ok, reason, err := g.Check(ctx, shop, 100)
	if ok || err != nil || reason != settlement.ReasonRefundBalance+": refund 1.00 yuan is more than the merchant's unsettled balance of 0.00 yuan" {
		t.Fatalf("after D0 paid out: ok %v reason %q err %v", ok, reason, err)
	}
}
