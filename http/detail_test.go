package http_test

import (
	"context"
	"encoding/hex"
	"errors"
	"io"
	"maps"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard"
	api "github.com/posguard/posguard/http"
	"github.com/posguard/posguard/metrics"
)

type textJSON struct {
	ZH string `json:"zh"`
	EN string `json:"en"`
}

type reversalJSON struct {
	ID          int64  `json:"id"`
	TxnID       int64  `json:"txn_id"`
	State       string `json:"state"`
	Reason      string `json:"reason"`
	Attempts    int    `json:"attempts"`
	AgeSeconds  int64  `json:"age_seconds"`
	NextAttempt string `json:"next_attempt"`
	LastError   string `json:"last_error"`
}

type detailJSON struct {
	txnJSON
	Reason   string            `json:"reason"`
	Detail   map[string]string `json:"detail"`
	Response *struct {
		Code     string    `json:"code"`
		Approved bool      `json:"approved"`
		Name     *textJSON `json:"name"`
		Meaning  *textJSON `json:"meaning"`
	} `json:"response"`
	Explanation *struct {
		Code     string            `json:"code"`
		Reason   string            `json:"reason"`
		Known    bool              `json:"known"`
		Category string            `json:"category"`
		Actor    string            `json:"actor"`
		Meaning  textJSON          `json:"meaning"`
		Summary  textJSON          `json:"summary"`
		Remedy   []textJSON        `json:"remedy"`
		Evidence map[string]string `json:"evidence"`
	} `json:"explanation"`
	History []struct {
		At     string `json:"at"`
		State  string `json:"state"`
		Code   string `json:"code"`
		Reason string `json:"reason"`
		Note   string `json:"note"`
	} `json:"history"`
	Reversal *reversalJSON `json:"reversal"`
}

