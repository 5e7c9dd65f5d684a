package http_test

import (
	"context"
	"fmt"
	"io"
	nethttp "net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/access"
	"github.com/posguard/posguard/dispute"
	api "github.com/posguard/posguard/http"
)

// accessWorld is the full fixture with a user of every role, two finance
// users, and a merchant user for each of M1 and M2.
type accessWorld struct {
	*fullServer
	tok map[string]string // user name -> API token
}

const (
	m1, m2 = "M00000000000001", "M00000000000002"
)

func newAccessWorld(t *testing.T) *accessWorld {
	t.Helper()
	f := newFullServer(t)
	as := f.store.Access()
	a := &accessWorld{fullServer: f, tok: map[string]string{}}
	// No default credentials here: every request carries its own.
	a.srv = httptest.NewServer(f.apiServer.Handler())
	t.Cleanup(a.srv.Close)
	for _, u := range []struct {
		name string
		role posguard.Role
		mid  string
	}{
		{"root", posguard.RoleAdmin, ""}, {"ops", posguard.RoleOperator, ""}, {"risk", posguard.RoleRisk, ""},
		{"fin", posguard.RoleFinance, ""}, {"fin2", posguard.RoleFinance, ""},
		{"shop1", posguard.RoleMerchant, m1}, {"shop2", posguard.RoleMerchant, m2},
	} {
		a.tok[u.name] = addUser(t, as, u.name, u.role, u.mid)
	}
	seedBackoffice(t, f)
	return a
}

// as sends a request with the bearer token tok ("" for none).
func (a *accessWorld) as(t *testing.T, tok, method, path, body string) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := nethttp.NewRequest(method, a.srv.URL+path, rd)
	req.Header.Set("Authorization", "Bearer "+tok)
	if tok == "" {
		req.Header.Set("Authorization", "")
		req.Header.Del("Authorization")
	}
	resp, err := nethttp.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}

// userFor names a user of role.
var userFor = map[posguard.Role]string{
	posguard.RoleAdmin: "root", posguard.RoleOperator: "ops", posguard.RoleRisk: "risk",
	posguard.RoleFinance: "fin", posguard.RoleMerchant: "shop1",
}

