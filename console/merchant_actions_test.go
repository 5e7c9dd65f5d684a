package console_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/console"
	"github.com/posguard/posguard/onboarding"
	"github.com/posguard/posguard/risk"
)

// merchantWorld is the fixture with the risk service the API's freeze uses
// and a record of the merchants the console reported changed.
func merchantWorld(t *testing.T) (*world, *[]string) {
	base := newWorld(t)
	st := base.store
	ob := st.Onboarding()
	rs := &risk.Service{Store: ob, History: ob, Merchants: st, Engine: risk.NewEngine(), Audit: &onboarding.Auditor{Store: st.Access()}}
	changed := &[]string{}
	srv := &console.Server{Store: st, Auth: base.auth, Risk: rs, Now: func() time.Time { return now },
		MerchantChanged: func(id string) { *changed = append(*changed, id) }}
	w := *base
	w.srv = httptest.NewServer(srv.Handler())
	t.Cleanup(w.srv.Close)
	return &w, changed
}

// TestMerchantPageRoles: a merchant user gets the 404 page for the list,
// the detail and every action; operator and finance see status, limits and
// why a merchant is frozen but no form and are refused the actions (404);
// risk and admin get the forms.
func TestMerchantPageRoles(t *testing.T) {
	w, _ := merchantWorld(t)
	page := "/merchants/" + midA
	shop := w.login(t, "shop-a")
	for _, p := range []string{"/merchants", page, "/merchants/" + midB} {
		if st, _, _ := shop.get(p); st != http.StatusNotFound {
			t.Errorf("merchant user GET %s: %d, want 404", p, st)
		}
	}
	for _, a := range []string{"/freeze", "/unfreeze", "/limits"} {
		if st, _, _ := shop.post(page+a, url.Values{"reason": {"x"}, "per_txn": {"1.00"}, "csrf_token": {shop.csrf}}); st != http.StatusNotFound {
			t.Errorf("merchant user POST %s: %d, want 404", a, st)
		}
	}
	for _, name := range []string{"ops", "finance"} {
		c := w.login(t, name)
		if _, body, _ := c.get("/merchants"); !strings.Contains(body, `href="/merchants/`+midA+`"`) {
			t.Errorf("%s: the list does not link to the merchant page", name)
		}
		st, body, _ := c.get(page + "?lang=en")
		if st != 200 || !strings.Contains(body, "active") || !strings.Contains(body, "50,000.00") {
			t.Errorf("%s: merchant page %d without status and limit", name, st)
		}
		for _, form := range []string{"/freeze\"", "/unfreeze\"", "/limits\""} {
			if strings.Contains(body, form) {
				t.Errorf("%s is offered the %s form", name, form)
			}
		}
		for _, a := range []string{"/freeze", "/limits"} {
			if st, _, _ := c.post(page+a, url.Values{"reason": {"x"}, "per_txn": {"1.00"}, "csrf_token": {c.csrf}}); st != http.StatusNotFound {
				t.Errorf("%s POST %s: %d, want 404", name, a, st)
			}
		}
	}
	if m, _ := w.store.Merchant(t0ctx, midA); m.Status != posguard.MerchantActive || m.Limits.PerTxn != 5000000 {
		t.Fatalf("refused actions changed the merchant: %+v", m)
	}
	for _, name := range []string{"risk", "admin"} {
		c := w.login(t, name)
		_, body, _ := c.get(page)
		for _, form := range []string{`action="` + page + `/freeze"`, `action="` + page + `/limits"`, `name="reason" required`} {
			if !strings.Contains(body, form) {
				t.Errorf("%s is not offered %s", name, form)
			}
		}
		if _, body, _ = c.get("/merchants/" + midB); !strings.Contains(body, `action="/merchants/`+midB+`/unfreeze"`) {
			t.Errorf("%s is not offered to unfreeze the frozen merchant", name)
		}
	}
}