func TestTransactionDetail(t *testing.T) {
	w := newWorld(t)
	get := func(t *testing.T, id int64) detailJSON {
		t.Helper()
		var d detailJSON
		if st := w.get(t, "/v1/transactions/"+strconv.FormatInt(id, 10), &d); st != 200 {
			t.Fatalf("status %d", st)
		}
		return d
	}

	t.Run("declined by issuer", func(t *testing.T) {
		d := get(t, w.declined.ID)
		if d.ID != w.declined.ID || d.State != "declined" || d.PAN != "622588******5678" {
			t.Fatalf("header %+v", d.txnJSON)
		}
		if len(d.History) != 2 || d.History[0].State != "forwarded" || d.History[1].State != "declined" ||
			d.History[1].Code != "51" || d.History[1].Note != "issuer answered 51" {
			t.Fatalf("history %+v", d.History)
		}
		if d.Response == nil || d.Response.Code != "51" || d.Response.Approved ||
			d.Response.Meaning == nil || d.Response.Meaning.ZH == "" || d.Response.Meaning.EN == "" ||
			d.Response.Name == nil || d.Response.Name.EN == "" {
			t.Fatalf("response %+v", d.Response)
		}
		x := d.Explanation
		if x == nil || !x.Known || x.Code != "51" || x.Reason != "issuer.51" || x.Category == "" ||
			x.Actor == "" || len(x.Remedy) == 0 || x.Remedy[0].ZH == "" || x.Summary.EN == "" {
			t.Fatalf("explanation %+v", x)
		}
		if x.Evidence["upstream_ms"] != "412" {
			t.Fatalf("evidence %v", x.Evidence)
		}
		// A card number that slipped into the evidence is masked.
		if d.Detail["leak"] != "card 622588******5678" || x.Evidence["leak"] != "card 622588******5678" {
			t.Fatalf("detail %v evidence %v", d.Detail, x.Evidence)
		}
		if d.Reversal != nil {
			t.Fatalf("a declined sale has no reversal, got %+v", d.Reversal)
		}
	})

	t.Run("rejected by a gate", func(t *testing.T) {
		d := get(t, w.frozen.ID)
		x := d.Explanation
		if x == nil || x.Reason != posguard.ReasonMerchantFrozen || x.Code != "03" || !x.Known {
			t.Fatalf("explanation %+v", x)
		}
		if x.Evidence["status_since"] != "2026-02-20T09:00:00Z" {
			t.Fatalf("evidence %v", x.Evidence)
		}
		// The summary names the status date from the evidence.
		if !strings.Contains(x.Summary.EN, "2026-02-20") || !strings.Contains(x.Summary.ZH, "2026-02-20") {
			t.Fatalf("summary %+v does not name the status date", x.Summary)
		}
		if len(d.History) != 2 || d.History[1].Note != "gate merchant" {
			t.Fatalf("history %+v", d.History)
		}
	})

	t.Run("approved", func(t *testing.T) {
		d := get(t, w.approved.ID)
		if d.Explanation != nil {
			t.Fatalf("an approval is not explained: %+v", d.Explanation)
		}
		if d.Response == nil || !d.Response.Approved || d.Response.Meaning == nil {
			t.Fatalf("response %+v", d.Response)
		}
		if d.AmountYuan != "12.34" || d.Amount != 1234 {
			t.Fatalf("amount %d %q", d.Amount, d.AmountYuan)
		}
	})

	t.Run("pending reversal", func(t *testing.T) {
		d := get(t, w.timedOut.ID)
		r := d.Reversal
		if r == nil {
			t.Fatal("no reversal")
		}
		want := reversalJSON{ID: w.pendingRev.ID, TxnID: w.timedOut.ID, State: "pending",
			Reason: posguard.ReasonNetworkTimeout, Attempts: 1,
			AgeSeconds:  int64(t0.Add(24*time.Hour).Sub(w.pendingRev.CreatedAt) / time.Second),
			NextAttempt: t0.Add(48 * time.Hour).Format(time.RFC3339), LastError: "upstream: no answer in 10s"}
		if *r != want {
			t.Fatalf("reversal\n got %+v\nwant %+v", *r, want)
		}
		if d.Explanation == nil || d.Explanation.Reason != posguard.ReasonNetworkTimeout {
			t.Fatalf("explanation %+v", d.Explanation)
		}
	})

	t.Run("acknowledged reversal", func(t *testing.T) {
		d := get(t, w.reversed.ID)
		if d.State != "reversed" || d.Reversal == nil || d.Reversal.State != "done" ||
			d.Reversal.ID != w.doneRev.ID || d.Reversal.NextAttempt != "" {
			t.Fatalf("state %s reversal %+v", d.State, d.Reversal)
		}
		if n := len(d.History); n != 3 || d.History[n-1].State != "reversed" {
			t.Fatalf("history %+v", d.History)
		}
	})
}

func TestReversals(t *testing.T) {
	w := newWorld(t)
	tests := []struct {
		query string
		want  []int64 // transaction IDs
	}{
		{"", []int64{w.reversed.ID, w.timedOut.ID}},
		{"?state=pending", []int64{w.timedOut.ID}},
		{"?state=done", []int64{w.reversed.ID}},
		{"?state=pending&limit=1", []int64{w.timedOut.ID}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			var out struct {
				Reversals []reversalJSON `json:"reversals"`
			}
			if st := w.get(t, "/v1/reversals"+tt.query, &out); st != 200 {
				t.Fatalf("status %d", st)
			}
			var got []int64
			for _, r := range out.Reversals {
				got = append(got, r.TxnID)
				if r.AgeSeconds <= 0 {
					t.Errorf("reversal %d: age %d", r.ID, r.AgeSeconds)
				}
			}
			slices.Sort(got)
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("txn IDs %v, want %v", got, want)
			}
		})
	}
}

