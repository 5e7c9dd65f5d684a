package console_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard"
)

// TestLogin: the form's fields and CSRF token, the cookie's flags, one
// message for a wrong name or password, the redirect to next and back.
func TestLogin(t *testing.T) {
	w := newWorld(t)
	c := w.newClient(t)
	st, _, h := c.get("/transactions?card_tail=0019")
	if st != http.StatusSeeOther || h.Get("Location") != "/login?next=%2Ftransactions%3Fcard_tail%3D0019" {
		t.Fatalf("page without session: %d to %q", st, h.Get("Location"))
	}
	_, body, _ := c.get("/login?next=%2Ftransactions%3Fcard_tail%3D0019")
	for _, want := range []string{`name="username"`, `name="password"`, `name="csrf_token"`, `action="/login"`} {
		if !strings.Contains(body, want) {
			t.Errorf("login form lacks %s", want)
		}
	}
	tok := csrfField.FindStringSubmatch(body)[1]
	// Without the token: 403, nobody logged in.
	if st, _, _ := c.post("/login", url.Values{"username": {"shop-a"}, "password": {"secret-shop-a"}}); st != 403 {
		t.Errorf("login without csrf_token: %d, want 403", st)
	}
	wrongName, _, _ := c.post("/login", url.Values{"username": {"nobody"}, "password": {"x"}, "csrf_token": {tok}})
	_, b1, _ := c.get("/login")
	wrongPass, b2, _ := c.post("/login", url.Values{"username": {"shop-a"}, "password": {"x"}, "csrf_token": {tok}})
	if wrongName != 401 || wrongPass != 401 || !strings.Contains(b2, "用户名或密码错误") {
		t.Errorf("wrong name %d, wrong password %d", wrongName, wrongPass)
	}
	_ = b1
	st, _, h = c.post("/login", url.Values{"username": {"shop-a"}, "password": {"secret-shop-a"}, "csrf_token": {tok},
		"next": {"/transactions?card_tail=0019"}})
	if st != http.StatusSeeOther || h.Get("Location") != "/transactions?card_tail=0019" {
		t.Fatalf("login: %d to %q", st, h.Get("Location"))
	}
	var sc *http.Cookie
	for _, ck := range (&http.Response{Header: h}).Cookies() {
		if ck.Name == "posguard_session" {
			sc = ck
		}
	}
	if sc == nil || !sc.HttpOnly || sc.SameSite != http.SameSiteStrictMode || sc.Path != "/" {
		t.Fatalf("session cookie %+v", sc)
	}
	// An open redirect is refused.
	c2 := w.newClient(t)
	_, body, _ = c2.get("/login")
	tok = csrfField.FindStringSubmatch(body)[1]
	if _, _, h := c2.post("/login", url.Values{"username": {"ops"}, "password": {"secret-ops"}, "csrf_token": {tok}, "next": {"//evil.example/"}}); h.Get("Location") != "/" {
		t.Errorf("next=//evil.example/ redirected to %q", h.Get("Location"))
	}
}

// TestCSRF: every state-changing form is refused with 403 without the
// session's token or with another session's.
func TestCSRF(t *testing.T) {
	w := newWorld(t)
	a := w.login(t, "shop-a")
	ops := w.login(t, "ops")
	caseA := fmt.Sprint(w.caseA.ID)
	for _, p := range []struct {
		c    *client
		path string
		form url.Values
	}{
		{a, "/cases", url.Values{"txn": {fmt.Sprint(w.declinedA.ID)}, "text": {"x"}}},
		{a, "/cases/" + caseA + "/note", url.Values{"text": {"x"}}},
		{a, "/settlements/resettle", url.Values{"payout": {"P1"}}},
		{ops, "/cases/" + caseA + "/assign", url.Values{"assignee": {"ops"}}},
		{ops, "/cases/" + caseA + "/resolve", url.Values{"outcome": {"done"}}},
		{ops, "/notices", url.Values{"kind": {"other"}, "title": {"x"}}},
		{a, "/logout", url.Values{}},
	} {
		for _, tok := range []string{"", "forged", map[*client]*client{a: ops, ops: a}[p.c].csrf} {
			f := url.Values{}
			for k, v := range p.form {
				f[k] = v
			}
			if tok != "" {
				f.Set("csrf_token", tok)
			}
			if st, _, _ := p.c.post(p.path, f); st != 403 {
				t.Errorf("POST %s with token %q: %d, want 403", p.path, tok, st)
			}
		}
	}
	_, entries, err := caseEntries(w, w.caseA.ID)
	if err != nil || entries != 2 {
		t.Errorf("case A has %d entries after refused posts (err %v), want the 2 it was opened with", entries, err)
	}
	if st, _, _ := a.get("/"); st != 200 {
		t.Error("a refused logout ended the session")
	}
}

