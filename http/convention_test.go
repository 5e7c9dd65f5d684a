package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	nethttp "net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/analytics"
	"github.com/posguard/posguard/casework"
	"github.com/posguard/posguard/dispute"
	api "github.com/posguard/posguard/http"
	"github.com/posguard/posguard/ledger"
	"github.com/posguard/posguard/metrics"
	"github.com/posguard/posguard/payout"
	"github.com/posguard/posguard/recon"
	"github.com/posguard/posguard/settlement"
	"github.com/posguard/posguard/simbank"
)

// fullServer is the fixture with every optional part enabled (cases,
// reports, the money side) and one of each object: an incident, a notice,
// a case, a settled batch and its payout.
type fullServer struct {
	*world
	srv               *httptest.Server
	apiServer         *api.Server // behind srv
	caseID            int64
	payoutID, batchID string
	reconRun          string
	reconIdent        string // an open exception of reconRun
	disputes          fixtureDisputes
	// limitReqs are pending limit requests: M1's (two, by shop1) and M2's.
	limitReqs [3]int64
}

func newFullServer(t *testing.T) *fullServer {
	t.Helper()
	w := newWorld(t)
	ctx := context.Background()
	now := func() time.Time { return t0.Add(24 * time.Hour) }
	if err := w.store.OpenIncident(ctx, &posguard.Incident{Kind: posguard.IncidentIssuerUnavailable, Status: posguard.IncidentOpen,
		Dimension: "issuer_bin", Key: "622588", Cause: "issuer down / 发卡行故障", Rate: 0.5, Baseline: 0.01, Volume: 40,
		Merchants: []string{"M00000000000001"}, OpenedAt: t0, UpdatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	money := w.store.Money()
	fees := &settlement.FeeBook{Store: money, Merchants: w.store}
	if _, err := (&ledger.Poster{Store: money, Pricer: fees}).Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := (&settlement.Settler{Store: money, Merchants: w.store, Fees: fees}).Settle(ctx, "2026-03-01"); err != nil {
		t.Fatal(err)
	}
	merchants, err := w.store.Merchants(ctx)
	if err != nil {
		t.Fatal(err)
	}
	runner := &payout.Runner{Store: money, Merchants: w.store, Bank: simbank.New(merchants)}
	if _, err := runner.Run(ctx); err != nil {
		t.Fatal(err)
	}
	ps, err := money.Payouts(ctx, posguard.PayoutFilter{})
	if err != nil || len(ps) == 0 {
		t.Fatalf("fixture payouts: %v, %v", ps, err)
	}
	f := &fullServer{world: w, payoutID: ps[0].ID, batchID: ps[0].BatchID}
	rc := &recon.Reconciler{Store: w.store.Recon(), Money: money, Cases: w.store, Journal: w.store, Payouts: runner, Now: now}
	rep, _, err := rc.Run(ctx, recon.Input{Date: "2026-03-01", ClearingName: "IND26030101ACOM", Clearing: strings.NewReader("")})
	if err != nil {
		t.Fatal(err)
	}
	f.reconRun = rep.RunID
	if exs, err := w.store.Recon().Exceptions(ctx, posguard.ReconFilter{Limit: 1}); err != nil || len(exs) == 0 {
		t.Fatalf("fixture exceptions: %v", err)
	} else {
		f.reconIdent = exs[0].Ident
	}
	f.apiServer = &api.Server{Store: w.store, Now: now,
		Cases:   &casework.Service{Store: w.store, Now: now},
		Reports: &analytics.Reports{Store: w.store, Now: now},
		Payouts: runner, Metrics: metrics.New().Handler(), Recon: rc,
		Backoffice: backoffice(w.store), Jobs: w.store,
		QR: qrEngine(t, w.store),
	}
	if j, ok, err := w.store.ClaimJob(ctx, posguard.JobSettle, "2026-03-01", "", "host-1", t0, t0.Add(time.Minute)); err != nil || !ok {
		t.Fatalf("fixture job: %v %v", ok, err)
	} else if err := w.store.FinishJob(ctx, j.Key, "host-1", 1, posguard.JobDone, "settlement 2026-03-01: 1 batches", "", t0, t0); err != nil {
		t.Fatal(err)
	}
	addDisputes(t, f, now)
	addLimitRequests(t, f)
	f.srv = httptest.NewServer(asStaff(t, f.apiServer, w.store))
	t.Cleanup(f.srv.Close)
	var c struct {
		ID int64 `json:"id"`
	}
	if st, body := f.call(t, "POST", "/v1/cases", fmt.Sprintf(`{"txn_id":%d,"author":"M1","text":"charged twice?"}`, w.declined.ID), &c); st != 201 {
		t.Fatalf("complaint: %d %s", st, body)
	}
	f.caseID = c.ID
	if st, body := f.call(t, "POST", "/v1/notices", `{"kind":"maintenance","title":"upgrade","author":"ops"}`, nil); st != 201 {
		t.Fatalf("notice: %d %s", st, body)
	}
	return f
}

// call sends a request with a JSON body (none when empty) and decodes the
// answer into out when it is JSON.
func (f *fullServer) call(t *testing.T, method, path, body string, out any) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := nethttp.NewRequest(method, f.srv.URL+path, rd)
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, raw)
		}
	}
	return resp.StatusCode, string(raw)
}