func TestExplain(t *testing.T) {
	w := newWorld(t)
	for _, tt := range []struct{ key, code, category string }{
		{"51", "51", "cardholder"},
		{"merchant.frozen", "03", "merchant_status"},
		{"limit.daily_amount", "61", "limit"},
	} {
		t.Run(tt.key, func(t *testing.T) {
			var e struct {
				Key      string     `json:"key"`
				Code     string     `json:"code"`
				Category string     `json:"category"`
				Actor    string     `json:"actor"`
				Meaning  textJSON   `json:"meaning"`
				Remedy   []textJSON `json:"remedy"`
			}
			if st := w.get(t, "/v1/explain/"+tt.key, &e); st != 200 {
				t.Fatalf("status %d", st)
			}
			if e.Code != tt.code || e.Category != tt.category || e.Meaning.ZH == "" || e.Meaning.EN == "" ||
				len(e.Remedy) == 0 || e.Actor == "" {
				t.Fatalf("entry %+v", e)
			}
		})
	}
}

func TestTerminalHasNoKeys(t *testing.T) {
	w := newWorld(t)
	var raw map[string]any
	if st := w.get(t, "/v1/terminals/T0000001", &raw); st != 200 {
		t.Fatalf("status %d", st)
	}
	keys := slices.Sorted(maps.Keys(raw))
	want := []string{"batch", "firmware", "id", "last_seen", "merchant_id", "model", "signed_on", "signed_on_at", "status"}
	for _, k := range keys {
		if !slices.Contains(want, k) {
			t.Errorf("unexpected field %q", k)
		}
	}
	if raw["signed_on"] != true || raw["batch"] != "000007" || raw["signed_on_at"] != t0.Format(time.RFC3339) ||
		raw["model"] != "PAX S90" || raw["merchant_id"] != "M00000000000001" {
		t.Fatalf("terminal %v", raw)
	}
	body := w.bodies[len(w.bodies)-1]
	for _, b := range []byte{0xA7, 0xB1, 0xC2} {
		k := strings.Repeat(hex.EncodeToString([]byte{b}), 8)
		if strings.Contains(strings.ToLower(body), k) {
			t.Fatalf("body holds key material %s: %s", k, body)
		}
	}
}

func TestMerchant(t *testing.T) {
	w := newWorld(t)
	var m struct {
		ID          string `json:"id"`
		Status      string `json:"status"`
		StatusSince string `json:"status_since"`
		Kind        string `json:"kind"`
		FeePlan     string `json:"fee_plan"`
		Limits      struct {
			PerTxn     int64  `json:"per_txn"`
			PerTxnYuan string `json:"per_txn_yuan"`
			DailyCount int    `json:"daily_count"`
		} `json:"limits"`
		Account struct {
			Bank   string `json:"bank"`
			Number string `json:"number_masked"`
		} `json:"settlement_account"`
	}
	if st := w.get(t, "/v1/merchants/M00000000000001", &m); st != 200 {
		t.Fatalf("status %d", st)
	}
	if m.Status != "active" || m.Kind != "individual" || m.FeePlan != "standard-0.6" || m.StatusSince == "" ||
		m.Limits.PerTxn != 500000 || m.Limits.PerTxnYuan != "5000.00" || m.Limits.DailyCount != 200 {
		t.Fatalf("merchant %+v", m)
	}
	if m.Account.Bank != "ICBC" || m.Account.Number != "***************0123" {
		t.Fatalf("account %+v", m.Account)
	}
	if strings.Contains(w.bodies[len(w.bodies)-1], accountNumber[:12]) {
		t.Fatal("settlement account number not masked")
	}
}

func TestHealthz(t *testing.T) {
	w := newWorld(t)
	w.api.Health = func(context.Context) map[string]string {
		return map[string]string{"network": "connected 2/2", "status": "overridden?"}
	}
	var h map[string]string
	if st := w.get(t, "/healthz", &h); st != 200 {
		t.Fatalf("status %d", st)
	}
	if want := map[string]string{"status": "ok", "store": "ok", "network": "connected 2/2"}; !maps.Equal(h, want) {
		t.Fatalf("healthz %v, want %v", h, want)
	}
	if err := w.store.Close(); err != nil {
		t.Fatal(err)
	}
	h = nil
	if st := w.get(t, "/healthz", &h); st != 503 {
		t.Fatalf("closed store: status %d", st)
	}
	if h["status"] != "unavailable" || h["store"] != "unavailable" || h["network"] != "connected 2/2" {
		t.Fatalf("healthz %v", h)
	}
}

