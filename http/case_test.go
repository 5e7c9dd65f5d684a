package http_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	nethttp "net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/analytics"
	"github.com/posguard/posguard/casework"
	api "github.com/posguard/posguard/http"
)

// caseServer serves the fixture's store with cases and reports enabled.
func caseServer(t *testing.T, w *world) *httptest.Server {
	now := func() time.Time { return t0.Add(24 * time.Hour) }
	srv := httptest.NewServer(asStaff(t, &api.Server{Store: w.store, Now: now,
		Cases:   &casework.Service{Store: w.store, Now: now},
		Reports: &analytics.Reports{Store: w.store, Now: now, MinFirmware: map[string]string{"PAX S90": "3.2"}},
	}, w.store))
	t.Cleanup(srv.Close)
	return srv
}

// call sends method path with body (JSON-encoded unless nil) and decodes
// the answer into out; it returns the status and the raw body.
func call(t *testing.T, srv *httptest.Server, method, path string, body, out any) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := nethttp.NewRequest(method, srv.URL+path, rd)
	resp, err := nethttp.DefaultClient.Do(req)
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
	for _, pan := range []string{panCUP, panVISA} {
		if strings.Contains(string(raw), pan) {
			t.Fatalf("%s %s leaks a PAN", method, path)
		}
	}
	return resp.StatusCode, string(raw)
}

type caseJSON struct {
	ID       int64  `json:"id"`
	Kind     string `json:"kind"`
	Status   string `json:"status"`
	Priority string `json:"priority"`
	Assignee string `json:"assignee"`
	Outcome  string `json:"outcome"`
	Timeline []struct {
		Kind, Author, Text string
	} `json:"timeline"`
}

type errJSON struct {
	Error struct{ Code, Message string } `json:"error"`
}

func TestCaseAPI(t *testing.T) {
	w := newWorld(t)
	srv := caseServer(t, w)
	var c caseJSON
	st, _ := call(t, srv, "POST", "/v1/cases", map[string]any{"rrn": w.frozen.RRN, "txn_id": w.frozen.ID, "author": "merchant", "text": "customer complains"}, &c)
	if st != nethttp.StatusCreated || c.Kind != "merchant_complaint" || c.Status != "open" || len(c.Timeline) != 2 {
		t.Fatalf("open complaint: %d %+v", st, c)
	}
	st, _ = call(t, srv, "POST", "/v1/cases", map[string]any{"txn_id": w.frozen.ID, "author": "merchant", "text": "again"}, &c)
	if st != nethttp.StatusOK || len(c.Timeline) != 3 {
		t.Fatalf("repeat complaint: %d %+v", st, c)
	}
	path := fmt.Sprintf("/v1/cases/%d", c.ID)
	steps := []struct {
		method, path string
		body         any
		status       int
		errCode      string
	}{
		{"POST", path + "/assign", map[string]string{"assignee": "wang", "author": "lead"}, 200, ""},
		{"POST", path + "/entries", map[string]string{"kind": "step", "author": "wang", "text": "called merchant"}, 200, ""},
		{"POST", path + "/entries", map[string]string{"kind": "status", "author": "wang", "text": "x"}, 400, "invalid"},
		{"POST", path + "/entries", map[string]string{"kind": "note", "author": "wang", "text": "x", "extra": "y"}, 400, "invalid"},
		{"POST", path + "/status", map[string]string{"status": "waiting_merchant", "author": "wang"}, 200, ""},
		{"POST", path + "/status", map[string]string{"status": "closed", "author": "wang"}, 400, "invalid"},
		{"POST", path + "/resolve", map[string]string{"outcome": "merchant unfrozen after review", "author": "wang"}, 200, ""},
		{"POST", path + "/status", map[string]string{"status": "closed", "author": "lead"}, 200, ""},
		{"POST", "/v1/cases/999/resolve", map[string]string{"outcome": "x", "author": "y"}, 404, "not_found"},
		{"POST", "/v1/cases", map[string]any{"rrn": "999999999999", "author": "m", "text": "t"}, 404, "not_found"},
		{"GET", "/v1/cases?status=bogus", nil, 400, "invalid"},
	}
	for _, s := range steps {
		var e errJSON
		st, raw := call(t, srv, s.method, s.path, s.body, &e)
		if st != s.status || e.Error.Code != s.errCode {
			t.Fatalf("%s %s %v: %d %s, want %d %q", s.method, s.path, s.body, st, raw, s.status, s.errCode)
		}
	}
	call(t, srv, "GET", path, nil, &c)
	if c.Status != "closed" || c.Assignee != "wang" || c.Outcome == "" {
		t.Fatalf("final: %+v", c)
	}
	var list struct{ Cases []caseJSON }
	call(t, srv, "GET", "/v1/cases?kind=merchant_complaint&merchant="+w.frozen.MerchantID, nil, &list)
	if len(list.Cases) != 1 || list.Cases[0].ID != c.ID {
		t.Fatalf("list: %+v", list)
	}
	call(t, srv, "GET", "/v1/cases?merchant=nobody", nil, &list)
	if len(list.Cases) != 0 {
		t.Fatalf("filtered list: %+v", list)
	}
	var ev casework.Evidence
	if st, _ := call(t, srv, "GET", path+"/evidence", nil, &ev); st != 200 || len(ev.Transactions) != 1 || len(ev.Timeline) != 8 {
		t.Fatalf("evidence: %d %+v", st, ev)
	}
	st, text := call(t, srv, "GET", path+"/evidence?format=text", nil, nil)
	if st != 200 || !strings.Contains(text, "处理结果") || !strings.Contains(text, posguard.MaskPAN(panVISA)) {
		t.Fatalf("evidence text: %d\n%s", st, text)
	}
}

