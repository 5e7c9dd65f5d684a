package simnet

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard"
)

func adminGet(t *testing.T, srv *httptest.Server, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("content type %q", ct)
	}
	return resp.StatusCode, strings.TrimSpace(string(b))
}

func adminPost(t *testing.T, srv *httptest.Server, path, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(srv.URL+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b))
}

func TestAdminAccountsShape(t *testing.T) {
	cards := []posguard.Card{
		{PAN: "6225880000001017", Expiry: "2812", PIN: pinOK, Balance: 124400, Status: posguard.CardActive},
		{PAN: "6217000000000018", Expiry: "2812", PIN: pinOK, Balance: 500, Status: posguard.CardActive},
	}
	n := New(cards, testZoneKey, Options{Logger: quiet(), Now: func() time.Time { return time.Date(2026, 3, 11, 0, 0, 0, 0, time.UTC) }})
	o := n.process(&posguard.UpstreamRequest{MTI: "0200", ProcCode: "000000", PAN: "6225880000001017", Amount: 1000,
		STAN: "000123", Time: "0311101530", RRN: "331510000123", TerminalID: "10000001"})
	if o.resp.Code != "00" {
		t.Fatalf("sale: %s", o.resp.Code)
	}
	srv := httptest.NewServer(n.Handler())
	defer srv.Close()
	status, body := adminGet(t, srv, "/accounts")
	want := `[{"pan":"621700******0018","balance":500,"available":500,"held":0,"postings":[]},` +
		`{"pan":"622588******1017","balance":123400,"available":123400,"held":0,"postings":[{"stan":"000123","rrn":"331510000123","amount":1000,"kind":"sale","state":"posted",` +
		`"terminal":"10000001","merchant":"","transmitted":"0311101530","clearing_date":"2026-03-11"}]}]`
	if status != http.StatusOK || body != want {
		t.Fatalf("GET /accounts = %d\n%s\nwant\n%s", status, body, want)
	}
	if strings.Contains(body, "6225880000001017") {
		t.Fatal("full PAN in the admin API")
	}
}

func TestAdminFaults(t *testing.T) {
	now := time.Date(2026, 3, 11, 0, 0, 0, 0, time.UTC)
	n := New(nil, testZoneKey, Options{Logger: quiet(), Now: func() time.Time { return now }})
	srv := httptest.NewServer(n.Handler())
	defer srv.Close()

	status, body := adminPost(t, srv, "/faults", `{"spec": "timeout=0.05, drop_after_approve=0.02,outage=622588:30s"}`)
	if status != http.StatusOK {
		t.Fatalf("POST /faults = %d %s", status, body)
	}
	status, body = adminGet(t, srv, "/faults")
	want := `{"spec":"timeout=0.05,drop_after_approve=0.02,outage=622588:30s",` +
		`"windows":[{"kind":"outage","bin":"622588","until":"2026-03-11T00:00:30Z","active":true}]}`
	if status != http.StatusOK || body != want {
		t.Fatalf("GET /faults = %d\n%s\nwant\n%s", status, body, want)
	}
	if f := n.Faults(); f.Timeout != 0.05 || f.DropAfterApprove != 0.02 {
		t.Fatalf("faults %+v", f)
	}

	for _, bad := range []string{`{"spec": "timeout=2"}`, `{"spec": "bogus=1"}`, `not json`, `{}`, `{"spec": "", "x": 1}`} {
		status, body := adminPost(t, srv, "/faults", bad)
		var e struct{ Error string }
		if status != http.StatusBadRequest || json.Unmarshal([]byte(body), &e) != nil || e.Error == "" {
			t.Fatalf("POST %s = %d %s; want 400 with a JSON error", bad, status, body)
		}
	}
	if _, body := adminPost(t, srv, "/faults", `{"spec": "timeout=2"}`); !strings.Contains(body, "timeout=2") {
		t.Fatalf("error does not name the bad item: %s", body)
	}
	if f := n.Faults(); f.Timeout != 0.05 {
		t.Fatal("a bad spec changed the fault mix")
	}
	if status, _ := adminPost(t, srv, "/faults", `{"spec": ""}`); status != http.StatusOK || n.Faults().Timeout != 0 {
		t.Fatal("empty spec did not clear the faults")
	}
}

func TestAdminStats(t *testing.T) {
	r := newRig(t, "")
	sale := r.sale(panOK, 100)
	r.send(sale)
	r.send(sale)
	r.send(r.sale(panLost, 100))
	r.send(r.reversalOf(sale))
	srv := httptest.NewServer(r.net.Handler())
	defer srv.Close()
	status, body := adminGet(t, srv, "/stats")
	want := `{"requests":4,"answers":{"00":3,"41":1},"faults":{},"reversals_applied":1,"reversals_unmatched":0,"reversals_resent":0,"reversals_resent_after_drop":0,"duplicates":1,"format_errors":0}`
	if status != http.StatusOK || body != want {
		t.Fatalf("GET /stats = %d\n%s\nwant\n%s", status, body, want)
	}
	if status, _ := adminPost(t, srv, "/stats", "{}"); status != http.StatusMethodNotAllowed {
		t.Fatalf("POST /stats = %d", status)
	}
}
