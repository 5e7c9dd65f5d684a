package http_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard"
)

// TestBadFiltersRefused: every list refuses a parameter it cannot honour
// with 400 naming it, instead of answering everything.
func TestBadFiltersRefused(t *testing.T) {
	f := newFullServer(t)
	for _, path := range []string{
		"/v1/incidents?status=lost", "/v1/incidents?kind=wifi", "/v1/incidents?limit=0",
		"/v1/merchants/M00000000000001/settlements?from=yesterday", "/v1/merchants/M00000000000001/settlements?from=2026-03-02&to=2026-03-01",
		"/v1/reversals?cursor=nonsense", "/v1/notices?all=maybe", "/v1/cases?status=lost", "/v1/cases?priority=P9",
		fmt.Sprintf("/v1/transactions/%d/why?lang=fr", f.declined.ID), fmt.Sprintf("/v1/transactions/%d/why?lang=english", f.declined.ID),
		"/v1/transactions?rrn=1", "/v1/transactions?card_tail=12a4", "/v1/transactions?amount=1.5", "/v1/transactions?amount_yuan=1.234",
		"/v1/transactions?amount=100&amount_yuan=1.00", "/v1/transactions?auth_code=A%2012",
	} {
		var e apiError
		if st, body := f.call(t, "GET", path, "", &e); st != 400 || e.Error.Code != "invalid" {
			t.Errorf("GET %s: %d %s, want 400 invalid", path, st, body)
		}
	}
	var why struct {
		Lang string `json:"lang"`
		What string `json:"what"`
	}
	if st, _ := f.call(t, "GET", fmt.Sprintf("/v1/transactions/%d/why?lang=en", f.declined.ID), "", &why); st != 200 || why.Lang != "en" || !strings.Contains(why.What, "declined") {
		t.Errorf("why in English: %d %+v", st, why)
	}
}

// TestTransactionSearch: rrn, auth_code, card_tail and amount narrow the
// journal; before, ?rrn= was ignored and the whole journal came back.
func TestTransactionSearch(t *testing.T) {
	f := newFullServer(t)
	var list struct {
		Transactions []struct {
			ID     int64  `json:"id"`
			RRN    string `json:"rrn"`
			PAN    string `json:"pan"`
			Amount int64  `json:"amount"`
		} `json:"transactions"`
	}
	get := func(q string) []int64 {
		t.Helper()
		list.Transactions = nil
		if st, body := f.call(t, "GET", "/v1/transactions?limit=1000&"+q, "", &list); st != 200 {
			t.Fatalf("%s: %d %s", q, st, body)
		}
		var ids []int64
		for _, x := range list.Transactions {
			ids = append(ids, x.ID)
		}
		return ids
	}
	if ids := get("rrn=" + f.declined.RRN); fmt.Sprint(ids) != fmt.Sprint([]int64{f.declined.ID}) {
		t.Errorf("rrn %s: %v, want [%d]", f.declined.RRN, ids, f.declined.ID)
	}
	if ids := get("amount=98765"); fmt.Sprint(ids) != fmt.Sprint([]int64{f.declined.ID}) {
		t.Errorf("amount 98765: %v", ids)
	}
	if ids := get("amount_yuan=987.65"); fmt.Sprint(ids) != fmt.Sprint([]int64{f.declined.ID}) {
		t.Errorf("amount_yuan 987.65: %v", ids)
	}
	visa := 0
	for _, x := range f.txns {
		if strings.HasSuffix(x.PANMasked, "1111") {
			visa++
		}
	}
	if ids := get("card_tail=1111"); len(ids) != visa || visa == 0 {
		t.Errorf("card_tail 1111: %d rows, want %d", len(ids), visa)
	}
	for _, x := range list.Transactions {
		if !strings.HasSuffix(x.PAN, "1111") {
			t.Errorf("card_tail 1111 found %s", x.PAN)
		}
	}
	if ids := get("card_tail=1111&amount=888"); fmt.Sprint(ids) != fmt.Sprint([]int64{f.reversed.ID}) {
		t.Errorf("card_tail and amount: %v, want [%d]", ids, f.reversed.ID)
	}
	if ids := get("rrn=999999999999"); len(ids) != 0 {
		t.Errorf("unknown rrn: %v", ids)
	}
	ctx := context.Background()
	if err := f.store.Update(ctx, posguard.TxnUpdate{ID: f.approved.ID, AuthCode: "A1B2C3"}); err != nil {
		t.Fatal(err)
	}
	if ids := get("auth_code=A1B2C3"); fmt.Sprint(ids) != fmt.Sprint([]int64{f.approved.ID}) {
		t.Errorf("auth_code: %v, want [%d]", ids, f.approved.ID)
	}
}

