package casework_test

import (
	"context"
	"strings"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/casework"
)

func TestOnPayoutProblem(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for i, p := range []casework.PayoutProblem{
		{MerchantID: "898310058120002", PayoutID: "PO-1", Amount: 123400, Reason: "settlement.account_frozen", Fix: "unfreeze the account at the bank"},
		{Returned: true, MerchantID: "898310058120002", PayoutID: "PO-2", Amount: 500, Reason: "settlement.bank_return"},
	} {
		c, err := f.svc.OnPayoutProblem(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		got, entries, err := f.svc.Get(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Kind != posguard.CasePayoutFailed || got.MerchantID != p.MerchantID || got.Amount != p.Amount || got.Reason != p.Reason {
			t.Fatalf("case %d: %+v", i, got)
		}
		if !strings.Contains(got.Title, p.PayoutID) || got.Cause == "" || len(entries) == 0 || entries[0].Kind != posguard.EntryCause {
			t.Fatalf("case %d lacks its payout, cause or timeline: %+v %+v", i, got, entries)
		}
		if p.Fix != "" && (len(entries) < 2 || !strings.Contains(entries[1].Text, p.Fix)) {
			t.Fatalf("the merchant's fix is not in the timeline: %+v", entries)
		}
	}
	list, err := f.svc.List(ctx, posguard.CaseFilter{Kind: posguard.CasePayoutFailed})
	if err != nil || len(list) != 2 {
		t.Fatalf("%d payout cases (err %v), want one per problem", len(list), err)
	}
}