var (
	snakeCase = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)
	rfc3339Z  = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$`)
	// moneyKeys are the keys that hold an amount in fen.
	moneyKeys = []string{"amount", "refunded_amount", "net", "fee", "payout", "per_txn", "daily",
		"sales_gross", "voids", "refunds", "fees", "earned", "settled", "paid", "held", "resettled"}
)

// checkConvention walks a decoded JSON answer and reports every break of
// the API's convention: snake_case keys, times in RFC 3339 UTC and never a
// zero time, amounts in fen with a _yuan string beside them, actors from
// the closed set.
func checkConvention(t *testing.T, where string, v any) {
	t.Helper()
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			at := where + "." + k
			if !snakeCase.MatchString(k) {
				t.Errorf("%s: key %q is not snake_case", at, k)
			}
			if s, ok := val.(string); ok {
				if strings.HasPrefix(s, "0001-01-01") {
					t.Errorf("%s: zero time %q (an unset time is left out)", at, s)
				}
				if k == "at" || strings.HasSuffix(k, "_at") {
					if !rfc3339Z.MatchString(s) {
						t.Errorf("%s: time %q is not RFC 3339 in UTC", at, s)
					}
				}
				if k == "actor" && !slices.Contains(api.Actors, s) {
					t.Errorf("%s: actor %q outside %v", at, s, api.Actors)
				}
			}
			if base, ok := strings.CutSuffix(k, "_yuan"); ok {
				if _, isNum := x[base].(float64); !isNum {
					t.Errorf("%s: no amount in fen %q beside it", at, base)
				}
			}
			if n, isNum := val.(float64); isNum && slices.Contains(moneyKeys, k) {
				if _, ok := x[k+"_yuan"].(string); !ok {
					t.Errorf("%s: amount %v without %s_yuan beside it", at, n, k)
				}
			}
			checkConvention(t, at, val)
		}
	case []any:
		for i, e := range x {
			checkConvention(t, fmt.Sprintf("%s[%d]", where, i), e)
		}
	}
}

// TestConventionEveryRoute calls every registered route with real data and
// checks its answer against the JSON convention of docs/api.md.
func TestConventionEveryRoute(t *testing.T) {
	f := newFullServer(t)
	txn := f.declined.ID
	samples := map[string][]string{ // pattern -> requests "METHOD path [body]"
		"GET /v1/transactions":                      {"GET /v1/transactions?limit=5", "GET /v1/transactions?state=lost"},
		"GET /v1/transactions/{id}":                 {fmt.Sprintf("GET /v1/transactions/%d", txn), fmt.Sprintf("GET /v1/transactions/%d", f.approved.ID), fmt.Sprintf("GET /v1/transactions/%d", f.timedOut.ID), fmt.Sprintf("GET /v1/transactions/%d", f.reversed.ID)},
		"GET /v1/reversals":                         {"GET /v1/reversals"},
		"GET /v1/explain/{code}":                    {"GET /v1/explain/51", "GET /v1/explain/network.timeout", "GET /v1/explain/zz"},
		"GET /v1/terminals/{id}":                    {"GET /v1/terminals/T0000001", "GET /v1/terminals/T0000002"},
		"GET /v1/merchants/{id}":                    {"GET /v1/merchants/M00000000000001", "GET /v1/merchants/M00000000000002"},
		"GET /v1/transactions/{id}/settlement":      {fmt.Sprintf("GET /v1/transactions/%d/settlement", f.approved.ID)},
		"GET /v1/transactions/{id}/receipt":         {fmt.Sprintf("GET /v1/transactions/%d/receipt", f.approved.ID)},
		"GET /v1/merchants/{id}/settlements":        {"GET /v1/merchants/M00000000000001/settlements"},
		"GET /v1/merchants/{id}/statement":          {"GET /v1/merchants/M00000000000001/statement?from=2026-03-01&to=2026-03-02"},
		"PUT /v1/merchants/{id}/settlement-account": {`PUT /v1/merchants/M00000000000001/settlement-account {"bank":"ICBC","number":"6222021234567890123","name":"Li Lei"}`},
		"POST /v1/payouts/{id}/resettle":            {"!POST /v1/payouts/" + f.payoutID + "/resettle"}, // paid: 409
		"POST /v1/settlements/{id}/resettle":        {"POST /v1/settlements/" + f.batchID + "/resettle"},
		"GET /healthz":                              {"GET /healthz"},
		"GET /metrics":                              {"GET /metrics"},
		"GET /v1/cases":                             {"GET /v1/cases", "GET /v1/cases?status=lost"},
		"POST /v1/cases":                            {fmt.Sprintf(`POST /v1/cases {"txn_id":%d,"author":"M1","text":"again"}`, txn)},
		"GET /v1/cases/{id}":                        {fmt.Sprintf("GET /v1/cases/%d", f.caseID)},
		"GET /v1/cases/{id}/evidence":               {fmt.Sprintf("GET /v1/cases/%d/evidence", f.caseID)},
		"POST /v1/cases/{id}/entries":               {fmt.Sprintf(`POST /v1/cases/%d/entries {"kind":"note","author":"ops","text":"called"}`, f.caseID)},
		"POST /v1/cases/{id}/assign":                {fmt.Sprintf(`POST /v1/cases/%d/assign {"assignee":"li","author":"ops"}`, f.caseID)},
		"POST /v1/cases/{id}/status":                {fmt.Sprintf(`POST /v1/cases/%d/status {"status":"investigating","author":"li"}`, f.caseID)},
		"POST /v1/cases/{id}/resolve":               {fmt.Sprintf(`POST /v1/cases/%d/resolve {"outcome":"explained","author":"li"}`, f.caseID)},
		"GET /v1/transactions/{id}/why":             {fmt.Sprintf("GET /v1/transactions/%d/why", txn), fmt.Sprintf("GET /v1/transactions/%d/why?lang=en", txn)},
		"GET /v1/analytics/failures":                {"GET /v1/analytics/failures?by=merchant&window=hour&from=2026-03-01T00:00:00Z&to=2026-03-02T00:00:00Z"},
		"GET /v1/incidents":                         {"GET /v1/incidents"},
		"GET /v1/notices":                           {"GET /v1/notices", "GET /v1/notices?all=1"},
		"POST /v1/notices":                          {`POST /v1/notices {"kind":"other","title":"t","author":"ops","from":"2026-03-01T00:00:00Z","to":"2026-03-05T00:00:00Z"}`},
		"GET /v1/merchants/{id}/notices":            {"GET /v1/merchants/M00000000000001/notices"},
		"GET /v1/terminals/{id}/health":             {"GET /v1/terminals/T0000001/health"},
		"GET /v1/terminals/attention":               {"GET /v1/terminals/attention"},
		"POST /v1/recon/runs":                       {"!POST /v1/recon/runs {}"}, // not multipart: 400 (uploads: recon_test.go)
		"GET /v1/recon/runs":                        {"GET /v1/recon/runs", "GET /v1/recon/runs?date=2026-03-01&limit=1", "GET /v1/recon/runs?limit=0"},
		"GET /v1/recon/runs/{id}":                   {"GET /v1/recon/runs/" + f.reconRun, "GET /v1/recon/runs/rr_none"},
		"GET /v1/jobs":                              {"GET /v1/jobs", "GET /v1/jobs?day=2026-03-01&kind=settle_t1", "GET /v1/jobs?day=today", "GET /v1/jobs?kind=lunch"},
		"GET /v1/recon/exceptions":                  {"GET /v1/recon/exceptions?date=2026-03-01", "GET /v1/recon/exceptions?class=lost"},
		"POST /v1/recon/exceptions/resolve":         {`POST /v1/recon/exceptions/resolve {"exception":"` + f.reconIdent + `","note":"network confirmed"}`, `POST /v1/recon/exceptions/resolve {"exception":"nope"}`},
		"GET /v1/account-changes":                   {"GET /v1/account-changes", "GET /v1/account-changes?state=pending"},
		"GET /v1/account-changes/{id}":              {"GET /v1/account-changes/1"},
		"POST /v1/account-changes/{id}/approve":     {"POST /v1/account-changes/1/approve"},
		"POST /v1/account-changes/{id}/reject":      {`!POST /v1/account-changes/1/reject {"reason":"late"}`}, // approved: 409
		"GET /v1/openapi.json":                      {"GET /v1/openapi.json"},
		"POST /v1/sessions":                         {`POST /v1/sessions {"name":"root","password":"` + testPassword + `"}`},
		"DELETE /v1/sessions/current":               {"DELETE /v1/sessions/current"},
		"GET /v1/audit":                             {"GET /v1/audit", "GET /v1/audit?user=root&limit=2"},
		"PUT /v1/users/{name}/password":             {`PUT /v1/users/fin/password {"password":"another password"}`},

		"POST /v1/applications":                     {`POST /v1/applications {"kind":"individual","name":"张记小吃","mcc":"5812","legal_name":"张晓明","legal_id_no":"310101198503121236","phone":"13800138001","address":"上海","settlement_account":{"bank":"ICBC","number":"6222020000001234567","name":"张晓明"},"fee_plan":"small"}`},
		"GET /v1/applications":                      {"GET /v1/applications", "GET /v1/applications?state=draft", "GET /v1/applications?state=lost"},
		"GET /v1/applications/{id}":                 {"GET /v1/applications/1", "GET /v1/applications/99"},
		"PATCH /v1/applications/{id}":               {`PATCH /v1/applications/1 {"address":"上海市黄浦区"}`},
		"POST /v1/applications/{id}/documents":      {"!POST /v1/applications/1/documents"}, // not multipart: 400
		"GET /v1/applications/{id}/documents/{doc}": {"!GET /v1/applications/1/documents/1"},
		"POST /v1/applications/{id}/submit":         {"POST /v1/applications/1/submit"},
		"POST /v1/applications/{id}/approve":        {"!POST /v1/applications/1/approve"},                     // finance: 403
		"POST /v1/applications/{id}/reject":         {`!POST /v1/applications/1/reject {"reason":"no"}`},      // finance: 403
		"POST /v1/applications/{id}/return":         {`!POST /v1/applications/1/return {"fields":{"a":"b"}}`}, // its creator: 403
		"POST /v1/terminals":                        {`POST /v1/terminals {"merchant_id":"M00000000000001","serial_no":"SN-1","model":"NEW8210","key_scheme":"003"}`},
		"GET /v1/merchants/{id}/terminals":          {"GET /v1/merchants/M00000000000001/terminals"},
		"POST /v1/terminals/{id}/status":            {`POST /v1/terminals/20000001/status {"status":"disabled"}`},
		"POST /v1/terminals/{id}/move":              {`POST /v1/terminals/20000001/move {"merchant_id":"M00000000000002"}`},
		"POST /v1/terminals/{id}/unbind":            {"POST /v1/terminals/20000001/unbind"},
		"GET /v1/risk/rules":                        {"GET /v1/risk/rules"},
		"PUT /v1/risk/rules":                        {`!PUT /v1/risk/rules {"rules":[]}`}, // admin: 403 (risk only)
		"GET /v1/risk/rules/versions":               {"GET /v1/risk/rules/versions"},
		"GET /v1/risk/hits":                         {"GET /v1/risk/hits", "GET /v1/risk/hits?merchant=M00000000000001&from=2026-03-01&to=2026-03-03T00:00:00Z"},
		"POST /v1/risk/hits/{id}/release":           {"!POST /v1/risk/hits/1/release"},
		"POST /v1/merchants/{id}/freeze":            {`POST /v1/merchants/M00000000000001/freeze {"reason":"review"}`},
		"POST /v1/merchants/{id}/unfreeze":          {`POST /v1/merchants/M00000000000001/unfreeze {"reason":"checked"}`},
		"GET /v1/merchants/{id}/history":            {"GET /v1/merchants/M00000000000001/history"},

		"POST /v1/qr/orders":                   {`!POST /v1/qr/orders {"out_order_no":"C1","amount":100,"auth_code":"134567890123456789"}`, `POST /v1/qr/orders {"amount":"x"}`}, // staff: 403
		"GET /v1/qr/orders":                    {"GET /v1/qr/orders", "GET /v1/qr/orders?state=lost", "GET /v1/qr/orders?state=succeeded&limit=1"},
		"GET /v1/qr/orders/{id}":               {"GET /v1/qr/orders/Q1", "GET /v1/qr/orders/Q2", "GET /v1/qr/orders/Q99"},
		"POST /v1/qr/orders/{id}/refunds":      {`!POST /v1/qr/orders/Q1/refunds {"out_refund_no":"RF1","amount":10}`}, // staff: 403
		"GET /v1/qr/recon":                     {"GET /v1/qr/recon?date=2026-03-01", "GET /v1/qr/recon", "GET /v1/qr/recon?date=x"},
		"POST /v1/qr/notify/{channel}":         {"!POST /v1/qr/notify/wx {}"}, // unknown channel: 404
		"GET /v1/disputes":                     {"GET /v1/disputes", "GET /v1/disputes?active=1&kind=chargeback", "!GET /v1/disputes?state=lost2"},
		"GET /v1/disputes/{id}":                {"GET /v1/disputes/" + f.disputes.cbM1, "!GET /v1/disputes/NOPE"},
		"GET /v1/disputes/{id}/evidence/{eid}": {"!GET /v1/disputes/" + f.disputes.cbM1 + "/evidence/0"}, // downloads are not JSON (dispute_test.go)
		"POST /v1/disputes/{id}/evidence":      {`POST /v1/disputes/` + f.disputes.cbM1 + `/evidence {"text":"slip kept"}`, `!POST /v1/disputes/` + f.disputes.cbM1 + `/evidence {"text":""}`},
		"POST /v1/disputes/{id}/ask":           {`POST /v1/disputes/` + f.disputes.cbM2 + `/ask {"text":"upload the slip"}`},
		"POST /v1/disputes/{id}/respond":       {`!POST /v1/disputes/` + f.disputes.cbM1 + `/respond {}`},  // the network never raised it: 409
		"POST /v1/disputes/{id}/escalate":      {`!POST /v1/disputes/` + f.disputes.cbM1 + `/escalate {}`}, // not lost: 409
		"POST /v1/disputes/{id}/accept":        {`POST /v1/disputes/` + f.disputes.rrM1 + `/accept {"note":"no slip"}`, `!POST /v1/disputes/` + f.disputes.rrM1 + `/accept {}`},
		"POST /v1/disputes/import":             {"POST /v1/disputes/import " + dispute.Header + "\n", "!POST /v1/disputes/import garbage"},
		"POST /v1/disputes/fetch":              {"POST /v1/disputes/fetch"},
		"GET /v1/dispute-reasons":              {"GET /v1/dispute-reasons"},
		"POST /v1/merchants/{id}/limit-requests": {`POST /v1/merchants/M00000000000001/limit-requests {"terminal_daily":900000,"reason":"new branch"}`,
			`!POST /v1/merchants/M00000000000001/limit-requests {"card_daily":-1}`, `!POST /v1/merchants/M00000000000001/limit-requests {}`},
		"GET /v1/limit-requests":               {"GET /v1/limit-requests", "GET /v1/limit-requests?state=pending", "!GET /v1/limit-requests?state=maybe"},
		"GET /v1/limit-requests/{id}":          {fmt.Sprintf("GET /v1/limit-requests/%d", f.limitReqs[0]), "!GET /v1/limit-requests/999"},
		"POST /v1/limit-requests/{id}/approve": {fmt.Sprintf("!POST /v1/limit-requests/%d/approve", f.limitReqs[0])}, // staff admin: 403 (risk only)
		"POST /v1/limit-requests/{id}/reject":  {fmt.Sprintf(`!POST /v1/limit-requests/%d/reject {"note":"no"}`, f.limitReqs[1])},
	}
	patterns := (&api.Server{}).Patterns()
	for _, p := range patterns {
		reqs, ok := samples[p]
		if !ok {
			t.Errorf("route %q has no sample request in this test: add one", p)
			continue
		}
		for i, r := range reqs {
			refused := strings.HasPrefix(r, "!") // an error answer is expected
			method, rest, _ := strings.Cut(strings.TrimPrefix(r, "!"), " ")
			path, body, _ := strings.Cut(rest, " ")
			st, raw := f.call(t, method, path, body, nil)
			if st >= 500 || (i == 0 && st >= 300 && !refused) {
				t.Errorf("%s %s: status %d: %s", method, path, st, raw)
				continue
			}
			// Metrics are Prometheus text, the OpenAPI document follows
			// OpenAPI's own names, and a logout answers 204 without a body.
			if p == "GET /metrics" || p == "GET /v1/openapi.json" || p == "DELETE /v1/sessions/current" || p == "PUT /v1/users/{name}/password" {
				continue
			}
			var v any
			if err := json.NewDecoder(bytes.NewReader([]byte(raw))).Decode(&v); err != nil {
				t.Errorf("%s %s: not JSON: %v", method, path, err)
				continue
			}
			checkConvention(t, method+" "+path, v)
			for _, pan := range []string{panCUP, panVISA} {
				if strings.Contains(raw, pan) {
					t.Errorf("%s %s leaks a card number", method, path)
				}
			}
		}
	}
	for p := range samples {
		if !slices.Contains(patterns, p) {
			t.Errorf("sample for %q, which is not a route", p)
		}
	}
}

// addLimitRequests gives the API the store's limit requests and files two
// pending requests of M1 (by its user shop1) and one of M2 (by shop2).
func addLimitRequests(t *testing.T, f *fullServer) {
	t.Helper()
	ls := f.store
	f.apiServer.LimitRequests = ls
	for i, x := range []struct{ mid, by string }{{m1, "shop1"}, {m1, "shop1"}, {m2, "shop2"}} {
		m, err := f.store.Merchant(context.Background(), x.mid)
		if err != nil {
			t.Fatal(err)
		}
		req := m.Limits
		req.CardDaily = 100000 * posguard.Amount(i+1)
		r := &posguard.LimitRequest{MerchantID: x.mid, Previous: m.Limits, Requested: req, Reason: "busy season", RequestedBy: x.by}
		if err := ls.CreateLimitRequest(context.Background(), r); err != nil {
			t.Fatal(err)
		}
		f.limitReqs[i] = r.ID
	}
}