// TestMerchantFreezeUnfreeze: risk freezes with a reason through the risk
// service (status, reason shown, merchant history and both audit records),
// an empty reason is refused, and admin unfreezes.
func TestMerchantFreezeUnfreeze(t *testing.T) {
	w, _ := merchantWorld(t)
	page := "/merchants/" + midA
	rk := w.login(t, "risk")
	if st, _, _ := rk.post(page+"/freeze", url.Values{"reason": {"  "}, "csrf_token": {rk.csrf}}); st != http.StatusBadRequest {
		t.Errorf("freeze without a reason: %d, want 400", st)
	}
	st, _, h := rk.post(page+"/freeze", url.Values{"reason": {"疑似套现，待核实"}, "csrf_token": {rk.csrf}})
	if st != http.StatusSeeOther || h.Get("Location") != page+"?done=frozen" {
		t.Fatalf("freeze: %d to %q", st, h.Get("Location"))
	}
	ops := w.login(t, "ops")
	if _, body, _ := ops.get(page + "?lang=en"); !strings.Contains(body, "frozen") || !strings.Contains(body, "Why frozen") || !strings.Contains(body, "疑似套现，待核实") {
		t.Error("the operator does not see the freeze and its reason")
	}
	if _, body, _ := ops.get("/merchants"); !strings.Contains(body, "疑似套现，待核实") {
		t.Error("the merchant list does not show why the merchant is frozen")
	}
	if st, _, _ := rk.post(page+"/freeze", url.Values{"reason": {"again"}, "csrf_token": {rk.csrf}}); st != http.StatusConflict {
		t.Errorf("freezing a frozen merchant: %d, want 409", st)
	}
	ev, err := w.store.Onboarding().MerchantEvents(t0ctx, midA, 10)
	if err != nil || len(ev) == 0 || ev[0].Action != "frozen" || ev[0].Actor != "risk" || ev[0].Reason != "疑似套现，待核实" {
		t.Fatalf("merchant history %+v %v", ev, err)
	}
	admin := w.login(t, "admin")
	if st, _, _ := admin.post(page+"/unfreeze", url.Values{"reason": {"核实为正常经营"}, "csrf_token": {admin.csrf}}); st != http.StatusSeeOther {
		t.Fatalf("unfreeze: %d", st)
	}
	if m, _ := w.store.Merchant(t0ctx, midA); m.Status != posguard.MerchantActive {
		t.Fatalf("after unfreeze: %s", m.Status)
	}
	for action, who := range map[string]string{"merchant.freeze": "risk", "merchant.unfreeze": "admin", "console POST /merchants/{id}/freeze": "risk"} {
		recs, err := w.store.Access().AuditRecords(t0ctx, posguard.AuditFilter{Action: action})
		if err != nil || len(recs) == 0 || recs[len(recs)-1].User != who {
			t.Errorf("audit %s: %+v %v", action, recs, err)
		}
	}
}

