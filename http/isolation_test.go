package http_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/access"
	api "github.com/posguard/posguard/http"
)

// merchantData names one merchant's objects in the fixture and the strings
// that identify its data.
type merchantData struct {
	user, mid, tid string
	txn, caseID    int64
	qrOrder        string
	dispute        string   // a dispute of its own
	evidence       int64    // a piece of that dispute's evidence
	limitReq       int64    // a limit request of the merchant
	marks          []string // present in its data, absent from any other merchant's
}

// TestMerchantIsolation: a merchant user never sees a byte of another
// merchant's data. Every GET route a merchant user is admitted to is called
// by M1's and M2's users, on their own objects (200, and nothing of the
// other merchant in the body, whatever filters are passed) and on the
// other's (404, as for a missing object); complaints and account changes
// on the other's objects are 404 and change nothing.
func TestMerchantIsolation(t *testing.T) {
	a := newAccessWorld(t)
	// M2 gets a case of its own and both get an account change request.
	var c struct {
		ID int64 `json:"id"`
	}
	st, raw := a.as(t, a.tok["shop2"], "POST", "/v1/cases", fmt.Sprintf(`{"txn_id":%d,"text":"why refused?"}`, a.frozen.ID))
	if st != 201 {
		t.Fatalf("M2's complaint: %d %s", st, raw)
	}
	if err := jsonDecode(raw, &c); err != nil {
		t.Fatal(err)
	}
	for _, mid := range []string{m1, m2} {
		if st, raw := a.as(t, a.tok["ops"], "PUT", "/v1/merchants/"+mid+"/settlement-account",
			`{"bank":"ICBC","number":"6222021234567890123","name":"Li Lei"}`); st != 202 {
			t.Fatalf("change for %s: %d %s", mid, st, raw)
		}
	}
	d := []merchantData{
		{user: "shop1", mid: m1, tid: "T0000001", txn: a.approved.ID, caseID: a.caseID, dispute: a.disputes.cbM1, evidence: a.disputes.evM1, qrOrder: "Q1", limitReq: a.limitReqs[0],
			marks: []string{m1, "T0000001", "Tea House", "622588"}},
		{user: "shop2", mid: m2, tid: "T0000002", txn: a.frozen.ID, caseID: c.ID, dispute: a.disputes.cbM2, evidence: a.disputes.evM2, qrOrder: "Q2", limitReq: a.limitReqs[2],
			marks: []string{m2, "T0000002", "Noodle Bar", "411111"}},
	}
	reqs := func(x merchantData, other string) []string {
		return []string{
			"GET /v1/transactions", "GET /v1/transactions?merchant=" + other, "GET /v1/transactions?terminal=" + map[string]string{m1: "T0000001", m2: "T0000002"}[other],
			fmt.Sprintf("GET /v1/transactions/%d", x.txn),
			fmt.Sprintf("GET /v1/transactions/%d/why", x.txn),
			fmt.Sprintf("GET /v1/transactions/%d/settlement", x.txn),
			"GET /v1/terminals/" + x.tid, "GET /v1/terminals/" + x.tid + "/health",
			"GET /v1/merchants/" + x.mid, "GET /v1/merchants/" + x.mid + "/settlements",
			"GET /v1/merchants/" + x.mid + "/statement?from=2026-03-01&to=2026-03-02",
			"GET /v1/merchants/" + x.mid + "/notices",
			"GET /v1/cases", "GET /v1/cases?merchant=" + other, fmt.Sprintf("GET /v1/cases/%d", x.caseID),
			"GET /v1/account-changes", "GET /v1/account-changes?merchant=" + other,
			"GET /v1/explain/51",
			"GET /v1/applications", "GET /v1/applications?state=pending_review",
			"GET /v1/risk/hits", "GET /v1/risk/hits?merchant=" + other,
			"GET /v1/merchants/" + x.mid + "/terminals", "GET /v1/merchants/" + x.mid + "/history",
			"GET /v1/qr/orders", "GET /v1/qr/orders?merchant=" + other, "GET /v1/qr/orders/" + x.qrOrder,
			"GET /v1/disputes", "GET /v1/disputes?merchant=" + other, "GET /v1/disputes/" + x.dispute,
			fmt.Sprintf("GET /v1/disputes/%s/evidence/%d", x.dispute, x.evidence), "GET /v1/dispute-reasons",
			"GET /v1/limit-requests", "GET /v1/limit-requests?merchant=" + other, fmt.Sprintf("GET /v1/limit-requests/%d", x.limitReq),
		}
	}
	// Every GET route a merchant may call is covered above.
	covered := strings.Join(reqs(d[0], m2), "\n")
	for _, rt := range (&api.Server{}).Routes() {
		if !rt.Admits(posguard.RoleMerchant) || rt.Admits(access.Public) || rt.Method() != "GET" {
			continue
		}
		first, _, _ := strings.Cut(strings.TrimPrefix(rt.Path(), "/v1/"), "/")
		if !strings.Contains(covered, "/v1/"+first) {
			t.Errorf("merchant route %s is not covered by this test", rt.Pattern)
		}
	}
	for i, me := range d {
		other := d[1-i]
		for _, r := range reqs(me, other.mid) {
			method, path, _ := split(r)
			st, raw := a.as(t, a.tok[me.user], method, path, "")
			if st != 200 && !(st == 404 && strings.HasSuffix(path, "/settlement")) {
				t.Errorf("%s %s as %s: %d %s", method, path, me.user, st, raw)
			}
			for _, m := range other.marks {
				if strings.Contains(raw, m) {
					t.Errorf("%s %s as %s shows %q of the other merchant: %s", method, path, me.user, m, raw)
				}
			}
		}
		// The other merchant's objects answer as missing ones do.
		for _, r := range reqs(other, me.mid) {
			method, path, _ := split(r)
			if strings.Count(path, "/") < 3 || strings.Contains(path, "/explain/") || strings.HasPrefix(path, "/v1/risk/hits") ||
				stripQuery(path) == "/v1/qr/orders" {
				continue // a list (covered above) or the knowledge base
			}
			st, raw := a.as(t, a.tok[me.user], method, path, "")
			if st != 404 || !strings.Contains(raw, `"not_found"`) {
				t.Errorf("%s %s (the other merchant's) as %s: %d %s, want 404", method, path, me.user, st, raw)
			}
			for _, m := range other.marks {
				if strings.Contains(raw, m) && !strings.Contains(path, m) {
					t.Errorf("%s %s as %s: the 404 names %q", method, path, me.user, m)
				}
			}
		}
		// Changes on the other's objects: 404, nothing changed.
		before := a.snapshot(t)
		for _, r := range []string{
			fmt.Sprintf(`POST /v1/cases {"txn_id":%d,"merchant_id":%q,"text":"mine?"}`, other.txn, other.mid),
			fmt.Sprintf(`POST /v1/cases/%d/entries {"kind":"note","text":"hello"}`, other.caseID),
			`PUT /v1/merchants/` + other.mid + `/settlement-account {"bank":"ICBC","number":"6222021234567890123","name":"X"}`,
			`PUT /v1/users/` + other.user + `/password {"password":"taken over!"}`,
		} {
			method, path, body := split(r)
			if st, raw := a.as(t, a.tok[me.user], method, path, body); st != 404 {
				t.Errorf("%s %s as %s: %d %s, want 404", method, path, me.user, st, raw)
			}
		}
		if after := a.snapshot(t); after != before {
			t.Errorf("%s changed the other merchant's objects", me.user)
		}
	}
	// A merchant user reads its own merchant, and its account change
	// requests are its own.
	if st, _ := a.as(t, a.tok["shop1"], "GET", "/v1/merchants/"+m1, ""); st != 200 {
		t.Fatalf("own merchant: %d", st)
	}
}
