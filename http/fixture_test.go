package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	nethttp "net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/posguard/posguard"
	api "github.com/posguard/posguard/http"
	"github.com/posguard/posguard/sqlite"
	"github.com/posguard/posguard/storetest"
)

// Card numbers used by the fixture. Only their masks reach the journal.
const (
	panCUP  = "6225880012345678"
	panVISA = "4111111111111111"
)

// accountNumber is M1's settlement account; the API shows its last four.
const accountNumber = "6222021234567890123"

// t0 is the fixture's first store time.
var t0 = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

// world is a real SQLite store filled through the store API, and an API
// server over it.
type world struct {
	store *sqlite.Store
	srv   *httptest.Server
	api   *api.Server
	txns  []*posguard.Transaction // every journaled transaction, in ID order
	// named transactions for detail tests
	declined, frozen, approved, timedOut, reversed *posguard.Transaction
	pendingRev, doneRev                            *posguard.Reversal
	bodies                                         []string // every body fetched, for the leak check
	mu                                             sync.Mutex
}

// clock is a store clock that moves one minute per reading.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Minute)
	return c.t
}

// newWorld builds the fixture: merchants M1 (active) and M2 (frozen),
// terminals T1 and T2, 130 routine sales spread over both, and one
// transaction in each interesting outcome.
func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "posguard.db"), storetest.NewSealer())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clk := &clock{t: t0}
	st.Now = clk.now
	w := &world{store: st}

	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(st.PutMerchant(ctx, &posguard.Merchant{
		ID: "M00000000000001", Name: "Tea House", MCC: "5812", Status: posguard.MerchantActive,
		Kind: "individual", FeePlan: "standard-0.6",
		Limits:  posguard.Limits{PerTxn: 500000, Daily: 5000000, DailyCount: 200},
		Account: posguard.SettlementAccount{Bank: "ICBC", Number: accountNumber, Name: "Li Lei", Status: "ok"},
	}))
	must(st.PutMerchant(ctx, &posguard.Merchant{
		ID: "M00000000000002", Name: "Noodle Bar", Status: posguard.MerchantFrozen,
		AllowedTypes: []posguard.TxnType{posguard.TxnSale},
	}))
	must(st.PutTerminal(ctx, &posguard.Terminal{
		ID: "T0000001", MerchantID: "M00000000000001", TMK: bytes.Repeat([]byte{0xA7}, 16),
		KeyScheme: posguard.KeyScheme003, MAC: posguard.MACX919, Model: "PAX S90", Firmware: "3.1.4",
		Status: posguard.TerminalActive,
	}))
	must(st.SaveSignOn(ctx, "T0000001", posguard.WorkingKeys{
		PIK: bytes.Repeat([]byte{0xB1}, 16), MAK: bytes.Repeat([]byte{0xC2}, 16)}, "000007", t0))
	must(st.PutTerminal(ctx, &posguard.Terminal{
		ID: "T0000002", MerchantID: "M00000000000002", TMK: bytes.Repeat([]byte{0xD3}, 16),
		KeyScheme: posguard.KeyScheme001, MAC: posguard.MACCupsECB, Status: posguard.TerminalActive,
	}))

	stan := 0
	insert := func(term, merchant string, pan string, amount posguard.Amount, state posguard.State, code, reason string) *posguard.Transaction {
		t.Helper()
		stan++
		txn := &posguard.Transaction{
			TxnKey:         posguard.TxnKey{TerminalID: term, Batch: "000007", STAN: fmt.Sprintf("%06d", stan), MTI: "0200"},
			Type:           posguard.TxnSale,
			MerchantID:     merchant,
			PANMasked:      posguard.MaskPAN(pan),
			PANHash:        "ab12" + fmt.Sprintf("%060d", stan),
			IssuerBIN:      pan[:6],
			CardOrg:        "CUP",
			Amount:         amount,
			Currency:       posguard.CurrencyCNY,
			ProcCode:       "000000",
			EntryMode:      "051",
			SettlementDate: "2026-03-01",
			RRN:            fmt.Sprintf("%012d", 100000+stan),
			ResponseCode:   code,
			Reason:         reason,
			State:          state,
		}
		must(st.Insert(ctx, txn))
		w.txns = append(w.txns, txn)
		return txn
	}
	for i := 0; i < 130; i++ {
		term, merchant, pan := "T0000001", "M00000000000001", panCUP
		if i%3 == 0 {
			term, merchant, pan = "T0000002", "M00000000000002", panVISA
		}
		insert(term, merchant, pan, posguard.Amount(100+i), posguard.StateApproved, "00", posguard.ReasonApproved)
	}

	// Declined by the issuer: forwarded, then declined 51.
	w.declined = insert("T0000001", "M00000000000001", panCUP, 98765, posguard.StateForwarded, "", "")
	must(st.Update(ctx, posguard.TxnUpdate{ID: w.declined.ID, State: posguard.StateDeclined,
		ResponseCode: "51", Reason: posguard.IssuerReason("51"), Note: "issuer answered 51",
		Detail: map[string]string{"upstream_ms": "412", "leak": "card " + panCUP}}))

	// Rejected at the merchant gate.
	w.frozen = insert("T0000002", "M00000000000002", panVISA, 5000, posguard.StateRejected, "03", posguard.ReasonMerchantFrozen)
	must(st.Update(ctx, posguard.TxnUpdate{ID: w.frozen.ID, Detail: map[string]string{
		"status": "frozen", "status_since": "2026-02-20T09:00:00Z"}, Note: "gate merchant"}))

	w.approved = insert("T0000001", "M00000000000001", panCUP, 1234, posguard.StateApproved, "00", posguard.ReasonApproved)

	// Timed out, reversal queued and attempted once.
	w.timedOut = insert("T0000001", "M00000000000001", panCUP, 777, posguard.StateForwarded, "", "")
	must(st.Update(ctx, posguard.TxnUpdate{ID: w.timedOut.ID, State: posguard.StateReversalPending,
		ResponseCode: "98", Reason: posguard.ReasonNetworkTimeout,
		QueueReversal: &posguard.Reversal{Reason: posguard.ReasonNetworkTimeout}}))
	var err2 error
	w.pendingRev, err2 = st.PendingReversalFor(ctx, w.timedOut.ID)
	must(err2)
	must(st.ReversalAttempted(ctx, w.pendingRev.ID, t0.Add(48*time.Hour), "upstream: no answer in 10s"))

	// Timed out, reversal acknowledged.
	w.reversed = insert("T0000002", "M00000000000002", panVISA, 888, posguard.StateForwarded, "", "")
	must(st.Update(ctx, posguard.TxnUpdate{ID: w.reversed.ID, State: posguard.StateReversalPending,
		ResponseCode: "98", Reason: posguard.ReasonNetworkTimeout,
		QueueReversal: &posguard.Reversal{Reason: posguard.ReasonNetworkTimeout}}))
	rev, err := st.PendingReversalFor(ctx, w.reversed.ID)
	must(err)
	must(st.CompleteReversal(ctx, rev.ID, posguard.TxnUpdate{ID: w.reversed.ID, State: posguard.StateReversed,
		Reason: posguard.ReasonReversalDone}))
	done, err := st.Reversals(ctx, posguard.ReversalDone, 10)
	must(err)
	if len(done) != 1 {
		t.Fatalf("fixture: %d done reversals", len(done))
	}
	w.doneRev = done[0]
	// Refresh the named transactions from the store.
	for _, p := range []**posguard.Transaction{&w.declined, &w.frozen, &w.approved, &w.timedOut, &w.reversed} {
		fresh, err := st.ByID(ctx, (*p).ID)
		must(err)
		*p = fresh
		w.txns[fresh.ID-w.txns[0].ID] = fresh
	}

	w.api = &api.Server{Store: st, Now: func() time.Time { return t0.Add(24 * time.Hour) }}
	w.srv = httptest.NewServer(asStaff(t, w.api, st))
	t.Cleanup(w.srv.Close)
	return w
}

// get fetches path and decodes the JSON body into out (when not nil),
// returning the status. It checks the content type and records the body.
func (w *world) get(t *testing.T, path string, out any) int {
	t.Helper()
	return w.do(t, nethttp.MethodGet, path, out)
}

// do sends a body-less request.
func (w *world) do(t *testing.T, method, path string, out any) int {
	t.Helper()
	req, err := nethttp.NewRequest(method, w.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := w.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	w.mu.Lock()
	w.bodies = append(w.bodies, string(body))
	w.mu.Unlock()
	if path != "/metrics" {
		if ct := resp.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
			t.Errorf("%s %s: content type %q", method, path, ct)
		}
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, body)
		}
	}
	return resp.StatusCode
}

// apiError is the error shape.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// panRun finds a run of 16 to 19 digits standing alone.
var panRun = regexp.MustCompile(`(^|[^0-9])[0-9]{16,19}([^0-9]|$)`)
