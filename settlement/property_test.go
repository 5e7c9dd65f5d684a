package settlement_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/ledger"
	"github.com/posguard/posguard/payout"
)

// TestMoneyAlwaysAccounted drives random sequences of approvals, voids,
// refunds, reversals, settlements, payout failures, returns, account fixes,
// re-settlements, chargebacks and won representments (docs/disputes.md)
// through the journal, the poster, the settler, the payout runner and the
// ledger, and after every step checks that the ledger balances, the
// chain verifies, and each merchant's paid + held + in flight + unsettled
// equals its net sales minus fees.
func TestMoneyAlwaysAccounted(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			f := newFixture(t)
			ctx := context.Background()
			r := rand.New(rand.NewPCG(seed, seed*7919))
			merchants := []string{shop, stall}
			bins := []string{debit, cred, "999999"}
			day := 1
			date := func() string { return "2026-03-0" + string(rune('0'+day)) }
			var sales []*posguard.Transaction
			type chargeback struct {
				d    *posguard.Dispute
				sale *posguard.Transaction
			}
			var chargebacks []chargeback // representment not yet won
			won := 0
			disputed := map[int64]bool{}
			for step := 0; step < 120; step++ {
				switch op := r.IntN(12); {
				case op <= 3:
					sales = append(sales, f.sale(merchants[r.IntN(2)], bins[r.IntN(3)], date(), posguard.Amount(1+r.IntN(500000))))
				case op == 4 && len(sales) > 0:
					o := sales[r.IntN(len(sales))]
					f.journal(posguard.TxnVoid, o.MerchantID, o.IssuerBIN, o.SettlementDate, o.Amount, o.ID)
				case op == 5 && len(sales) > 0:
					o := sales[r.IntN(len(sales))]
					f.journal(posguard.TxnRefund, o.MerchantID, o.IssuerBIN, date(), posguard.Amount(1+r.IntN(int(o.Amount))), o.ID)
				case op == 6 && len(sales) > 0:
					f.reverse(sales[r.IntN(len(sales))])
				case op == 7:
					f.post()
					if _, err := f.settler.Settle(ctx, date()); err != nil {
						t.Fatal(err)
					}
					if day < 9 {
						day++
					}
				case op == 8:
					if r.IntN(3) == 0 {
						f.bank.TimeoutNext(1)
					}
					if _, err := f.runner.Run(ctx); err != nil {
						t.Fatal(err)
					}
					paid, _ := f.m.Payouts(ctx, posguard.PayoutFilter{States: []posguard.PayoutState{posguard.PayoutSucceeded}})
					if len(paid) > 0 && r.IntN(2) == 0 {
						if err := f.bank.ReturnLater(paid[r.IntN(len(paid))].ID, ""); err != nil {
							t.Fatal(err)
						}
					}
				case op == 9:
					// Fix the frozen account now and then, and re-settle what is held.
					if r.IntN(2) == 0 {
						f.bank.SetAccount(posguard.SettlementAccount{Number: "4300150160052000777", Name: "Wang", Status: "ok"})
					} else {
						f.bank.SetAccount(posguard.SettlementAccount{Number: "4300150160052000777", Name: "Wang", Status: "frozen"})
					}
					for _, mid := range merchants {
						m, _ := f.st.Merchant(ctx, mid)
						if _, err := f.runner.UpdateAccount(ctx, mid, m.Account); err != nil && posguard.ErrorCode(err) != posguard.EINVALID {
							t.Fatal(err)
						}
						if _, err := f.runner.ResettleMerchant(ctx, mid); err != nil && posguard.ErrorCode(err) != posguard.EINVALID {
							t.Fatal(err)
						}
					}
				case op == 10 && len(sales) > 0:
					// A chargeback of all or part of a sale, settled or not.
					o := sales[r.IntN(len(sales))]
					if disputed[o.ID] {
						break
					}
					disputed[o.ID] = true
					d := &posguard.Dispute{ID: fmt.Sprintf("CB%06d", o.ID), Kind: posguard.DisputeChargeback,
						MerchantID: o.MerchantID, Amount: posguard.Amount(1 + r.IntN(int(o.Amount)))}
					if _, err := f.m.AppendPostings(ctx, []*posguard.Posting{ledger.Chargeback(d, o, date())}); err != nil {
						t.Fatal(err)
					}
					chargebacks = append(chargebacks, chargeback{d, o})
				case op == 11 && len(chargebacks) > 0:
					// A representment wins: the amount comes back.
					i := r.IntN(len(chargebacks))
					cb := chargebacks[i]
					chargebacks = append(chargebacks[:i], chargebacks[i+1:]...)
					if _, err := f.m.AppendPostings(ctx, []*posguard.Posting{ledger.Representment(cb.d, cb.sale, date())}); err != nil {
						t.Fatal(err)
					}
					won++
				}
				f.post()
				f.positions()
			}
			if len(disputed) == 0 || won == 0 {
				t.Fatalf("%d chargebacks and %d won representments: the run did not exercise disputes", len(disputed), won)
			}
			// Every payout is credited at most once by the bank.
			all, _ := f.m.Payouts(ctx, posguard.PayoutFilter{Limit: 10000})
			for _, p := range all {
				if n := f.bank.Credits(p.ID); n > 1 {
					t.Fatalf("payout %s credited %d times", p.ID, n)
				}
			}
			_ = payout.ReasonBankReturn
		})
	}
}