// caseEntries returns a case's status and its number of timeline entries.
func caseEntries(w *world, id int64) (posguard.CaseStatus, int, error) {
	c, err := w.store.Case(t0ctx, id)
	if err != nil {
		return "", 0, err
	}
	es, err := w.store.CaseEntries(t0ctx, id)
	return c.Status, len(es), err
}

// TestComplaintAndQueue: a merchant files a complaint from its
// transaction's page; the operator sees it in the queue, assigns and
// resolves it; the merchant sees the outcome.
func TestComplaintAndQueue(t *testing.T) {
	w := newWorld(t)
	a := w.login(t, "shop-a")
	st, _, h := a.post("/cases", url.Values{"txn": {fmt.Sprint(w.approvedA.ID)}, "text": {"顾客说被扣了两次款"}, "csrf_token": {a.csrf}})
	if st != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/cases/") {
		t.Fatalf("complaint: %d to %q", st, h.Get("Location"))
	}
	casePath := strings.TrimSuffix(h.Get("Location"), "?done=complaint")
	_, body, _ := a.get(h.Get("Location"))
	if !strings.Contains(body, "投诉已提交") || !strings.Contains(body, "顾客说被扣了两次款") {
		t.Error("the case page does not confirm the complaint")
	}
	if st, body, _ := a.post("/cases", url.Values{"txn": {fmt.Sprint(w.approvedA.ID)}, "text": {" "}, "csrf_token": {a.csrf}}); st != 400 || strings.Contains(body, "{") {
		t.Errorf("empty complaint: %d", st)
	}
	ops := w.login(t, "ops")
	_, queue, _ := ops.get("/cases?status=open")
	if !strings.Contains(queue, `href="`+casePath+`"`) || !strings.Contains(queue, "商户投诉") {
		t.Fatal("the complaint is not in the operator's queue")
	}
	if st, _, _ := a.post(casePath+"/assign", url.Values{"assignee": {"shop-a"}, "csrf_token": {a.csrf}}); st != 404 {
		t.Errorf("merchant assigning: %d, want 404", st)
	}
	if st, _, _ := ops.post(casePath+"/assign", url.Values{"assignee": {""}, "csrf_token": {ops.csrf}}); st != http.StatusSeeOther {
		t.Errorf("assign: %d", st)
	}
	if st, _, _ := ops.post(casePath+"/resolve", url.Values{"outcome": {"已核实：只扣款一次"}, "csrf_token": {ops.csrf}}); st != http.StatusSeeOther {
		t.Errorf("resolve: %d", st)
	}
	_, body, _ = a.get(casePath)
	if !strings.Contains(body, "已核实：只扣款一次") || !strings.Contains(body, "已办结") || !strings.Contains(body, "ops") {
		t.Error("the merchant does not see the outcome and who resolved it")
	}
	// Each action is in the audit log once, with who did it to what.
	recs, err := w.store.Access().AuditRecords(t0ctx, posguard.AuditFilter{Action: "console POST /cases/{id}/resolve"})
	if err != nil || len(recs) != 1 || recs[0].User != "ops" || recs[0].Object != "case/"+strings.TrimPrefix(casePath, "/cases/") || recs[0].Outcome != "ok" {
		t.Fatalf("audit of the resolve: %v %+v", err, recs)
	}
	if recs, _ := w.store.Access().AuditRecords(t0ctx, posguard.AuditFilter{Action: "console POST /cases"}); len(recs) != 2 || recs[0].Outcome != posguard.EINVALID || recs[1].Outcome != "ok" || recs[1].User != "shop-a" {
		t.Errorf("audit of the two complaints (the second empty): %+v", recs)
	}
	if _, body, _ := w.login(t, "admin").get("/audit"); !strings.Contains(body, "console POST /cases/{id}/resolve") {
		t.Error("the audit page does not show the resolve")
	}
	// A second resolve is refused with a page, not a crash.
	if st, body, _ := ops.post(casePath+"/resolve", url.Values{"outcome": {"again"}, "csrf_token": {ops.csrf}}); st != 400 || !strings.Contains(body, "输入有误") {
		t.Errorf("second resolve: %d", st)
	}
}

