package http_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard"
)

// txnJSON is the part of a listed transaction the tests read.
type txnJSON struct {
	ID           int64  `json:"id"`
	State        string `json:"state"`
	TerminalID   string `json:"terminal_id"`
	MerchantID   string `json:"merchant_id"`
	PAN          string `json:"pan"`
	Amount       int64  `json:"amount"`
	AmountYuan   string `json:"amount_yuan"`
	ResponseCode string `json:"response_code"`
	CreatedAt    string `json:"created_at"`
}

type listJSON struct {
	Transactions []txnJSON `json:"transactions"`
	NextCursor   string    `json:"next_cursor"`
}

// listAll pages through query with the cursor and returns every ID in the
// order served, failing on a repeated ID.
func (w *world) listAll(t *testing.T, query url.Values) ([]int64, int) {
	t.Helper()
	var ids []int64
	pages := 0
	seen := map[int64]bool{}
	for {
		var page listJSON
		if st := w.get(t, "/v1/transactions?"+query.Encode(), &page); st != 200 {
			t.Fatalf("list %s: status %d", query.Encode(), st)
		}
		pages++
		for _, tx := range page.Transactions {
			if seen[tx.ID] {
				t.Fatalf("ID %d served twice", tx.ID)
			}
			seen[tx.ID] = true
			ids = append(ids, tx.ID)
		}
		if page.NextCursor == "" {
			return ids, pages
		}
		if pages > 200 {
			t.Fatal("paging does not end")
		}
		query.Set("cursor", page.NextCursor)
	}
}

// expect returns the fixture's IDs matching keep, newest first.
func (w *world) expect(keep func(*posguard.Transaction) bool) []int64 {
	var ids []int64
	for i := len(w.txns) - 1; i >= 0; i-- {
		if keep(w.txns[i]) {
			ids = append(ids, w.txns[i].ID)
		}
	}
	return ids
}

func TestListFilters(t *testing.T) {
	w := newWorld(t)
	mid := w.txns[60].CreatedAt
	late := w.txns[100].CreatedAt
	tests := []struct {
		name  string
		query url.Values
		keep  func(*posguard.Transaction) bool
	}{
		{"all", url.Values{}, func(*posguard.Transaction) bool { return true }},
		{"merchant", url.Values{"merchant": {"M00000000000002"}},
			func(x *posguard.Transaction) bool { return x.MerchantID == "M00000000000002" }},
		{"terminal", url.Values{"terminal": {"T0000001"}},
			func(x *posguard.Transaction) bool { return x.TerminalID == "T0000001" }},
		{"state", url.Values{"state": {"reversal_pending"}},
			func(x *posguard.Transaction) bool { return x.State == posguard.StateReversalPending }},
		{"code", url.Values{"code": {"98"}},
			func(x *posguard.Transaction) bool { return x.ResponseCode == "98" }},
		{"code and terminal", url.Values{"code": {"00"}, "terminal": {"T0000002"}},
			func(x *posguard.Transaction) bool { return x.ResponseCode == "00" && x.TerminalID == "T0000002" }},
		{"from", url.Values{"from": {mid.Format(time.RFC3339)}},
			func(x *posguard.Transaction) bool { return !x.CreatedAt.Before(mid) }},
		{"from to", url.Values{"from": {mid.Format(time.RFC3339)}, "to": {late.Format(time.RFC3339)}},
			func(x *posguard.Transaction) bool { return !x.CreatedAt.Before(mid) && x.CreatedAt.Before(late) }},
		{"nothing", url.Values{"merchant": {"M99"}}, func(*posguard.Transaction) bool { return false }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := w.expect(tt.keep)
			if tt.name != "nothing" && len(want) == 0 {
				t.Fatal("fixture has no match; the case proves nothing")
			}
			q := url.Values{}
			for k, v := range tt.query {
				q[k] = v
			}
			q.Set("limit", "1000")
			got, _ := w.listAll(t, q)
			if !slices.Equal(got, want) {
				t.Fatalf("got %d IDs %v\nwant %d IDs %v", len(got), got, len(want), want)
			}
		})
	}
}