func TestMetricsEndpoint(t *testing.T) {
	w := newWorld(t)
	m := metrics.New()
	m.FrameError("length")
	srv := httptest.NewServer(asStaff(t, &api.Server{Store: w.store, Metrics: m.Handler()}, w.store))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || !strings.Contains(string(b), `posguard_frame_errors_total{kind="length"} 1`) {
		t.Fatalf("status %d body %.300s", resp.StatusCode, b)
	}
}

// failingStore fails listing with an error whose text must stay inside.
type failingStore struct {
	posguard.Store
	err error
}

func (f failingStore) List(context.Context, posguard.TxnFilter) ([]*posguard.Transaction, error) {
	return nil, f.err
}

func TestErrorStatusTable(t *testing.T) {
	w := newWorld(t)
	tests := []struct {
		err     error
		status  int
		code    string
		message string
	}{
		{errors.New("open /var/lib/posguard/secret.db: disk I/O error"), 500, "internal", "internal error"},
		{posguard.Errorf(posguard.EINTERNAL, "query at /var/lib/secret failed"), 500, "internal", "internal error"},
		{posguard.Errorf(posguard.EUNAVAILABLE, "store unavailable"), 503, "unavailable", "store unavailable"},
		{posguard.Errorf(posguard.ETIMEOUT, "store timed out"), 504, "timeout", "store timed out"},
		{posguard.Errorf(posguard.ECONFLICT, "busy"), 409, "conflict", "busy"},
		{posguard.Errorf(posguard.EUNAUTHORIZED, "who are you"), 401, "unauthorized", "who are you"},
		{posguard.Errorf("weird", "odd code"), 500, "internal", "internal error"},
	}
	for _, tt := range tests {
		t.Run(tt.err.Error(), func(t *testing.T) {
			srv := httptest.NewServer(asStaff(t, &api.Server{Store: failingStore{w.store, tt.err}}, w.store))
			defer srv.Close()
			wc := &world{srv: srv}
			var e apiError
			if st := wc.get(t, "/v1/transactions", &e); st != tt.status {
				t.Fatalf("status %d, want %d", st, tt.status)
			}
			if e.Error.Code != tt.code || e.Error.Message != tt.message {
				t.Fatalf("error %+v, want %s %q", e.Error, tt.code, tt.message)
			}
		})
	}
}

// TestNoCardNumberInAnyBody fetches every endpoint, including ones that
// name a card number in the path, and checks that no body carries a run of
// 16 to 19 digits, the PAN hash or a full fixture PAN.
func TestNoCardNumberInAnyBody(t *testing.T) {
	w := newWorld(t)
	paths := []string{
		"/v1/transactions?limit=1000",
		"/v1/reversals",
		"/v1/terminals/T0000001",
		"/v1/terminals/T0000002",
		"/v1/merchants/M00000000000001",
		"/v1/merchants/M00000000000002",
		"/v1/explain/51",
		"/v1/explain/" + panCUP,
		"/v1/transactions/" + panCUP,
		"/v1/transactions?merchant=" + panCUP,
		"/v1/transactions?code=" + panVISA,
		"/healthz",
	}
	for _, x := range w.txns {
		paths = append(paths, "/v1/transactions/"+strconv.FormatInt(x.ID, 10))
	}
	for _, p := range paths {
		w.get(t, p, nil)
	}
	for i, body := range w.bodies {
		if m := panRun.FindString(body); m != "" {
			t.Errorf("%s: digit run %q in %.200s", paths[i], m, body)
		}
		if strings.Contains(body, panCUP) || strings.Contains(body, panVISA) ||
			strings.Contains(body, "pan_hash") || strings.Contains(body, "ab12000") {
			t.Errorf("%s: card data in %.200s", paths[i], body)
		}
	}
}