// sampleRequests is one request per route, on M1's objects: "METHOD path
// [body]".
func (a *accessWorld) sampleRequests() map[string]string {
	txn := a.declined.ID
	return map[string]string{
		"GET /v1/transactions":                      "GET /v1/transactions",
		"GET /v1/transactions/{id}":                 fmt.Sprintf("GET /v1/transactions/%d", txn),
		"GET /v1/reversals":                         "GET /v1/reversals",
		"GET /v1/explain/{code}":                    "GET /v1/explain/51",
		"GET /v1/terminals/{id}":                    "GET /v1/terminals/T0000001",
		"GET /v1/merchants/{id}":                    "GET /v1/merchants/" + m1,
		"GET /v1/transactions/{id}/settlement":      fmt.Sprintf("GET /v1/transactions/%d/settlement", a.approved.ID),
		"GET /v1/transactions/{id}/receipt":         fmt.Sprintf("GET /v1/transactions/%d/receipt", a.approved.ID),
		"GET /v1/merchants/{id}/settlements":        "GET /v1/merchants/" + m1 + "/settlements",
		"GET /v1/merchants/{id}/statement":          "GET /v1/merchants/" + m1 + "/statement?from=2026-03-01&to=2026-03-02",
		"PUT /v1/merchants/{id}/settlement-account": `PUT /v1/merchants/` + m1 + `/settlement-account {"bank":"ICBC","number":"6222021234567890123","name":"Li Lei"}`,
		"GET /v1/account-changes":                   "GET /v1/account-changes",
		"GET /v1/account-changes/{id}":              "GET /v1/account-changes/1",
		"POST /v1/account-changes/{id}/approve":     "POST /v1/account-changes/1/approve",
		"POST /v1/account-changes/{id}/reject":      `POST /v1/account-changes/2/reject {"reason":"typo"}`,
		"POST /v1/payouts/{id}/resettle":            "POST /v1/payouts/" + a.payoutID + "/resettle",
		"POST /v1/settlements/{id}/resettle":        "POST /v1/settlements/" + a.batchID + "/resettle",
		"GET /healthz":                              "GET /healthz",
		"GET /metrics":                              "GET /metrics",
		"GET /v1/openapi.json":                      "GET /v1/openapi.json",
		"POST /v1/sessions":                         `POST /v1/sessions {"name":"ops","password":"` + testPassword + `"}`,
		"DELETE /v1/sessions/current":               "DELETE /v1/sessions/current",
		"GET /v1/audit":                             "GET /v1/audit",
		"PUT /v1/users/{name}/password":             `PUT /v1/users/shop1/password {"password":"new password 123"}`,
		"GET /v1/cases":                             "GET /v1/cases",
		"POST /v1/cases":                            fmt.Sprintf(`POST /v1/cases {"txn_id":%d,"text":"again"}`, txn),
		"GET /v1/cases/{id}":                        fmt.Sprintf("GET /v1/cases/%d", a.caseID),
		"GET /v1/cases/{id}/evidence":               fmt.Sprintf("GET /v1/cases/%d/evidence", a.caseID),
		"POST /v1/cases/{id}/entries":               fmt.Sprintf(`POST /v1/cases/%d/entries {"kind":"note","text":"called"}`, a.caseID),
		"POST /v1/cases/{id}/assign":                fmt.Sprintf(`POST /v1/cases/%d/assign {"assignee":"li"}`, a.caseID),
		"POST /v1/cases/{id}/status":                fmt.Sprintf(`POST /v1/cases/%d/status {"status":"investigating"}`, a.caseID),
		"POST /v1/cases/{id}/resolve":               fmt.Sprintf(`POST /v1/cases/%d/resolve {"outcome":"explained"}`, a.caseID),
		"GET /v1/transactions/{id}/why":             fmt.Sprintf("GET /v1/transactions/%d/why", txn),
		"GET /v1/analytics/failures":                "GET /v1/analytics/failures",
		"GET /v1/incidents":                         "GET /v1/incidents",
		"GET /v1/notices":                           "GET /v1/notices",
		"POST /v1/notices":                          `POST /v1/notices {"kind":"other","title":"t"}`,
		"GET /v1/merchants/{id}/notices":            "GET /v1/merchants/" + m1 + "/notices",
		"GET /v1/terminals/{id}/health":             "GET /v1/terminals/T0000001/health",
		"GET /v1/terminals/attention":               "GET /v1/terminals/attention",
		"POST /v1/recon/runs":                       "POST /v1/recon/runs {}",
		"GET /v1/recon/runs":                        "GET /v1/recon/runs",
		"GET /v1/recon/runs/{id}":                   "GET /v1/recon/runs/" + a.reconRun,
		"GET /v1/jobs":                              "GET /v1/jobs",
		"GET /v1/recon/exceptions":                  "GET /v1/recon/exceptions",
		"POST /v1/recon/exceptions/resolve":         `POST /v1/recon/exceptions/resolve {"exception":"` + a.reconIdent + `"}`,

		"POST /v1/applications":                     `POST /v1/applications {"kind":"small","name":"新店"}`,
		"GET /v1/applications":                      "GET /v1/applications",
		"GET /v1/applications/{id}":                 "GET /v1/applications/1",
		"PATCH /v1/applications/{id}":               `PATCH /v1/applications/4 {"mcc":"5411"}`,
		"POST /v1/applications/{id}/documents":      "POST /v1/applications/4/documents",
		"GET /v1/applications/{id}/documents/{doc}": "GET /v1/applications/1/documents/1",
		"POST /v1/applications/{id}/submit":         "POST /v1/applications/4/submit",
		"POST /v1/applications/{id}/approve":        "POST /v1/applications/1/approve",
		"POST /v1/applications/{id}/reject":         `POST /v1/applications/2/reject {"reason":"storefront photo missing"}`,
		"POST /v1/applications/{id}/return":         `POST /v1/applications/3/return {"fields":{"address":"full address please"}}`,
		"POST /v1/terminals":                        `POST /v1/terminals {"merchant_id":"` + m1 + `","serial_no":"SN-9","model":"S90"}`,
		"GET /v1/merchants/{id}/terminals":          "GET /v1/merchants/" + m1 + "/terminals",
		"POST /v1/terminals/{id}/status":            `POST /v1/terminals/20000001/status {"status":"disabled"}`,
		"POST /v1/terminals/{id}/move":              `POST /v1/terminals/20000001/move {"merchant_id":"` + m2 + `"}`,
		"POST /v1/terminals/{id}/unbind":            "POST /v1/terminals/20000001/unbind",
		"GET /v1/risk/rules":                        "GET /v1/risk/rules",
		"PUT /v1/risk/rules":                        `PUT /v1/risk/rules {"rules":[{"name":"v","kind":"card_velocity","action":"decline","window":"10m","count":6}]}`,
		"GET /v1/risk/rules/versions":               "GET /v1/risk/rules/versions",
		"GET /v1/risk/hits":                         "GET /v1/risk/hits",
		"POST /v1/risk/hits/{id}/release":           "POST /v1/risk/hits/1/release",
		"POST /v1/merchants/{id}/freeze":            `POST /v1/merchants/` + m1 + `/freeze {"reason":"cash-out suspected"}`,
		"POST /v1/merchants/{id}/unfreeze":          `POST /v1/merchants/` + m1 + `/unfreeze {"reason":"documents checked"}`,
		"GET /v1/merchants/{id}/history":            "GET /v1/merchants/" + m1 + "/history",

		"POST /v1/qr/orders":                     `POST /v1/qr/orders {"out_order_no":"A1","amount":100,"auth_code":"134567890123456789"}`,
		"GET /v1/qr/orders":                      "GET /v1/qr/orders",
		"GET /v1/qr/orders/{id}":                 "GET /v1/qr/orders/Q1",
		"POST /v1/qr/orders/{id}/refunds":        `POST /v1/qr/orders/Q1/refunds {"out_refund_no":"RF1","amount":10}`,
		"GET /v1/qr/recon":                       "GET /v1/qr/recon?date=2026-03-01",
		"POST /v1/qr/notify/{channel}":           "POST /v1/qr/notify/wx {}",
		"GET /v1/disputes":                       "GET /v1/disputes",
		"GET /v1/disputes/{id}":                  "GET /v1/disputes/" + a.disputes.cbM1,
		"GET /v1/disputes/{id}/evidence/{eid}":   fmt.Sprintf("GET /v1/disputes/%s/evidence/%d", a.disputes.cbM1, a.disputes.evM1),
		"POST /v1/disputes/{id}/evidence":        `POST /v1/disputes/` + a.disputes.cbM1 + `/evidence {"text":"signed slip kept"}`,
		"POST /v1/disputes/{id}/ask":             `POST /v1/disputes/` + a.disputes.cbM1 + `/ask {"text":"upload the signed slip"}`,
		"POST /v1/disputes/{id}/respond":         `POST /v1/disputes/` + a.disputes.cbM1 + `/respond {}`,
		"POST /v1/disputes/{id}/escalate":        `POST /v1/disputes/` + a.disputes.cbM1 + `/escalate {}`,
		"POST /v1/disputes/{id}/accept":          `POST /v1/disputes/` + a.disputes.rrM1 + `/accept {"note":"no slip"}`,
		"POST /v1/disputes/import":               "POST /v1/disputes/import " + dispute.Header + "\n",
		"POST /v1/disputes/fetch":                "POST /v1/disputes/fetch",
		"GET /v1/dispute-reasons":                "GET /v1/dispute-reasons",
		"POST /v1/merchants/{id}/limit-requests": `POST /v1/merchants/` + m1 + `/limit-requests {"card_daily_count":9,"reason":"more guests"}`,
		"GET /v1/limit-requests":                 "GET /v1/limit-requests",
		"GET /v1/limit-requests/{id}":            fmt.Sprintf("GET /v1/limit-requests/%d", a.limitReqs[0]),
		"POST /v1/limit-requests/{id}/approve":   fmt.Sprintf(`POST /v1/limit-requests/%d/approve {"note":"history checked"}`, a.limitReqs[0]),
		"POST /v1/limit-requests/{id}/reject":    fmt.Sprintf(`POST /v1/limit-requests/%d/reject {"note":"not now"}`, a.limitReqs[1]),
	}
}

