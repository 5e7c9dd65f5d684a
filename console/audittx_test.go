package console_test

import (
	"context"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/access"
	"github.com/posguard/posguard/audit"
	"github.com/posguard/posguard/onboarding"
	"github.com/posguard/posguard/qr"
	"github.com/posguard/posguard/risk"
	"github.com/posguard/posguard/storetest"
)

// consoleSample is a state-changing console request: the route's
// pattern, who sends it, its path (a func: some name what an earlier
// sample created) and its form.
type consoleSample struct {
	pattern, user string
	path          func() string
	form          url.Values
}

// wantChanges is what the changes of an action's record hold, where the
// record is filled in inside the action's transaction (a new row's ID,
// the state written).
var wantChanges = map[string]string{
	"POST /cases":                            `"created":true`,
	"POST /cases/{id}/assign":                `"after":{"assignee":"ops"}`,
	"POST /cases/{id}/resolve":               `"after":{"status":"resolved"}`,
	"POST /terminals/{id}/status":            `"after":{"status":"disabled"}`,
	"POST /merchants/{id}/limits":            `"after"`,
	"POST /settlements/account":              `"state":"pending"`,
	"POST /settlements/changes/{id}/approve": `"state":"approved"`,
	"POST /settlements/changes/{id}/reject":  `{"state":"rejected"}`,
	"POST /qr/{id}/refunds":                  `"out_refund_no":"R-1"`,
	"POST /limit-requests":                   `"state":"pending"`,
	"POST /limit-requests/{id}/approve":      `"state":"approved"`,
	"POST /limit-requests/{id}/reject":       `"state":"rejected"`,
}