// TestReversalsCursor pages the reversal queue with next_cursor.
func TestReversalsCursor(t *testing.T) {
	f := newFullServer(t)
	type page struct {
		Reversals []struct {
			ID int64 `json:"id"`
		} `json:"reversals"`
		NextCursor string `json:"next_cursor"`
	}
	var p1, p2 page
	if st, body := f.call(t, "GET", "/v1/reversals?limit=1", "", &p1); st != 200 || len(p1.Reversals) != 1 || p1.NextCursor == "" {
		t.Fatalf("first page: %d %s", st, body)
	}
	if st, body := f.call(t, "GET", "/v1/reversals?limit=1&cursor="+p1.NextCursor, "", &p2); st != 200 || len(p2.Reversals) != 1 {
		t.Fatalf("second page: %d %s", st, body)
	}
	if p2.Reversals[0].ID >= p1.Reversals[0].ID || p2.NextCursor != "" {
		t.Fatalf("pages %+v then %+v: want an older reversal and no further cursor", p1, p2)
	}
}

// TestReversalAttemptsAgreeWithHistory: a reversal acknowledged at its
// first attempt shows attempts 1, as the history note says.
func TestReversalAttemptsAgreeWithHistory(t *testing.T) {
	f := newFullServer(t)
	var d struct {
		Reversal struct {
			State    string `json:"state"`
			Attempts int    `json:"attempts"`
		} `json:"reversal"`
	}
	if st, body := f.call(t, "GET", fmt.Sprintf("/v1/transactions/%d", f.reversed.ID), "", &d); st != 200 {
		t.Fatalf("%d %s", st, body)
	}
	if d.Reversal.State != "done" || d.Reversal.Attempts != 1 {
		t.Fatalf("acknowledged reversal: %+v, want done after 1 attempt", d.Reversal)
	}
	if st, body := f.call(t, "GET", fmt.Sprintf("/v1/transactions/%d", f.timedOut.ID), "", &d); st != 200 || d.Reversal.Attempts != 1 {
		t.Fatalf("pending reversal attempted once: %d %s", st, body)
	}
}

// TestTerminalLastSeenAgrees: /v1/terminals/{id} and its health report give
// the same last_seen.
func TestTerminalLastSeenAgrees(t *testing.T) {
	f := newFullServer(t)
	seen := t0.Add(5 * time.Hour)
	if err := f.store.AddRollups(context.Background(), nil, map[string]time.Time{"T0000001": seen}); err != nil {
		t.Fatal(err)
	}
	var a, b struct {
		LastSeen string `json:"last_seen"`
	}
	f.call(t, "GET", "/v1/terminals/T0000001", "", &a)
	f.call(t, "GET", "/v1/terminals/T0000001/health", "", &b)
	if a.LastSeen != b.LastSeen || a.LastSeen != seen.Format(time.RFC3339) {
		t.Fatalf("last_seen: terminal %q, health %q, want both %s", a.LastSeen, b.LastSeen, seen.Format(time.RFC3339))
	}
}

// TestMerchantIDNotMasked: merchant numbers in messages stay whole while
// card numbers are masked.
func TestMerchantIDNotMasked(t *testing.T) {
	f := newFullServer(t)
	var e apiError
	if st, _ := f.call(t, "GET", "/v1/merchants/898310048990001", "", &e); st != 404 || !strings.Contains(e.Error.Message, "898310048990001") {
		t.Fatalf("unknown merchant: %d %q, want the id whole", st, e.Error.Message)
	}
	var incs struct {
		Incidents []struct {
			Merchants []string `json:"merchants"`
			OpenedAt  string   `json:"opened_at"`
		} `json:"incidents"`
	}
	if st, body := f.call(t, "GET", "/v1/incidents?status=open", "", &incs); st != 200 || len(incs.Incidents) != 1 ||
		incs.Incidents[0].OpenedAt != t0.Format(time.RFC3339) || fmt.Sprint(incs.Incidents[0].Merchants) != "[M00000000000001]" {
		t.Fatalf("incidents: %d %s", st, body)
	}
}
