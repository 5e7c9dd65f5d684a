package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard"
)

// callJSON sends body to url with method, as the user of token tok when
// there is one, and returns the status and the JSON answer.
func callJSON(t *testing.T, tok, method, url, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var v map[string]any
	json.NewDecoder(res.Body).Decode(&v)
	return res.StatusCode, v
}

// TestDisputesEndToEnd runs simnet and the host (polling simnet's dispute
// API every 50 ms): a terminal's sale is approved; the network raises a
// retrieval request, which the host imports and answers with the receipt
// on its own; then a chargeback, which the merchant answers through the
// API with its statement, winning the representment. The transaction's
// page links its receipt and tells the story.
func TestDisputesEndToEnd(t *testing.T) {
	wd := startWorld(t, "", 5*time.Second, "--disputes-url", "http://{admin}", "--dispute-every", "50ms")
	term := dialRaw(t, wd.termAdr, shopTID, shopMID, shopTMK, "003", "cups-ecb")
	if c := term.signOn(); c != "00" {
		t.Fatalf("sign-on: %s", c)
	}
	ans := code(t, "sale", term.send(term.sale(goodCard, goodExp, "123456", 4200), true), "00")
	rrn := ans.Get(37)

	opsTok := wd.userToken("li.ops", posguard.RoleOperator, "")
	shopTok := wd.userToken("m"+shopMID, posguard.RoleMerchant, shopMID)
	call := func(tok, method, url, body string) (int, map[string]any) {
		t.Helper()
		return callJSON(t, tok, method, url, body)
	}
	raise := func(kind, reason string) string {
		t.Helper()
		st, v := call("", "POST", "http://"+wd.admin+"/disputes", fmt.Sprintf(`{"rrn":%q,"kind":%q,"reason_code":%q}`, rrn, kind, reason))
		if st != 201 {
			t.Fatalf("simnet raise %s: %d %v", kind, st, v)
		}
		return v["dispute_id"].(string)
	}
	// waitState polls the host's API until dispute id is in state with its
	// three pieces of evidence gathered (an import may be under way).
	waitState := func(id, state string) map[string]any {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			st, v := call(opsTok, "GET", "http://"+wd.httpAdr+"/v1/disputes/"+id, "")
			if ev, _ := v["evidence"].([]any); st == 200 && v["state"] == state && len(ev) >= 3 {
				return v
			}
			if time.Now().After(deadline) {
				t.Fatalf("dispute %s: %d %v, want state %s\n%s", id, st, v, state, wd.logs.String())
			}
			time.Sleep(20 * time.Millisecond) // polling the host's import loop
		}
	}

	rr := raise("retrieval", "6301")
	v := waitState(rr, "won")
	if v["responded_at"] == nil || v["receipt_url"] == nil {
		t.Errorf("retrieval request: %v", v)
	}

	cb := raise("chargeback", "4515")
	v = waitState(cb, "open")
	due, _ := time.Parse(time.RFC3339, v["due_at"].(string))
	raised, _ := time.Parse(time.RFC3339, v["raised_at"].(string))
	if due.Sub(raised) != 30*24*time.Hour || len(v["evidence"].([]any)) != 3 {
		t.Fatalf("chargeback: %v", v)
	}
	if st, v := call(shopTok, "POST", "http://"+wd.httpAdr+"/v1/disputes/"+cb+"/evidence", `{"text":"the cardholder signed the slip"}`); st != 201 {
		t.Fatalf("merchant evidence: %d %v", st, v)
	}
	st, v := call(shopTok, "POST", "http://"+wd.httpAdr+"/v1/disputes/"+cb+"/respond", `{}`)
	if st != 200 || v["state"] != "won" {
		t.Fatalf("respond: %d %v", st, v)
	}
	txn := fmt.Sprint(v["txn_id"])
	st, v = call(shopTok, "GET", "http://"+wd.httpAdr+"/v1/transactions/"+txn, "")
	if st != 200 || v["receipt_url"] != "/v1/transactions/"+txn+"/receipt" {
		t.Fatalf("transaction: %d %v", st, v)
	}
	b, _ := json.Marshal(v["history"])
	for _, want := range []string{"retrieval request " + rr + " received", "chargeback " + cb + " received", "merchant debited 42.00 yuan", "response sent; won"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("history lacks %q: %s", want, b)
		}
	}
	if st, v = call(shopTok, "GET", "http://"+wd.httpAdr+"/v1/transactions/"+txn+"/receipt", ""); st != 200 || v["rrn"] != rrn {
		t.Errorf("receipt: %d %v", st, v)
	}
}

// raiseAndImport has simnet raise a dispute about the sale with RRN rrn
// and waits until the host (polling simnet) has imported it with its
// evidence; it returns the dispute's ID.
func raiseAndImport(t *testing.T, wd *world, rrn, kind, reason string) string {
	t.Helper()
	res, err := http.Post("http://"+wd.admin+"/disputes", "application/json",
		strings.NewReader(fmt.Sprintf(`{"rrn":%q,"kind":%q,"reason_code":%q}`, rrn, kind, reason)))
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		ID string `json:"dispute_id"`
	}
	json.NewDecoder(res.Body).Decode(&v)
	res.Body.Close()
	if res.StatusCode != 201 || v.ID == "" {
		t.Fatalf("simnet raise: %d", res.StatusCode)
	}
	ctx := context.Background()
	deadline := time.Now().Add(15 * time.Second)
	for {
		es, err := wd.serve.store.DisputeEvidence(ctx, v.ID)
		if err == nil && len(es) >= 3 {
			return v.ID
		}
		if time.Now().After(deadline) {
			t.Fatalf("dispute %s not imported: %v\n%s", v.ID, err, wd.logs.String())
		}
		time.Sleep(20 * time.Millisecond) // polling the host's import loop
	}
}