func TestListPaging(t *testing.T) {
	w := newWorld(t)
	all := w.expect(func(*posguard.Transaction) bool { return true })
	if len(all) <= 100 {
		t.Fatalf("fixture has only %d rows", len(all))
	}
	for _, tt := range []struct {
		limit string
		pages int
	}{
		{"", (len(all) + 49) / 50}, // default page size 50
		{"7", (len(all) + 6) / 7},
		{"1", len(all)},
		{"1000", 1},
	} {
		t.Run("limit="+tt.limit, func(t *testing.T) {
			q := url.Values{}
			if tt.limit != "" {
				q.Set("limit", tt.limit)
			}
			got, pages := w.listAll(t, q)
			if !slices.Equal(got, all) {
				t.Fatalf("paged IDs differ: got %d, want %d", len(got), len(all))
			}
			if pages != tt.pages {
				t.Fatalf("%d pages, want %d", pages, tt.pages)
			}
		})
	}
	// An exact multiple of the page size ends without an empty page.
	q := url.Values{"limit": {"5"}, "terminal": {"T0000002"}}
	n := len(w.expect(func(x *posguard.Transaction) bool { return x.TerminalID == "T0000002" }))
	if _, pages := w.listAll(t, q); n%5 == 0 && pages != n/5 || n%5 != 0 && pages != n/5+1 {
		t.Fatalf("%d rows in %d pages of 5", n, pages)
	}
}

func TestListRendering(t *testing.T) {
	w := newWorld(t)
	var page listJSON
	if st := w.get(t, "/v1/transactions?limit=1&state=declined", &page); st != 200 || len(page.Transactions) != 1 {
		t.Fatalf("status %d, %d rows", st, len(page.Transactions))
	}
	got := page.Transactions[0]
	want := txnJSON{ID: w.declined.ID, State: "declined", TerminalID: "T0000001", MerchantID: "M00000000000001",
		PAN: "622588******5678", Amount: 98765, AmountYuan: "987.65", ResponseCode: "51",
		CreatedAt: w.declined.CreatedAt.Format(time.RFC3339)}
	if got != want {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
	if page.NextCursor != "" {
		t.Fatalf("one declined transaction, yet a next cursor %q", page.NextCursor)
	}
}

func TestBadParameters(t *testing.T) {
	w := newWorld(t)
	tests := []struct {
		path, param string
	}{
		{"/v1/transactions?state=lost", "state"},
		{"/v1/transactions?code=123", "code"},
		{"/v1/transactions?code=5", "code"},
		{"/v1/transactions?from=yesterday", "from"},
		{"/v1/transactions?to=2026-13-01T00:00:00Z", "to"},
		{"/v1/transactions?from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z", "to"},
		{"/v1/transactions?limit=0", "limit"},
		{"/v1/transactions?limit=1001", "limit"},
		{"/v1/transactions?limit=ten", "limit"},
		{"/v1/transactions?cursor=garbage!", "cursor"},
		{"/v1/transactions?cursor=" + url.QueryEscape("dDE6LTU"), "cursor"}, // "t1:-5"
		{"/v1/transactions?merchant=" + strings.Repeat("M", 16), "merchant"},
		{"/v1/transactions?terminal=T%200001", "terminal"},
		{"/v1/transactions/abc", "id"},
		{"/v1/transactions/-4", "id"},
		{"/v1/reversals?state=stuck", "state"},
		{"/v1/reversals?limit=-1", "limit"},
		{"/v1/terminals/T000000001", "id"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			var e apiError
			if st := w.get(t, tt.path, &e); st != 400 {
				t.Fatalf("status %d, want 400", st)
			}
			if e.Error.Code != posguard.EINVALID || !strings.HasPrefix(e.Error.Message, tt.param+": ") {
				t.Fatalf("error %+v does not name %q", e.Error, tt.param)
			}
		})
	}
}

func TestNotFound(t *testing.T) {
	w := newWorld(t)
	tests := []struct {
		method, path string
		status       int
		code         string
	}{
		{"GET", "/v1/transactions/999999", 404, posguard.ENOTFOUND},
		{"GET", "/v1/terminals/T9999999", 404, posguard.ENOTFOUND},
		{"GET", "/v1/merchants/M99999999999999", 404, posguard.ENOTFOUND},
		{"GET", "/v1/explain/no.such.reason", 404, posguard.ENOTFOUND},
		{"GET", "/v1/explain/Q7", 404, posguard.ENOTFOUND},
		{"GET", "/v1/nothing", 404, posguard.ENOTFOUND},
		{"GET", "/metrics", 404, posguard.ENOTFOUND}, // no Metrics handler set
		{"POST", "/v1/transactions", 405, posguard.EINVALID},
		{"DELETE", "/v1/transactions/1", 405, posguard.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			var e apiError
			if st := w.do(t, tt.method, tt.path, &e); st != tt.status {
				t.Fatalf("status %d, want %d", st, tt.status)
			}
			if e.Error.Code != tt.code || e.Error.Message == "" {
				t.Fatalf("error %+v, want code %q and a message", e.Error, tt.code)
			}
		})
	}
}
