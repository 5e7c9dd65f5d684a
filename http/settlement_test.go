package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	nethttp "net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/posguard/posguard"
	api "github.com/posguard/posguard/http"
	"github.com/posguard/posguard/ledger"
	"github.com/posguard/posguard/payout"
	"github.com/posguard/posguard/settlement"
	"github.com/posguard/posguard/simbank"
	"github.com/posguard/posguard/sqlite"
	"github.com/posguard/posguard/storetest"
)

// TestSettlementRoutes: a sale of a merchant whose account is frozen is
// settled, its payout fails and the API shows it held with the reason; the
// account is corrected over the API, the payout re-settled and paid.
func TestSettlementRoutes(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "p.db"), storetest.NewSealer())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	const mid = "898310058120002"
	m := &posguard.Merchant{ID: mid, Name: "Stall", MCC: "5812", Status: posguard.MerchantActive, Kind: "individual",
		Account: posguard.SettlementAccount{Bank: "CCB", Number: "4300150160052000777", Name: "Wang", Status: "frozen"}}
	if err := st.PutMerchant(ctx, m); err != nil {
		t.Fatal(err)
	}
	tx := &posguard.Transaction{TxnKey: posguard.TxnKey{TerminalID: "10000001", Batch: "000001", STAN: "000001", MTI: "0200"},
		Type: posguard.TxnSale, ContentHash: strings.Repeat("0", 64), MerchantID: mid, PANMasked: "622202******1234",
		IssuerBIN: "622202", Amount: 10000, Currency: posguard.CurrencyCNY, SettlementDate: "2026-03-01",
		State: posguard.StateApproved, ResponseCode: "00", Reason: posguard.ReasonApproved}
	if err := st.Insert(ctx, tx); err != nil {
		t.Fatal(err)
	}
	money := st.Money()
	fees := &settlement.FeeBook{Store: money, Merchants: st}
	if _, err := (&ledger.Poster{Store: money, Pricer: fees}).Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := (&settlement.Settler{Store: money, Merchants: st, Fees: fees}).Settle(ctx, "2026-03-01"); err != nil {
		t.Fatal(err)
	}
	bank := simbank.New([]*posguard.Merchant{m})
	runner := &payout.Runner{Store: money, Merchants: st, Bank: bank}
	if _, err := runner.Run(ctx); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(asStaff(t, &api.Server{Store: st, Payouts: runner}, st))
	defer srv.Close()
	call := func(method, path, body string, want int) map[string]any {
		t.Helper()
		req, _ := nethttp.NewRequest(method, srv.URL+path, strings.NewReader(body))
		res, err := nethttp.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var v map[string]any
		json.NewDecoder(res.Body).Decode(&v)
		if res.StatusCode != want {
			t.Fatalf("%s %s: status %d, want %d: %v", method, path, res.StatusCode, want, v)
		}
		return v
	}
	where := call("GET", fmt.Sprintf("/v1/transactions/%d/settlement", tx.ID), "", 200)
	if where["where"] != "held" || where["reason"] != payout.ReasonAccountFrozen {
		t.Fatalf("held sale: %v", where)
	}
	list := call("GET", "/v1/merchants/"+mid+"/settlements", "", 200)
	b := list["batches"].([]any)[0].(map[string]any)
	p := b["payouts"].([]any)[0].(map[string]any)
	if p["state"] != "failed" || p["fix"] == "" || strings.Contains(fmt.Sprint(list), "4300150160052000777") {
		t.Fatalf("merchant settlements: %v", list)
	}
	call("POST", "/v1/payouts/"+p["id"].(string)+"/resettle", "", 400) // still frozen
	bank.SetAccount(posguard.SettlementAccount{Number: "4300150160052000777", Name: "Wang", Status: "ok"})
	// Maker-checker: the change is a pending request until a finance user
	// other than its requester approves it.
	req := call("PUT", "/v1/merchants/"+mid+"/settlement-account", `{"bank":"CCB","number":"4300150160052000777","name":"Wang"}`, 202)
	if req["state"] != "pending" || req["account"].(map[string]any)["status"] != "ok" {
		t.Fatalf("change request %v", req)
	}
	acct := call("POST", fmt.Sprintf("/v1/account-changes/%v/approve", req["id"]), "", 200)
	if acct["state"] != "approved" || acct["decided_by"] != "fin" {
		t.Fatalf("approved change %v", acct)
	}
	call("POST", "/v1/settlements/"+b["id"].(string)+"/resettle", "", 200)
	call("POST", "/v1/payouts/"+p["id"].(string)+"/resettle", "", 409)
	if _, err := runner.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if where = call("GET", fmt.Sprintf("/v1/transactions/%d/settlement", tx.ID), "", 200); where["where"] != "paid" {
		t.Fatalf("after re-settlement: %v", where)
	}
	call("GET", "/v1/transactions/999/settlement", "", 404)
}