// records returns the audit records of action.
func records(t *testing.T, w *world, action string) []*posguard.AuditRecord {
	t.Helper()
	recs, err := w.store.Access().AuditRecords(context.Background(), posguard.AuditFilter{Action: action})
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// lastObjectID returns the ID in the object ("prefix/ID") of action's
// latest record.
func lastObjectID(t *testing.T, w *world, action string) string {
	recs := records(t, w, action)
	if len(recs) == 0 {
		return "0"
	}
	_, id, _ := strings.Cut(recs[0].Object, "/")
	return id
}

// TestEveryConsoleChangeCommitsItsRecord walks every state-changing page
// of the console with a sample form while the audit log refuses every
// record: the action must fail and leave every table as it was, because
// its record commits in its change's transaction or not at all. Then,
// the log taking records again, the same request succeeds and its record
// is in the log exactly once, with the object and changes the console
// has always written; the chain verifies.
func TestEveryConsoleChangeCommitsItsRecord(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	h, err := access.HashPassword("secret-risk2")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.store.Access().CreateUser(ctx, &posguard.User{Name: "risk2", Role: posguard.RoleRisk, PasswordHash: h}); err != nil {
		t.Fatal(err)
	}
	w.console.QRRefunds = storeRefunder{w.store.QR()}
	ob := w.store.Onboarding()
	auditor := &onboarding.Auditor{Store: w.store.Access()}
	w.console.Onboarding = &onboarding.Service{Store: ob, Merchants: w.store, Terminals: w.store, Audit: auditor,
		Verifier: onboarding.NewSimVerifier([]posguard.Identity{
			{Name: "张晓明", IDNo: "310101198503121236", Phone: "13800138001", Account: "6222020000001234567"},
			{Name: "王芳", IDNo: "110101199003071233", Phone: "13900139002", Account: "6222020000007654321"}})}
	w.console.Risk = &risk.Service{Store: ob, History: ob, Merchants: w.store, Engine: risk.NewEngine(), Audit: auditor}
	var apps []string
	for _, id := range []posguard.Identity{{Name: "张晓明", IDNo: "310101198503121236", Phone: "13800138001", Account: "6222020000001234567"},
		{Name: "王芳", IDNo: "110101199003071233", Phone: "13900139002", Account: "6222020000007654321"}} {
		a := &posguard.Application{Kind: "individual", Name: id.Name + "小吃", MCC: "5812", LegalName: id.Name, LegalIDNo: id.IDNo,
			Phone: id.Phone, Address: "上海", FeePlan: "small", Account: posguard.SettlementAccount{Bank: "ICBC", Number: id.Account, Name: id.Name}}
		maker := onboarding.Actor{Name: "ops", Role: posguard.RoleOperator}
		if err := w.console.Onboarding.Create(ctx, maker, a); err != nil {
			t.Fatal(err)
		}
		for _, k := range onboarding.RequiredDocuments(a.Kind) {
			if _, err := w.console.Onboarding.AddDocument(ctx, maker, a.ID, k, []byte("%PDF-1.4 x")); err != nil {
				t.Fatal(err)
			}
		}
		if got, err := w.console.Onboarding.Submit(ctx, maker, a.ID); err != nil || got.State != posguard.AppPendingReview {
			t.Fatalf("submit: %v %+v", err, got)
		}
		apps = append(apps, strconv.FormatInt(a.ID, 10))
	}
	w.srv.Close()
	w.srv = httptest.NewServer(w.console.Handler())
	t.Cleanup(w.srv.Close)
	var orderB int64
	if err := w.store.DB.QueryRow(ctx, `SELECT id FROM qr_orders WHERE merchant_id = ?`, midB).Scan(&orderB); err != nil {
		t.Fatal(err)
	}
	held := storetest.HeldPayout(t, w.store.Money(), "B-HELD", midA, 9001)
	fixed := func(p string) func() string { return func() string { return p } }
	caseA := "/cases/" + strconv.FormatInt(w.caseA.ID, 10)
	samples := []consoleSample{
		{"POST /cases", "shop-a", fixed("/cases"), url.Values{"txn": {strconv.FormatInt(w.approvedA.ID, 10)}, "text": {"charged twice"}}},
		{"POST /cases/{id}/note", "shop-a", fixed(caseA + "/note"), url.Values{"text": {"the receipt is attached"}}},
		{"POST /cases/{id}/assign", "ops", fixed(caseA + "/assign"), url.Values{"assignee": {"ops"}}},
		{"POST /cases/{id}/resolve", "ops", fixed(caseA + "/resolve"), url.Values{"outcome": {"refunded"}}},
		{"POST /notices", "ops", fixed("/notices"), url.Values{"kind": {"maintenance"}, "title": {"今晚维护"}, "body": {"23:00"}, "merchants": {midA}}},
		{"POST /notices/{id}/withdraw", "ops", func() string { return "/notices/" + lastObjectID(t, w, "console POST /notices") + "/withdraw" }, url.Values{}},
		{"POST /terminals/{id}/status", "ops", fixed("/terminals/" + tidA + "/status"), url.Values{"status": {"disabled"}}},
		{"POST /merchants/{id}/limits", "risk", fixed("/merchants/" + midA + "/limits"), url.Values{"per_txn": {"100"}, "daily": {"1000"}, "daily_count": {"10"}}},
		{"POST /settlements/account", "shop-a", fixed("/settlements/account"), url.Values{"bank": {"CCB"}, "number": {"6217000010001234567"}, "name": {"李雷"}}},
		{"POST /settlements/changes/{id}/approve", "finance", func() string {
			return "/settlements/changes/" + lastObjectID(t, w, "console POST /settlements/account") + "/approve"
		}, url.Values{}},
		{"POST /settlements/account", "shop-b", fixed("/settlements/account"), url.Values{"bank": {"ABC"}, "number": {"6228480010009876543"}, "name": {"Noodle"}}},
		{"POST /settlements/changes/{id}/reject", "finance", func() string {
			return "/settlements/changes/" + lastObjectID(t, w, "console POST /settlements/account") + "/reject"
		}, url.Values{"reason": {"wrong branch"}}},
		{"POST /qr/{id}/refunds", "ops", fixed("/qr/" + qr.OrderID(orderB) + "/refunds"), url.Values{"out_refund_no": {"R-1"}, "amount": {"1.00"}, "reason": {"returned"}}},
		{"POST /disputes/{id}/statement", "shop-a", fixed("/disputes/" + w.disputeA + "/statement"), url.Values{"text": {"goods were delivered"}}},
		{"POST /disputes/{id}/ask", "ops", fixed("/disputes/" + w.disputeB + "/ask"), url.Values{"text": {"send the receipt"}}},
		{"POST /disputes/{id}/accept", "ops", fixed("/disputes/" + w.disputeB + "/accept"), url.Values{"note": {"accepted"}}},
		{"POST /limit-requests", "shop-a", fixed("/limit-requests"), url.Values{"limit": {"daily_count"}, "value": {"300"}, "reason": {"seasonal peak"}}},
		{"POST /limit-requests/{id}/approve", "risk", func() string {
			return "/limit-requests/" + lastObjectID(t, w, "console POST /limit-requests") + "/approve"
		}, url.Values{"reason": {"checked"}}},
		{"POST /limit-requests", "shop-a", fixed("/limit-requests"), url.Values{"limit": {"per_txn"}, "value": {"600"}, "reason": {"bigger orders"}}},
		{"POST /limit-requests/{id}/reject", "risk2", func() string {
			return "/limit-requests/" + lastObjectID(t, w, "console POST /limit-requests") + "/reject"
		}, url.Values{"reason": {"not now"}}},
		{"POST /settlements/resettle", "finance", fixed("/settlements/resettle"), url.Values{"payout": {held.ID}}},
		{"POST /onboarding/{id}/approve", "risk", fixed("/onboarding/" + apps[0] + "/approve"), url.Values{}},
		{"POST /onboarding/{id}/reject", "risk", fixed("/onboarding/" + apps[1] + "/reject"), url.Values{"reason": {"documents unclear"}}},
		{"POST /merchants/{id}/unfreeze", "risk", fixed("/merchants/" + midB + "/unfreeze"), url.Values{"reason": {"cleared"}}},
		{"POST /merchants/{id}/freeze", "risk", fixed("/merchants/" + midB + "/freeze"), url.Values{"reason": {"chargebacks"}}},
		{"POST /risk/unfreeze", "risk", fixed("/risk/unfreeze"), url.Values{"merchant": {midB}, "reason": {"cleared again"}}},
		{"POST /risk/freeze", "risk", fixed("/risk/freeze"), url.Values{"merchant": {midB}, "reason": {"chargebacks again"}}},
	}
	db := w.store.DB
	tables := storetest.ChangeTables(t, db, "sessions")
	clients := map[string]*client{}
	covered := map[string]bool{}
	for _, s := range samples {
		c := clients[s.user]
		if c == nil {
			c = w.login(t, s.user)
			clients[s.user] = c
		}
		path := s.path()
		form := url.Values{"csrf_token": {c.csrf}}
		for k, v := range s.form {
			form[k] = v
		}
		action := "console " + s.pattern
		before := storetest.Digest(t, db, tables)
		head, _, _ := w.store.Access().AuditHead(ctx)
		okBefore := 0
		for _, r := range records(t, w, action) {
			if r.Outcome == "ok" {
				okBefore++
			}
		}
		storetest.RefuseAudit(t, db, true)
		refusedSt, _, _ := c.post(path, form)
		storetest.RefuseAudit(t, db, false)
		after := storetest.Digest(t, db, tables)
		for _, table := range tables {
			if before[table] != after[table] {
				t.Errorf("%s %s with the audit log refusing (%d) changed table %s", s.pattern, path, refusedSt, table)
			}
		}
		if refusedSt < 400 {
			t.Errorf("%s %s answered %d while the audit log refused its record", s.pattern, path, refusedSt)
		}
		if h2, _, _ := w.store.Access().AuditHead(ctx); h2 != head {
			t.Errorf("%s: the audit log moved from %d to %d while it refused", s.pattern, head, h2)
		}
		st, body, _ := c.post(path, form)
		if st != 303 {
			t.Errorf("%s %s: %d without the refusal: %s", s.pattern, path, st, problem(body))
			continue
		}
		covered[s.pattern] = true
		var ok []*posguard.AuditRecord
		for _, r := range records(t, w, action) {
			if r.Outcome == "ok" {
				ok = append(ok, r)
			}
		}
		if len(ok) != okBefore+1 {
			t.Errorf("%s: %d ok records after one action, want %d", s.pattern, len(ok), okBefore+1)
			continue
		}
		if rec := ok[0]; rec.User != s.user || rec.Object == "" || strings.HasSuffix(rec.Object, "/") || strings.HasSuffix(rec.Object, "/0") ||
			!strings.Contains(rec.Changes, wantChanges[s.pattern]) {
			t.Errorf("%s: record %+v", s.pattern, rec)
		}
	}
	// Every state-changing page is walked here but those whose service this
	// console has not enabled (risk, onboarding, reconciliation uploads…),
	// which answer 404 and change nothing.
	for _, rt := range w.console.Router().Routes() {
		if strings.HasPrefix(rt.Pattern, "GET ") || rt.Pattern == "POST /login" || rt.Pattern == "POST /logout" || covered[rt.Pattern] {
			continue
		}
		t.Logf("%s: not exercised here", rt.Pattern)
	}
	if len(covered) < 25 {
		t.Errorf("%d console actions covered", len(covered))
	}
	if _, err := audit.Verify(ctx, w.store.Access()); err != nil {
		t.Fatal(err)
	}
}

// problem returns the message of an error page.
func problem(body string) string {
	if i := strings.Index(body, "<main"); i >= 0 {
		body = body[i:]
	}
	if len(body) > 600 {
		body = body[:600]
	}
	return body
}
