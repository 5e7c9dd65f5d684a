package settlement_test

import (
	"context"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/onboarding"
	"github.com/posguard/posguard/risk"
)

// TestRiskReviewHoldsSettlement: a sale a review rule hit is held out of
// the settlement run (reason settlement.risk_hold) while its neighbour is
// settled; once a risk user releases the hit, the next run settles it.
func TestRiskReviewHoldsSettlement(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ob := f.st.Onboarding()
	rs := &risk.Service{Store: ob, History: ob, Merchants: f.st, Engine: risk.NewEngine(), Settlement: f.m}
	f.settler.RiskHolds = ob.ReviewsHeld

	held := f.sale(shop, cred, "2026-03-01", 500000)
	f.sale(shop, debit, "2026-03-01", 10000)
	rs.Record(ctx, held, &posguard.RiskDecision{Action: posguard.RiskReview, Version: 1, Kinds: []string{posguard.RuleNight},
		Hits: []*posguard.RiskHit{{Rule: "night-large", RuleVersion: 1, Action: posguard.RiskReview, MerchantID: shop, Amount: held.Amount}}})
	f.post()
	rep, err := f.settler.Settle(ctx, "2026-03-01")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Held != 1 || rep.Items != 1 {
		t.Fatalf("run with a review hit: %s", rep)
	}
	items, _ := f.m.ItemsForTxn(ctx, held.ID)
	if len(items) != 1 || items[0].State != posguard.ItemReview || items[0].Reason != posguard.ReasonRiskHold {
		t.Fatalf("held sale's items %+v", items)
	}
	hits, _ := ob.RiskHits(ctx, posguard.RiskHitFilter{TxnID: held.ID})
	if len(hits) != 1 {
		t.Fatalf("hits %+v", hits)
	}
	if _, err := rs.Release(ctx, onboarding.Actor{Name: "risk1", Role: posguard.RoleRisk}, hits[0].ID); err != nil {
		t.Fatal(err)
	}
	rep, err = f.settler.Settle(ctx, "2026-03-01")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Held != 0 || rep.Items != 1 {
		t.Fatalf("run after the release: %s", rep)
	}
	if items, _ = f.m.ItemsForTxn(ctx, held.ID); len(items) != 1 || items[0].State == posguard.ItemReview {
		t.Fatalf("released sale's items %+v", items)
	}
	f.positions()
}