func TestWhy(t *testing.T) {
	w := newWorld(t)
	srv := caseServer(t, w)
	var zh, en struct {
		What, Why, Money string
		Todo             []string `json:"what_to_do"`
	}
	call(t, srv, "GET", fmt.Sprintf("/v1/transactions/%d/why", w.frozen.ID), nil, &zh)
	call(t, srv, "GET", fmt.Sprintf("/v1/transactions/%d/why?lang=en", w.frozen.ID), nil, &en)
	if !strings.Contains(zh.Why, "冻结") || !strings.Contains(zh.Money, "未扣款") || len(zh.Todo) == 0 {
		t.Fatalf("zh: %+v", zh)
	}
	if !strings.Contains(strings.ToLower(en.Why), "frozen") || en.Money != "The cardholder was not charged" {
		t.Fatalf("en: %+v", en)
	}
}

func TestAnalyticsAPI(t *testing.T) {
	w := newWorld(t)
	srv := caseServer(t, w)
	var n struct{ ID int64 }
	st, _ := call(t, srv, "POST", "/v1/notices", map[string]any{"kind": "maintenance", "title": "upgrade tonight", "author": "ops",
		"merchants": []string{"M00000000000001"}}, &n)
	if st != 201 || n.ID == 0 {
		t.Fatalf("post notice: %d", st)
	}
	var e errJSON
	if st, _ := call(t, srv, "POST", "/v1/notices", map[string]any{"kind": "party", "title": "x", "author": "y"}, &e); st != 400 {
		t.Fatalf("bad notice kind: %d", st)
	}
	var mine struct{ Notices []struct{ Title string } }
	call(t, srv, "GET", "/v1/merchants/M00000000000001/notices", nil, &mine)
	if len(mine.Notices) != 1 || mine.Notices[0].Title != "upgrade tonight" {
		t.Fatalf("merchant notices: %+v", mine)
	}
	call(t, srv, "GET", "/v1/merchants/M00000000000002/notices", nil, &mine)
	if len(mine.Notices) != 0 {
		t.Fatalf("other merchant sees %+v", mine)
	}
	var rep struct {
		By     string
		Totals []analytics.Rate
	}
	if st, raw := call(t, srv, "GET", "/v1/analytics/failures?by=issuer_bin&window=minute", nil, &rep); st != 200 || rep.By != "issuer_bin" {
		t.Fatalf("failures: %d %s", st, raw)
	}
	if st, _ := call(t, srv, "GET", "/v1/analytics/failures?by=colour", nil, &e); st != 400 || e.Error.Code != "invalid" {
		t.Fatalf("bad by: %d", st)
	}
	var h analytics.Health
	if st, _ := call(t, srv, "GET", "/v1/terminals/T0000001/health", nil, &h); st != 200 || h.TerminalID != "T0000001" || !h.FirmwareOld {
		t.Fatalf("health: %d %+v", st, h)
	}
	if st, _ := call(t, srv, "GET", "/v1/terminals/T0000009/health", nil, &e); st != 404 {
		t.Fatalf("unknown terminal health: %d", st)
	}
	var att struct{ Terminals []analytics.Health }
	if st, _ := call(t, srv, "GET", "/v1/terminals/attention", nil, &att); st != 200 || len(att.Terminals) == 0 {
		t.Fatalf("attention: %d %+v", st, att)
	}
	// Without the services the routes answer 404 in the error shape.
	bare := httptest.NewServer(asStaff(t, &api.Server{Store: w.store}, w.store))
	defer bare.Close()
	if st, _ := call(t, bare, "GET", "/v1/cases", nil, &e); st != 404 || e.Error.Code != "not_found" {
		t.Fatalf("cases disabled: %d", st)
	}
}
