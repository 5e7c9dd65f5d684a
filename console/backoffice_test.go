package console_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/console"
	"github.com/posguard/posguard/onboarding"
	"github.com/posguard/posguard/risk"
)

// TestOnboardingAndRiskPages: a risk user approves an application on
// /onboarding (its creator is not offered the button, and an operator is
// refused), freezes a merchant on /risk with a reason the merchant then
// sees on its own /onboarding page with what to do, and unfreezes it.
func TestOnboardingAndRiskPages(t *testing.T) {
	base := newWorld(t)
	st := base.store
	ob := st.Onboarding()
	audit := &onboarding.Auditor{Store: st.Access()}
	onb := &onboarding.Service{Store: ob, Merchants: st, Terminals: st, Audit: audit,
		Verifier: onboarding.NewSimVerifier([]posguard.Identity{{Name: "张晓明", IDNo: "310101198503121236", Phone: "13800138001", Account: "6222020000001234567"}})}
	rs := &risk.Service{Store: ob, History: ob, Merchants: st, Engine: risk.NewEngine(), Audit: audit}
	srv := &console.Server{Store: st, Auth: base.auth, Onboarding: onb, Risk: rs, Now: func() time.Time { return now }}
	w := *base
	w.srv = httptest.NewServer(srv.Handler())
	t.Cleanup(w.srv.Close)

	a := &posguard.Application{Kind: "individual", Name: "张记小吃", MCC: "5812", LegalName: "张晓明", LegalIDNo: "310101198503121236",
		Phone: "13800138001", Address: "上海", FeePlan: "small",
		Account: posguard.SettlementAccount{Bank: "ICBC", Number: "6222020000001234567", Name: "张晓明"}}
	maker := onboarding.Actor{Name: "ops", Role: posguard.RoleOperator}
	if err := onb.Create(t0ctx, maker, a); err != nil {
		t.Fatal(err)
	}
	for _, k := range onboarding.RequiredDocuments(a.Kind) {
		if _, err := onb.AddDocument(t0ctx, maker, a.ID, k, []byte("%PDF-1.4 x")); err != nil {
			t.Fatal(err)
		}
	}
	if a, err := onb.Submit(t0ctx, maker, a.ID); err != nil || a.State != posguard.AppPendingReview {
		t.Fatalf("submit: %v %+v", err, a)
	}
	approve := "/onboarding/" + strconv.FormatInt(a.ID, 10) + "/approve"

	ops := w.login(t, "ops")
	if _, body, _ := ops.get("/onboarding?state=pending_review"); !strings.Contains(body, "张记小吃") || strings.Contains(body, approve) {
		t.Error("the operator does not see the application, or is offered to approve it")
	}
	if st, _, _ := ops.post(approve, url.Values{"csrf_token": {ops.csrf}}); st != 404 {
		t.Errorf("an operator approves: %d, want the 404 page", st)
	}
	rk := w.login(t, "risk")
	_, body, _ := rk.get("/onboarding")
	if !strings.Contains(body, `action="`+approve+`"`) || !strings.Contains(body, "待审核") {
		t.Fatal("the risk user is not offered to approve the pending application")
	}
	if st, _, h := rk.post(approve, url.Values{"csrf_token": {rk.csrf}}); st != http.StatusSeeOther || !strings.Contains(h.Get("Location"), "done=approved") {
		t.Fatalf("approve: %d %q", st, h.Get("Location"))
	}
	if got, _ := ob.Application(t0ctx, a.ID); got.State != posguard.AppApproved || len(got.MerchantID) != 15 {
		t.Fatalf("after approval %+v", got)
	}

	if st, _, _ := rk.post("/risk/freeze", url.Values{"merchant": {midA}, "reason": {"疑似套现，待核实"}, "csrf_token": {rk.csrf}}); st != http.StatusSeeOther {
		t.Fatalf("freeze: %d", st)
	}
	if _, body, _ = rk.get("/risk?lang=en"); !strings.Contains(body, midA) || !strings.Contains(body, "疑似套现") || !strings.Contains(body, "Unfreeze") {
		t.Error("the risk page does not list the frozen merchant with its reason")
	}
	shop := w.login(t, "shop-a")
	if _, body, _ = shop.get("/onboarding"); !strings.Contains(body, "疑似套现，待核实") || !strings.Contains(body, "风控部门") || !strings.Contains(body, "冻结") {
		t.Error("the merchant does not see why it is frozen and what to do")
	}
	if st, _, _ := shop.get("/risk"); st != 404 {
		t.Errorf("a merchant opens /risk: %d", st)
	}
	if st, _, _ := shop.post("/risk/unfreeze", url.Values{"merchant": {midA}, "reason": {"x"}, "csrf_token": {shop.csrf}}); st != 404 {
		t.Errorf("a merchant unfreezes: %d", st)
	}
	if st, _, _ := rk.post("/risk/unfreeze", url.Values{"merchant": {midA}, "reason": {"材料已核实"}, "csrf_token": {rk.csrf}}); st != http.StatusSeeOther {
		t.Fatalf("unfreeze: %d", st)
	}
	if m, _ := st.Merchant(t0ctx, midA); m.Status != posguard.MerchantActive {
		t.Fatalf("after unfreeze: %s", m.Status)
	}
	if recs, _ := st.Access().AuditRecords(t0ctx, posguard.AuditFilter{Action: "merchant.unfreeze"}); len(recs) != 1 || recs[0].User != "risk" {
		t.Errorf("audit of the unfreeze: %+v", recs)
	}
}