// TestNoticeAndLogout: an operator publishes a notice for merchant A; A
// sees it, B does not; logging out ends the session.
func TestNoticeAndLogout(t *testing.T) {
	w := newWorld(t)
	ops := w.login(t, "ops")
	if st, _, _ := ops.post("/notices", url.Values{"kind": {"maintenance"}, "title": {"今晚 23:00 系统维护"}, "merchants": {midA},
		"csrf_token": {ops.csrf}}); st != http.StatusSeeOther {
		t.Fatalf("publish: %d", st)
	}
	a := w.login(t, "shop-a")
	b := w.login(t, "shop-b")
	if _, body, _ := a.get("/notices"); !strings.Contains(body, "今晚 23:00 系统维护") {
		t.Error("merchant A does not see its notice")
	}
	if _, body, _ := b.get("/notices"); strings.Contains(body, "系统维护") {
		t.Error("merchant B sees A's notice")
	}
	if st, _, _ := a.post("/notices", url.Values{"kind": {"other"}, "title": {"x"}, "csrf_token": {a.csrf}}); st != 404 {
		t.Errorf("merchant publishing: %d, want 404", st)
	}
	// Withdrawn, it is no longer shown to the merchant.
	ns, err := w.store.Notices(t0ctx, time.Time{}, 10)
	if err != nil || len(ns) != 1 {
		t.Fatalf("notices: %v %v", ns, err)
	}
	withdraw := fmt.Sprintf("/notices/%d/withdraw", ns[0].ID)
	if st, _, _ := a.post(withdraw, url.Values{"csrf_token": {a.csrf}}); st != 404 {
		t.Errorf("merchant withdrawing: %d, want 404", st)
	}
	if st, _, _ := ops.post(withdraw, url.Values{"csrf_token": {ops.csrf}}); st != http.StatusSeeOther {
		t.Fatalf("withdraw: %d", st)
	}
	if _, body, _ := a.get("/notices"); strings.Contains(body, "系统维护") {
		t.Error("merchant A still sees the withdrawn notice")
	}
	if _, body, _ := ops.get("/notices"); !strings.Contains(body, "已结束或已撤回") {
		t.Error("staff do not see the notice as withdrawn")
	}
	if st, _, _ := a.post("/logout", url.Values{"csrf_token": {a.csrf}}); st != http.StatusSeeOther {
		t.Fatalf("logout: %d", st)
	}
	if st, _, h := a.get("/"); st != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/login") {
		t.Errorf("after logout: %d to %q", st, h.Get("Location"))
	}
}

// TestTerminalStatus: an operator disables and enables a terminal from
// the terminals page (audited); a merchant user cannot (404), nor can
// finance.
func TestTerminalStatus(t *testing.T) {
	w := newWorld(t)
	ops := w.login(t, "ops")
	_, body, _ := ops.get("/terminals")
	if !strings.Contains(body, `action="/terminals/`+tidA+`/status"`) {
		t.Fatal("the operator's terminals page has no status form")
	}
	if !strings.Contains(body, "未签到") || strings.Contains(body, "not signed on") {
		t.Error("the health problems are not shown in Chinese")
	}
	if st, _, _ := ops.post("/terminals/"+tidA+"/status", url.Values{"status": {"disabled"}, "csrf_token": {ops.csrf}}); st != http.StatusSeeOther {
		t.Fatalf("disable: %d", st)
	}
	if tm, err := w.store.Terminal(t0ctx, tidA); err != nil || tm.Status != posguard.TerminalDisabled {
		t.Fatalf("terminal after disable: %v %v", tm.Status, err)
	}
	if st, _, _ := ops.post("/terminals/"+tidA+"/status", url.Values{"status": {"lost"}, "csrf_token": {ops.csrf}}); st != 400 {
		t.Errorf("unknown status: %d", st)
	}
	a := w.login(t, "shop-a")
	fin := w.login(t, "finance")
	for _, c := range []*client{a, fin} {
		if st, _, _ := c.post("/terminals/"+tidA+"/status", url.Values{"status": {"active"}, "csrf_token": {c.csrf}}); st != 404 {
			t.Errorf("status change by a role not admitted: %d, want 404", st)
		}
	}
	if _, body, _ := a.get("/terminals"); strings.Contains(body, "/status") {
		t.Error("the merchant sees status buttons")
	}
	if tm, _ := w.store.Terminal(t0ctx, tidA); tm.Status != posguard.TerminalDisabled {
		t.Error("a refused change changed the terminal")
	}
	recs, err := w.store.Access().AuditRecords(t0ctx, posguard.AuditFilter{Object: "terminal/" + tidA})
	if err != nil || len(recs) != 2 || recs[0].Outcome != posguard.EINVALID || recs[1].Outcome != "ok" || !strings.Contains(recs[1].Changes, `"disabled"`) {
		t.Errorf("audit of the terminal: %v %+v", err, recs)
	}
}