// split reads "METHOD path [body]".
func split(s string) (method, path, body string) {
	method, rest, _ := strings.Cut(s, " ")
	path, body, _ = strings.Cut(rest, " ")
	return method, path, body
}

// TestEveryRouteDeclaresAccess walks every registered route: without a
// token and with a garbage one it answers 401, with a role it does not
// admit 403, with a role it admits 2xx, and with the token of merchant M2
// on merchant M1's object 404, changing nothing.
func TestEveryRouteDeclaresAccess(t *testing.T) {
	a := newAccessWorld(t)
	// Two pending account changes of M1 for the approve and reject samples,
	// requested by the operator.
	for range 2 {
		if st, body := a.as(t, a.tok["ops"], "PUT", "/v1/merchants/"+m1+"/settlement-account",
			`{"bank":"ICBC","number":"6222021234567890123","name":"Li Lei"}`); st != 202 {
			t.Fatalf("change request: %d %s", st, body)
		}
	}
	samples := a.sampleRequests()
	routes := (&api.Server{}).Routes()
	for _, rt := range routes {
		req, ok := samples[rt.Pattern]
		if !ok {
			t.Errorf("route %q has no sample request in this test: add one", rt.Pattern)
			continue
		}
		method, path, body := split(req)
		if rt.Pattern != method+" "+stripQuery(patternOf(rt.Pattern, path)) {
			t.Fatalf("sample %q does not match %q", req, rt.Pattern)
		}
		if len(rt.Roles) == 0 {
			t.Errorf("%s declares no roles", rt.Pattern)
		}
		if rt.Pattern == "POST /v1/qr/notify/{channel}" {
			// Public, reached: an unsigned notification of an unknown
			// channel is refused in the channel protocol's shape (signed
			// ones: cmd/posguard's QR tests).
			if st, raw := a.as(t, "", method, path, body); st != 404 || !strings.Contains(raw, `"return_code":"FAIL"`) {
				t.Errorf("%s: %d %s, want 404 FAIL", rt.Pattern, st, raw)
			}
			continue
		}
		if slices.Contains(rt.Roles, access.Public) {
			if st, raw := a.as(t, "", method, path, body); st >= 300 {
				t.Errorf("public %s without a token: %d %s", rt.Pattern, st, raw)
			}
			continue
		}
		for _, tok := range []string{"", "garbage", "pgt_" + strings.Repeat("A", 43)} {
			st, raw := a.as(t, tok, method, path, body)
			if st != 401 || !strings.Contains(raw, `"code":"unauthorized"`) {
				t.Errorf("%s with token %q: %d %s, want 401 unauthorized", rt.Pattern, tok, st, raw)
			}
		}
		for _, role := range posguard.Roles {
			if rt.Admits(role) {
				continue
			}
			st, raw := a.as(t, a.tok[userFor[role]], method, path, body)
			if st != 403 || !strings.Contains(raw, `"code":"forbidden"`) {
				t.Errorf("%s as %s: %d %s, want 403 forbidden", rt.Pattern, role, st, raw)
			}
			break // one wrong role is enough per route; every role is covered across routes
		}
		if rt.Admits(posguard.RoleMerchant) && strings.Contains(rt.Pattern, "{id}") {
			before := a.snapshot(t)
			st, raw := a.as(t, a.tok["shop2"], method, path, body)
			if st != 404 || !strings.Contains(raw, `"code":"not_found"`) {
				t.Errorf("%s as M2's user on M1's object: %d %s, want 404", rt.Pattern, st, raw)
			}
			if after := a.snapshot(t); after != before {
				t.Errorf("%s as M2's user on M1's object changed something:\n%s\n%s", rt.Pattern, before, after)
			}
		}
		// The right role: a staff role the route admits, else M1's user.
		role := posguard.RoleMerchant
		for _, r := range posguard.StaffRoles {
			if rt.Admits(r) {
				role = r
				break
			}
		}
		tok := a.tok[userFor[role]]
		if rt.Pattern == "DELETE /v1/sessions/current" {
			tok = addUser(t, a.store.Access(), "ops", posguard.RoleOperator, "") // logging out revokes it
		}
		st, raw := a.as(t, tok, method, path, body)
		if rt.Pattern == "POST /v1/payouts/{id}/resettle" {
			// The fixture's payout was paid: the route is reached and
			// answers that it cannot be re-settled.
			if st != 409 {
				t.Errorf("%s as %s: %d %s, want 409 (reached, paid payout)", rt.Pattern, role, st, raw)
			}
			continue
		}
		if rt.Pattern == "POST /v1/applications/{id}/documents" {
			// Reached: the sample is not multipart (uploads: cmd/posguard's onboarding test).
			if st != 400 {
				t.Errorf("%s as %s: %d %s, want 400 (reached, not multipart)", rt.Pattern, role, st, raw)
			}
			continue
		}
		if rt.Pattern == "POST /v1/disputes/{id}/respond" || rt.Pattern == "POST /v1/disputes/{id}/escalate" {
			// Reached: the fixture's network never raised the dispute and
			// refuses the response; an open dispute cannot go to
			// arbitration (won, lost, arbitration: dispute_test.go).
			if st != 409 {
				t.Errorf("%s as %s: %d %s, want 409 (reached, refused by the network)", rt.Pattern, role, st, raw)
			}
			continue
		}
		if rt.Pattern == "POST /v1/recon/runs" {
			// Reached: the sample is not multipart (uploads: recon_test.go).
			if st != 400 {
				t.Errorf("%s as %s: %d %s, want 400 (reached, not multipart)", rt.Pattern, role, st, raw)
			}
			continue
		}
		if st < 200 || st > 299 {
			t.Errorf("%s as %s: %d %s, want 2xx", rt.Pattern, role, st, raw)
		}
	}
}

