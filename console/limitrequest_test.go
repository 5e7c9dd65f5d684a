package console_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/access"
	"github.com/posguard/posguard/console"
)

// limitWorld is the fixture with a second risk user ("risk2") and a
// record of the merchants the console reported changed.
func limitWorld(t *testing.T) (*world, *[]string) {
	base := newWorld(t)
	h, err := access.HashPassword("secret-risk2")
	if err != nil {
		t.Fatal(err)
	}
	if err := base.store.Access().CreateUser(t0ctx, &posguard.User{Name: "risk2", Role: posguard.RoleRisk, PasswordHash: h}); err != nil {
		t.Fatal(err)
	}
	changed := &[]string{}
	srv := &console.Server{Store: base.store, Auth: base.auth, Now: func() time.Time { return now },
		MerchantChanged: func(id string) { *changed = append(*changed, id) }}
	w := *base
	w.srv = httptest.NewServer(srv.Handler())
	t.Cleanup(w.srv.Close)
	return &w, changed
}

// limitRequests returns the stored requests of merchant mid.
func limitRequests(t *testing.T, w *world, mid string) []*posguard.LimitRequest {
	t.Helper()
	list, err := w.store.LimitRequests(t0ctx, posguard.LimitRequestFilter{MerchantID: mid})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// TestLimitRequestFileAndApprove: a merchant user files a request for a
// higher per-card daily amount (its own merchant, whatever it posts as
// merchant) and sees it pending; another merchant gets 404 for it and does
// not see it; operators and merchants cannot decide; a risk user approves
// with a reason: the merchant's limits change, the switch is told, the
// merchant sees it approved and in effect, and every step is audited. A
// second decision is 409.
func TestLimitRequestFileAndApprove(t *testing.T) {
	w, changed := limitWorld(t)
	a := w.login(t, "shop-a")
	st, body, _ := a.get("/limit-requests?lang=en")
	if st != 200 || !strings.Contains(body, "Your limits now") || !strings.Contains(body, "¥50,000.00") || !strings.Contains(body, `action="/limit-requests"`) {
		t.Fatalf("merchant list page: %d", st)
	}
	form := url.Values{"limit": {"card_daily"}, "value": {"8,000.5"}, "reason": {"开业促销，客单价高 card 6225880000000019"},
		"merchant": {midB}, "csrf_token": {a.csrf}}
	st, _, h := a.post("/limit-requests", form)
	if st != http.StatusSeeOther || !strings.Contains(h.Get("Location"), "done=lreq_filed") {
		t.Fatalf("file: %d %q", st, h.Get("Location"))
	}
	list := limitRequests(t, w, "")
	if len(list) != 1 {
		t.Fatalf("%d requests stored", len(list))
	}
	x := list[0]
	if x.MerchantID != midA || x.State != posguard.LimitRequestPending || x.Requested.CardDaily != 800050 || x.Previous.CardDaily != 0 ||
		x.Requested.PerTxn != 5000000 || x.RequestedBy != "shop-a" || strings.Contains(x.Reason, panA) {
		t.Fatalf("stored request: %+v", x)
	}
	page := fmt.Sprintf("/limit-requests/%d", x.ID)
	if h.Get("Location") != page+"?done=lreq_filed" {
		t.Errorf("redirect to %q", h.Get("Location"))
	}
	if m, _ := w.store.Merchant(t0ctx, midA); m.Limits.CardDaily != 0 {
		t.Fatal("the limit changed before approval")
	}
	st, body, _ = a.get(page + "?lang=en")
	if st != 200 || !strings.Contains(body, "awaiting risk") || !strings.Contains(body, "¥8,000.50") || strings.Contains(body, "/approve") {
		t.Errorf("merchant's request page: %d", st)
	}
	if _, body, _ = a.get("/limit-requests?lang=zh"); !strings.Contains(body, `href="`+page+`"`) || !strings.Contains(body, "待审核") {
		t.Error("the merchant does not see its pending request in its list")
	}

	// Another merchant: 404 as for a missing request, not in its list.
	b := w.login(t, "shop-b")
	stMissing, missing, _ := b.get("/limit-requests/999999")
	st, body, _ = b.get(page)
	if st != 404 || stMissing != 404 || strings.ReplaceAll(body, page, "") != strings.ReplaceAll(missing, "/limit-requests/999999", "") {
		t.Errorf("another merchant's request: %d, not the page of a missing one (%d)", st, stMissing)
	}
	if _, body, _ := b.get("/limit-requests?state=all&merchant=" + midA); strings.Contains(body, page) {
		t.Error("another merchant's request is in shop-b's list")
	}
	for _, c := range []*client{a, b, w.login(t, "ops"), w.login(t, "admin")} {
		if st, _, _ := c.post(page+"/approve", url.Values{"reason": {"ok"}, "csrf_token": {c.csrf}}); st != 404 {
			t.Errorf("a non-risk user approving: %d, want 404", st)
		}
	}

	// Risk: the queue, then approve (a reason is required).
	r := w.login(t, "risk")
	if _, body, _ := r.get("/limit-requests"); !strings.Contains(body, page) || !strings.Contains(body, midA) {
		t.Error("the request is not in risk's queue")
	}
	if _, body, _ := r.get(page); !strings.Contains(body, `action="`+page+`/approve"`) || !strings.Contains(body, `formaction="`+page+`/reject"`) {
		t.Error("risk is not offered approve and reject")
	}
	if st, _, _ := r.post(page+"/approve", url.Values{"reason": {" "}, "csrf_token": {r.csrf}}); st != 400 {
		t.Errorf("approve without a reason: %d, want 400", st)
	}
	if st, _, _ := r.post(page+"/approve", url.Values{"reason": {"turnover checked"}}); st != 403 {
		t.Errorf("approve without CSRF: %d, want 403", st)
	}
	if m, _ := w.store.Merchant(t0ctx, midA); m.Limits.CardDaily != 0 || len(*changed) != 0 {
		t.Fatal("a refused approval changed the limits")
	}
	st, _, h = r.post(page+"/approve", url.Values{"reason": {"turnover checked"}, "csrf_token": {r.csrf}})
	if st != http.StatusSeeOther || !strings.Contains(h.Get("Location"), "lreq_approved") {
		t.Fatalf("approve: %d %q", st, h.Get("Location"))
	}
	if m, _ := w.store.Merchant(t0ctx, midA); m.Limits.CardDaily != 800050 || m.Limits.PerTxn != 5000000 {
		t.Errorf("limits after approval: %+v", m.Limits)
	}
	if len(*changed) != 1 || (*changed)[0] != midA {
		t.Errorf("merchants reported changed: %v", *changed)
	}
	_, body, _ = a.get(page + "?lang=en")
	if !strings.Contains(body, "approved (in effect)") || !strings.Contains(body, "turnover checked") || !strings.Contains(body, "risk") {
		t.Error("the merchant does not see the approval and its reason")
	}
	if _, body, _ = a.get("/limit-requests?lang=en"); !strings.Contains(body, "¥8,000.50") {
		t.Error("the merchant's limits now do not show the approved value")
	}
	if st, _, _ := w.login(t, "risk2").post(page+"/reject", url.Values{"reason": {"late"}, "csrf_token": {"x"}}); st != 403 {
		t.Errorf("reject with a forged token: %d", st)
	}
	r2 := w.login(t, "risk2")
	if st, _, _ := r2.post(page+"/reject", url.Values{"reason": {"late"}, "csrf_token": {r2.csrf}}); st != 409 {
		t.Errorf("deciding a decided request: %d, want 409", st)
	}
	recs, err := w.store.Access().AuditRecords(t0ctx, posguard.AuditFilter{Object: fmt.Sprintf("limit-requests/%d", x.ID)})
	if err != nil {
		t.Fatal(err)
	}
	actions := map[string]string{}
	for _, rec := range recs {
		actions[rec.Action+" "+rec.Outcome] = rec.User
		if strings.Contains(rec.Changes, panA) {
			t.Errorf("audit record %s carries a card number", rec.Action)
		}
	}
	for k, user := range map[string]string{"console POST /limit-requests ok": "shop-a", "console POST /limit-requests/{id}/approve ok": "risk",
		"console POST /limit-requests/{id}/approve invalid": "risk", "console POST /limit-requests/{id}/reject conflict": "risk2"} {
		if actions[k] != user {
			t.Errorf("audit %q by %q, want %q (all: %v)", k, actions[k], user, actions)
		}
	}
}

// TestLimitRequestMakerChecker: a risk user who files a request (for any
// merchant) cannot decide it (the page again, 403, nothing changes);
// another risk user rejects it and the limits stay.
func TestLimitRequestMakerChecker(t *testing.T) {
	w, changed := limitWorld(t)
	r := w.login(t, "risk")
	st, _, h := r.post("/limit-requests", url.Values{"merchant": {midA}, "limit": {"daily_count"}, "value": {"300"}, "reason": {"seasonal peak"}, "csrf_token": {r.csrf}})
	if st != http.StatusSeeOther {
		t.Fatalf("risk files: %d", st)
	}
	page := strings.TrimSuffix(h.Get("Location"), "?done=lreq_filed")
	_, body, _ := r.get(page + "?lang=en")
	if strings.Contains(body, "/approve") || !strings.Contains(body, "another risk user decides it") {
		t.Error("the requester is offered the decision")
	}
	if st, body, _ := r.post(page+"/approve?lang=zh", url.Values{"reason": {"mine"}, "csrf_token": {r.csrf}}); st != 403 || !strings.Contains(body, "不能审核自己提交的申请") {
		t.Errorf("approving one's own request: %d", st)
	}
	if x := limitRequests(t, w, midA)[0]; x.State != posguard.LimitRequestPending {
		t.Fatalf("state after a refused self-approval: %s", x.State)
	}
	r2 := w.login(t, "risk2")
	if st, _, h := r2.post(page+"/reject", url.Values{"reason": {"not justified"}, "csrf_token": {r2.csrf}}); st != http.StatusSeeOther || !strings.Contains(h.Get("Location"), "lreq_rejected") {
		t.Fatalf("reject: %d", st)
	}
	x := limitRequests(t, w, midA)[0]
	if x.State != posguard.LimitRequestRejected || x.DecidedBy != "risk2" || x.Note != "not justified" {
		t.Errorf("rejected request: %+v", x)
	}
	if m, _ := w.store.Merchant(t0ctx, midA); m.Limits.DailyCount != 0 || len(*changed) != 0 {
		t.Error("a rejection changed the limits")
	}
}

// TestLimitRequestRefused: bad input shows the form again with the reason
// (400) and stores nothing; a staff user's unknown merchant is refused the
// same way; finance may read but not file.
func TestLimitRequestRefused(t *testing.T) {
	w, _ := limitWorld(t)
	a := w.login(t, "shop-a")
	for _, c := range []struct {
		form url.Values
		want string
	}{
		{url.Values{"limit": {"per_txn"}, "value": {"1.234"}, "reason": {"x"}}, "Enter an amount in yuan"},
		{url.Values{"limit": {"per_txn"}, "value": {"0"}, "reason": {"x"}}, "Enter an amount in yuan"},
		{url.Values{"limit": {"daily_count"}, "value": {"2.5"}, "reason": {"x"}}, "whole number"},
		{url.Values{"limit": {"per_txn"}, "value": {"50000"}, "reason": {"x"}}, "is the current one"},
		{url.Values{"limit": {"per_txn"}, "value": {"60000"}, "reason": {""}}, "Give a reason"},
		{url.Values{"limit": {"pin"}, "value": {"1"}, "reason": {"x"}}, "Choose the limit"},
		{url.Values{"limit": {"daily"}, "value": {"100"}, "reason": {"x"}}, "cannot be above the daily limit"},
	} {
		c.form.Set("csrf_token", a.csrf)
		st, body, _ := a.post("/limit-requests?lang=en", c.form)
		if st != 400 || !strings.Contains(body, c.want) || !strings.Contains(body, `value="`+c.form.Get("value")+`"`) {
			t.Errorf("%v: %d, want 400 with %q and the value typed back", c.form, st, c.want)
		}
	}
	ops := w.login(t, "ops")
	if st, body, _ := ops.post("/limit-requests?lang=en", url.Values{"merchant": {"898310099999999"}, "limit": {"per_txn"}, "value": {"1"}, "reason": {"x"}, "csrf_token": {ops.csrf}}); st != 400 || !strings.Contains(body, "No merchant has that number") {
		t.Errorf("unknown merchant: %d", st)
	}
	fin := w.login(t, "finance")
	if _, body, _ := fin.get("/limit-requests"); strings.Contains(body, `method="post" action="/limit-requests"`) {
		t.Error("finance is offered the filing form")
	}
	if st, _, _ := fin.post("/limit-requests", url.Values{"merchant": {midA}, "limit": {"per_txn"}, "value": {"1"}, "reason": {"x"}, "csrf_token": {fin.csrf}}); st != 404 {
		t.Errorf("finance files: %d, want 404", st)
	}
	if n := len(limitRequests(t, w, "")); n != 0 {
		t.Errorf("%d requests stored by refused posts", n)
	}
}

// TestLimitRequestPagesEveryRole opens the list and a request page as
// every role in both languages: 200 with the strict CSP and no script;
// the navigation links the list.
func TestLimitRequestPagesEveryRole(t *testing.T) {
	w, _ := limitWorld(t)
	a := w.login(t, "shop-a")
	if st, _, _ := a.post("/limit-requests", url.Values{"limit": {"terminal_daily_count"}, "value": {"40"}, "reason": {"two shifts"}, "csrf_token": {a.csrf}}); st != http.StatusSeeOther {
		t.Fatalf("file: %d", st)
	}
	page := fmt.Sprintf("/limit-requests/%d", limitRequests(t, w, midA)[0].ID)
	for _, name := range []string{"shop-a", "ops", "admin", "finance", "risk"} {
		c := w.login(t, name)
		for _, lang := range []string{"zh", "en"} {
			for _, p := range []string{"/limit-requests", "/limit-requests?state=all", page} {
				st, body, h := c.get(p + map[bool]string{true: "&", false: "?"}[strings.Contains(p, "?")] + "lang=" + lang)
				if st != 200 || !strings.Contains(h.Get("Content-Security-Policy"), "default-src 'none'") || strings.Contains(body, "<script") ||
					strings.Contains(body, "%!") || strings.Contains(body, "lreq.") || !strings.Contains(body, `href="/limit-requests"`) {
					t.Errorf("%s %s (%s): %d", name, p, lang, st)
				}
			}
		}
	}
	if st, _, _ := a.get("/limit-requests?state=bogus"); st != 400 {
		t.Errorf("a bad state filter: %d", st)
	}
}
