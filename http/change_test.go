package http_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/payout"
	"github.com/posguard/posguard/simbank"
)

// TestAccountChangeMakerChecker: a staff change of a settlement account is
// inert until a second, different finance user approves it; the requester
// cannot approve their own; other roles cannot approve; an account the bank
// does not report ok is refused and nothing is stored.
func TestAccountChangeMakerChecker(t *testing.T) {
	a := newAccessWorld(t)
	bank := a.apiServer.Payouts.(*payout.Runner).Bank.(*simbank.Bank)
	bank.SetAccount(posguard.SettlementAccount{Bank: "BOC", Number: "6217000010009876", Name: "Tea House Ltd", Status: "ok"})
	bank.SetAccount(posguard.SettlementAccount{Bank: "BOC", Number: "6217000010005555", Name: "Tea House Ltd", Status: "frozen"})
	account := func() string {
		var m struct {
			Account struct {
				Number string `json:"number_masked"`
			} `json:"settlement_account"`
		}
		_, raw := a.as(t, a.tok["root"], "GET", "/v1/merchants/"+m1, "")
		if err := jsonDecode(raw, &m); err != nil {
			t.Fatal(err)
		}
		return m.Account.Number
	}
	if got := account(); !strings.HasSuffix(got, "0123") {
		t.Fatalf("fixture account %s", got)
	}
	var ch struct {
		ID          int64  `json:"id"`
		State       string `json:"state"`
		RequestedBy string `json:"requested_by"`
		DecidedBy   string `json:"decided_by"`
	}
	st, raw := a.as(t, a.tok["fin"], "PUT", "/v1/merchants/"+m1+"/settlement-account",
		`{"bank":"BOC","number":"6217000010009876","name":"Tea House Ltd","author":"somebody else"}`)
	if st != 202 || jsonDecode(raw, &ch) != nil || ch.State != "pending" || ch.RequestedBy != "fin" {
		t.Fatalf("request: %d %s", st, raw)
	}
	if got := account(); !strings.HasSuffix(got, "0123") {
		t.Fatalf("a pending change already changed the account: %s", got)
	}
	approve := fmt.Sprintf("/v1/account-changes/%d/approve", ch.ID)
	if st, raw := a.as(t, a.tok["fin"], "POST", approve, ""); st != 403 || !strings.Contains(raw, "forbidden") {
		t.Fatalf("the requester approved their own change: %d %s", st, raw)
	}
	for _, u := range []string{"root", "ops", "risk", "shop1"} {
		if st, _ := a.as(t, a.tok[u], "POST", approve, ""); st != 403 {
			t.Fatalf("%s approved a change: %d", u, st)
		}
	}
	if got := account(); !strings.HasSuffix(got, "0123") {
		t.Fatalf("refused approvals changed the account: %s", got)
	}
	st, raw = a.as(t, a.tok["fin2"], "POST", approve, "")
	if st != 200 || jsonDecode(raw, &ch) != nil || ch.State != "approved" || ch.DecidedBy != "fin2" {
		t.Fatalf("second finance user's approval: %d %s", st, raw)
	}
	if got := account(); !strings.HasSuffix(got, "9876") {
		t.Fatalf("approved change not applied: %s", got)
	}
	if st, _ := a.as(t, a.tok["fin"], "POST", approve, ""); st != 403 {
		t.Fatalf("second approval by the requester: %d", st)
	}
	if st, _ := a.as(t, a.tok["fin2"], "POST", approve, ""); st != 409 {
		t.Fatalf("approving twice: %d", st)
	}

	// A merchant user asks for its own merchant; a frozen account is
	// refused before anything is stored.
	if st, raw := a.as(t, a.tok["shop1"], "PUT", "/v1/merchants/"+m1+"/settlement-account",
		`{"bank":"BOC","number":"6217000010005555","name":"Tea House Ltd"}`); st != 400 || !strings.Contains(raw, "frozen") {
		t.Fatalf("frozen account: %d %s", st, raw)
	}
	var list struct {
		Changes []struct {
			State string `json:"state"`
		} `json:"changes"`
	}
	_, raw = a.as(t, a.tok["root"], "GET", "/v1/account-changes?merchant="+m1, "")
	if jsonDecode(raw, &list) != nil || len(list.Changes) != 1 {
		t.Fatalf("a refused account was stored as a change: %s", raw)
	}
	if st, raw := a.as(t, a.tok["shop1"], "PUT", "/v1/merchants/"+m1+"/settlement-account",
		`{"bank":"CCB","number":"6222021234567890123","name":"Li Lei"}`); st != 202 || !strings.Contains(raw, `"requested_by":"shop1"`) {
		t.Fatalf("merchant's own request: %d %s", st, raw)
	}

	// The audit log tells the story with user names.
	_, raw = a.as(t, a.tok["root"], "GET", "/v1/audit?object=account-changes/"+fmt.Sprint(ch.ID), "")
	for _, want := range []string{`"user":"fin2","role":"finance"`, `"outcome":"ok"`, `"outcome":"forbidden"`, `"user":"fin","role":"finance"`} {
		if !strings.Contains(raw, want) {
			t.Errorf("audit of change %d lacks %s: %s", ch.ID, want, raw)
		}
	}
	if strings.Contains(raw, "6217000010009876") {
		t.Errorf("the audit log shows a full account number: %s", raw)
	}
	// The approval's record was written in the approval's transaction, and
	// only there (the middleware does not write a second one).
	okApproval := fmt.Sprintf(`"action":"POST /v1/account-changes/{id}/approve","object":"account-changes/%d","outcome":"ok"`, ch.ID)
	if n := strings.Count(raw, okApproval); n != 1 {
		t.Errorf("audit of change %d: %d records of the approval, want 1: %s", ch.ID, n, raw)
	}
}

// TestAuthorIsTheUser: an author in a request body is ignored; the entry,
// assignment and notice are the authenticated user's.
func TestAuthorIsTheUser(t *testing.T) {
	a := newAccessWorld(t)
	st, raw := a.as(t, a.tok["ops"], "POST", fmt.Sprintf("/v1/cases/%d/entries", a.caseID), `{"kind":"note","author":"the-boss","text":"called the merchant"}`)
	if st != 200 || strings.Contains(raw, "the-boss") || !strings.Contains(raw, `"ops"`) {
		t.Fatalf("entry: %d %s", st, raw)
	}
	st, raw = a.as(t, a.tok["ops"], "POST", "/v1/notices", `{"kind":"other","title":"t","author":"the-boss"}`)
	if st != 201 || strings.Contains(raw, "the-boss") || !strings.Contains(raw, `"ops"`) {
		t.Fatalf("notice: %d %s", st, raw)
	}
}