// TestMerchantLimits: risk changes the limits in 元 (stored in fen, the
// switch's cache told, audited with before and after); bad input is
// answered 400 with the reason in the user's language and changes nothing.
func TestMerchantLimits(t *testing.T) {
	w, changed := merchantWorld(t)
	page := "/merchants/" + midA
	rk := w.login(t, "risk")
	for _, bad := range []struct{ field, value, zh, en string }{
		{"per_txn", "12.345", "单笔限额", "Per-transaction limit"},
		{"per_txn", "-5", "单笔限额", "Per-transaction limit"},
		{"daily", "1e9", "单日限额", "Daily limit"},
		{"daily_count", "3.5", "单日笔数", "Daily count"},
		{"daily_count", "99999999", "单日笔数", "Daily count"},
	} {
		f := url.Values{"csrf_token": {rk.csrf}, bad.field: {bad.value}}
		st, body, _ := rk.post(page+"/limits?lang=zh", f)
		if st != http.StatusBadRequest || !strings.Contains(body, bad.zh) || !strings.Contains(body, `value="`+bad.value+`"`) {
			t.Errorf("%s=%s: %d, want 400 naming %s with the value typed back", bad.field, bad.value, st, bad.zh)
		}
		if st, body, _ := rk.post(page+"/limits?lang=en", f); st != http.StatusBadRequest || !strings.Contains(body, bad.en) {
			t.Errorf("%s=%s in English: %d, want 400 naming %s", bad.field, bad.value, st, bad.en)
		}
	}
	if st, body, _ := rk.post(page+"/limits?lang=zh", url.Values{"csrf_token": {rk.csrf}, "per_txn": {"500"}, "daily": {"100"}}); st != 400 || !strings.Contains(body, "不能高于单日限额") {
		t.Errorf("per-transaction over daily: %d", st)
	}
	if m, _ := w.store.Merchant(t0ctx, midA); m.Limits != (posguard.Limits{PerTxn: 5000000}) || len(*changed) != 0 {
		t.Fatalf("refused input changed limits %+v or told the switch %v", m.Limits, *changed)
	}
	st, _, h := rk.post(page+"/limits", url.Values{"csrf_token": {rk.csrf}, "per_txn": {"1,234.5"}, "daily": {"20000.00"}, "daily_count": {"30"}})
	if st != http.StatusSeeOther || h.Get("Location") != page+"?done=limits" {
		t.Fatalf("set limits: %d to %q", st, h.Get("Location"))
	}
	want := posguard.Limits{PerTxn: 123450, Daily: 2000000, DailyCount: 30}
	if m, _ := w.store.Merchant(t0ctx, midA); m.Limits != want || m.Status != posguard.MerchantActive {
		t.Fatalf("stored %+v %s, want %+v active", m.Limits, m.Status, want)
	}
	if len(*changed) != 1 || (*changed)[0] != midA {
		t.Errorf("switch told %v, want [%s]", *changed, midA)
	}
	_, body, _ := rk.get(page + "?done=limits")
	if !strings.Contains(body, "限额已保存") || !strings.Contains(body, `value="1234.50"`) || !strings.Contains(body, `value="30"`) {
		t.Error("the page does not confirm or show the new limits")
	}
	recs, err := w.store.Access().AuditRecords(t0ctx, posguard.AuditFilter{Action: "console POST /merchants/{id}/limits"})
	if err != nil || len(recs) != 12 {
		t.Fatalf("%d limit audit records, want 12 (11 refused, 1 ok): %v", len(recs), err)
	}
	var ok *posguard.AuditRecord
	for _, r := range recs {
		switch r.Outcome {
		case "ok":
			ok = r
		case posguard.EINVALID:
		default:
			t.Errorf("limit audit outcome %q", r.Outcome)
		}
	}
	var ch struct{ Before, After map[string]int64 }
	if ok == nil || ok.User != "risk" || ok.Object != "merchant/"+midA || json.Unmarshal([]byte(ok.Changes), &ch) != nil ||
		ch.Before["per_txn"] != 5000000 || ch.After["per_txn"] != 123450 || ch.After["daily"] != 2000000 || ch.After["daily_count"] != 30 {
		t.Fatalf("audit record %+v", ok)
	}
	ev, err := w.store.Onboarding().MerchantEvents(t0ctx, midA, 10)
	if err != nil || len(ev) != 1 || ev[0].Action != "limits_changed" || ev[0].Actor != "risk" || !strings.Contains(ev[0].Detail, `"per_txn":123450`) {
		t.Fatalf("merchant history %+v %v", ev, err)
	}
	if _, body, _ := rk.get(page + "?lang=en"); !strings.Contains(body, "limits changed") {
		t.Error("the merchant page does not show the limit change in its history")
	}
	// Empty fields remove the limits.
	if st, _, _ := rk.post(page+"/limits", url.Values{"csrf_token": {rk.csrf}}); st != http.StatusSeeOther {
		t.Fatalf("clear limits: %d", st)
	}
	if m, _ := w.store.Merchant(t0ctx, midA); m.Limits != (posguard.Limits{}) {
		t.Fatalf("after clearing: %+v", m.Limits)
	}
}

// TestMerchantActionsCSRF: each action is refused with 403 without the
// session's token, with a forged one and with another session's, and
// nothing changes.
func TestMerchantActionsCSRF(t *testing.T) {
	w, changed := merchantWorld(t)
	rk := w.login(t, "risk")
	admin := w.login(t, "admin")
	for _, p := range []struct {
		path string
		form url.Values
	}{
		{"/merchants/" + midA + "/freeze", url.Values{"reason": {"x"}}},
		{"/merchants/" + midB + "/unfreeze", url.Values{"reason": {"x"}}},
		{"/merchants/" + midA + "/limits", url.Values{"per_txn": {"1.00"}}},
	} {
		for _, tok := range []string{"", "forged", admin.csrf} {
			f := url.Values{}
			for k, v := range p.form {
				f[k] = v
			}
			if tok != "" {
				f.Set("csrf_token", tok)
			}
			if st, _, _ := rk.post(p.path, f); st != http.StatusForbidden {
				t.Errorf("POST %s with token %q: %d, want 403", p.path, tok, st)
			}
		}
	}
	a, _ := w.store.Merchant(t0ctx, midA)
	b, _ := w.store.Merchant(t0ctx, midB)
	if a.Status != posguard.MerchantActive || a.Limits.PerTxn != 5000000 || b.Status != posguard.MerchantFrozen || len(*changed) != 0 {
		t.Fatalf("refused posts changed something: %+v %+v %v", a, b, *changed)
	}
}