// patternOf rebuilds a pattern's path from a concrete path, putting {id}
// and {code} back where the pattern has them.
func patternOf(pattern, path string) string {
	_, pp, _ := strings.Cut(pattern, " ")
	ps, cs := strings.Split(pp, "/"), strings.Split(stripQuery(path), "/")
	if len(ps) != len(cs) {
		return path
	}
	for i := range ps {
		if strings.HasPrefix(ps[i], "{") {
			cs[i] = ps[i]
		}
	}
	return strings.Join(cs, "/")
}

func stripQuery(p string) string { p, _, _ = strings.Cut(p, "?"); return p }

// snapshot is what a refused request must not change: M1's case, M1's
// merchant record and the account change requests (read as admin).
func (a *accessWorld) snapshot(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	for _, p := range []string{fmt.Sprintf("/v1/cases/%d", a.caseID), "/v1/merchants/" + m1, "/v1/account-changes"} {
		_, raw := a.as(t, a.tok["root"], "GET", p, "")
		b.WriteString(raw)
	}
	return b.String()
}

func TestRouterRefusesRouteWithoutRoles(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("a route without roles was registered")
		}
	}()
	rt := access.NewRouter(&access.Auth{}, nil)
	rt.HandleFunc("GET /v1/forgotten", func(nethttp.ResponseWriter, *nethttp.Request) {})
}

var _ = context.Background
