package storetest

import (
	"testing"

	"github.com/posguard/posguard"
)

// runLimitRequests checks limit-increase requests: created pending for an
// existing merchant, listed per merchant and state, decided once; an
// approval sets the merchant's limits, a rejection leaves them.
func runLimitRequests(t *testing.T, h *harness) {
	s := h.store(t)
	ls, ok := s.(posguard.LimitRequestStore)
	if !ok {
		t.Fatalf("%T is not a posguard.LimitRequestStore", s)
	}
	ctx := t.Context()
	m := sampleMerchant("M-LR1")
	must(t, s.PutMerchant(ctx, m), "put")
	must(t, s.PutMerchant(ctx, sampleMerchant("M-LR2")), "put")
	want := m.Limits
	want.CardDaily, want.CardDailyCount, want.Daily = 2_000_000, 20, m.Limits.Daily*2
	r := &posguard.LimitRequest{MerchantID: m.ID, Previous: m.Limits, Requested: want, Reason: "hotel season", RequestedBy: "shop.owner"}
	must(t, ls.CreateLimitRequest(ctx, r), "create")
	if r.ID == 0 || r.State != posguard.LimitRequestPending || r.RequestedAt.IsZero() {
		t.Fatalf("created %+v", r)
	}
	r2 := &posguard.LimitRequest{MerchantID: "M-LR2", Requested: want, RequestedBy: "other"}
	must(t, ls.CreateLimitRequest(ctx, r2), "create 2")
	wantCode(t, ls.CreateLimitRequest(ctx, &posguard.LimitRequest{MerchantID: "NOPE", RequestedBy: "x"}), posguard.ENOTFOUND, "unknown merchant")
	wantCode(t, ls.CreateLimitRequest(ctx, &posguard.LimitRequest{MerchantID: m.ID, RequestedBy: "x", Requested: posguard.Limits{CardDaily: -1}}), posguard.EINVALID, "negative")

	got, err := ls.LimitRequest(ctx, r.ID)
	must(t, err, "get")
	if got.Requested != want || got.Previous != m.Limits || got.Reason != "hotel season" || got.MerchantID != m.ID {
		t.Fatalf("stored %+v", got)
	}
	list, err := ls.LimitRequests(ctx, posguard.LimitRequestFilter{MerchantID: m.ID})
	must(t, err, "list")
	if len(list) != 1 || list[0].ID != r.ID {
		t.Fatalf("list of %s: %d", m.ID, len(list))
	}
	if list, _ := ls.LimitRequests(ctx, posguard.LimitRequestFilter{State: posguard.LimitRequestPending}); len(list) != 2 || list[0].ID != r2.ID {
		t.Fatalf("pending list: %d", len(list))
	}

	// Rejected: nothing changes; approved: the merchant's limits are the requested ones.
	rej, err := ls.DecideLimitRequest(ctx, r2.ID, posguard.LimitRequestRejected, "risk.wang", "no history")
	must(t, err, "reject")
	if rej.State != posguard.LimitRequestRejected || rej.DecidedBy != "risk.wang" || rej.DecidedAt.IsZero() || rej.Note != "no history" {
		t.Fatalf("rejected %+v", rej)
	}
	if m2, _ := s.Merchant(ctx, "M-LR2"); m2.Limits == want {
		t.Fatal("a rejection changed the limits")
	}
	app, err := ls.DecideLimitRequest(ctx, r.ID, posguard.LimitRequestApproved, "risk.wang", "")
	must(t, err, "approve")
	if app.State != posguard.LimitRequestApproved {
		t.Fatalf("approved %+v", app)
	}
	if stored, _ := s.Merchant(ctx, m.ID); stored.Limits != want {
		t.Fatalf("limits after approval %+v, want %+v", stored.Limits, want)
	}
	_, err = ls.DecideLimitRequest(ctx, r.ID, posguard.LimitRequestRejected, "risk.wang", "")
	wantCode(t, err, posguard.ECONFLICT, "decided twice")
	_, err = ls.DecideLimitRequest(ctx, 99999, posguard.LimitRequestApproved, "risk.wang", "")
	wantCode(t, err, posguard.ENOTFOUND, "unknown request")
	_, err = ls.DecideLimitRequest(ctx, r.ID, posguard.LimitRequestPending, "risk.wang", "")
	wantCode(t, err, posguard.EINVALID, "back to pending")
}