// TestAccountChange: a merchant user asks for a new settlement account
// (verified by the bank first); nothing changes until a finance user
// approves; the requester cannot approve its own; a merchant cannot.
func TestAccountChange(t *testing.T) {
	w := newWorld(t)
	a := w.login(t, "shop-a")
	if st, body, _ := a.post("/settlements/account", url.Values{"bank": {"CCB"}, "number": {"6217000099990000"}, "name": {"李雷"}, "csrf_token": {a.csrf}}); st != 400 || !strings.Contains(body, "closed") {
		t.Errorf("an account the bank does not know: %d", st)
	}
	form := url.Values{"bank": {"CCB"}, "number": {"6217000010001234567"}, "name": {"李雷"}, "csrf_token": {a.csrf},
		"merchant": {midB}} // ignored: its own merchant
	if st, _, h := a.post("/settlements/account", form); st != http.StatusSeeOther || !strings.Contains(h.Get("Location"), "change_requested") {
		t.Fatalf("request: %d %q", st, h.Get("Location"))
	}
	changes, err := w.store.Access().AccountChanges(t0ctx, posguard.AccountChangeFilter{})
	if err != nil || len(changes) != 1 || changes[0].MerchantID != midA || changes[0].State != posguard.ChangePending {
		t.Fatalf("changes: %v %+v", err, changes)
	}
	id := fmt.Sprint(changes[0].ID)
	if m, _ := w.store.Merchant(t0ctx, midA); m.Account.Number == "6217000010001234567" {
		t.Fatal("the account changed before approval")
	}
	_, body, _ := a.get("/settlements")
	if !strings.Contains(body, "待财务审核") || strings.Contains(body, "6217000010001234567") || !strings.Contains(body, "4567") {
		t.Error("the merchant does not see its pending request (masked)")
	}
	if st, _, _ := a.post("/settlements/changes/"+id+"/approve", url.Values{"csrf_token": {a.csrf}}); st != 404 {
		t.Errorf("merchant approving: %d, want 404", st)
	}
	fin := w.login(t, "finance")
	_, body, _ = fin.get("/settlements")
	if !strings.Contains(body, `action="/settlements/changes/`+id+`/approve"`) {
		t.Fatal("finance does not see the approve button")
	}
	// A request finance made itself cannot be approved by the same user.
	own := url.Values{"bank": {"ABC"}, "number": {"6228480010009876543"}, "name": {"Noodle"}, "merchant": {midB}, "csrf_token": {fin.csrf}}
	if st, _, _ := fin.post("/settlements/account", own); st != http.StatusSeeOther {
		t.Fatalf("finance request: %d", st)
	}
	mine, _ := w.store.Access().AccountChanges(t0ctx, posguard.AccountChangeFilter{MerchantID: midB})
	if st, body, _ := fin.post(fmt.Sprintf("/settlements/changes/%d/approve", mine[0].ID), url.Values{"csrf_token": {fin.csrf}}); st != 403 || strings.Contains(body, "{") {
		t.Errorf("approving one's own request: %d, want the 403 page", st)
	}
	if st, _, h := fin.post("/settlements/changes/"+id+"/approve", url.Values{"csrf_token": {fin.csrf}}); st != http.StatusSeeOther || !strings.Contains(h.Get("Location"), "change_approved") {
		t.Fatalf("approve: %d %q", st, h.Get("Location"))
	}
	if m, _ := w.store.Merchant(t0ctx, midA); m.Account.Number != "6217000010001234567" || m.Account.Status != "ok" {
		t.Errorf("account after approval: %+v", m.Account)
	}
	if st, _, _ := fin.post("/settlements/changes/"+id+"/approve", url.Values{"csrf_token": {fin.csrf}}); st != 409 {
		t.Errorf("second approval: %d, want 409", st)
	}
	recs, _ := w.store.Access().AuditRecords(t0ctx, posguard.AuditFilter{Object: "account-changes/" + id})
	if len(recs) != 3 { // requested, approved, refused second approval
		t.Errorf("audit of the change: %d records", len(recs))
	}
}
