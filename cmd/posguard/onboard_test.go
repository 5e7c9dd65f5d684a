package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/access"
	"github.com/posguard/posguard/keys"
)

// apiUser is a user with an API token on a running world.
type apiUser struct {
	wd    *world
	name  string
	token string
}

// newUser creates a user of role (for merchant users, of merchant mid) with
// an API token.
func (wd *world) newUser(name string, role posguard.Role, mid string) *apiUser {
	wd.t.Helper()
	ctx := context.Background()
	st := wd.serve.store.Access()
	u := &posguard.User{Name: name, Role: role, MerchantID: mid, PasswordHash: "unused"}
	if err := st.CreateUser(ctx, u); err != nil {
		wd.t.Fatal(err)
	}
	secret, _, err := (&access.Auth{Store: st}).IssueToken(ctx, u, posguard.TokenAPI, time.Hour, "test")
	if err != nil {
		wd.t.Fatal(err)
	}
	return &apiUser{wd: wd, name: name, token: secret}
}

// call sends a JSON request (body nil for none) and decodes the answer
// into out (when not nil); it returns the status.
func (u *apiUser) call(method, path string, body any, out any) int {
	u.wd.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	return u.do(method, path, "application/json", rd, out)
}

func (u *apiUser) do(method, path, ctype string, body io.Reader, out any) int {
	u.wd.t.Helper()
	req, _ := http.NewRequest(method, "http://"+u.wd.httpAdr+path, body)
	req.Header.Set("Authorization", "Bearer "+u.token)
	if body != nil {
		req.Header.Set("Content-Type", ctype)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		u.wd.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if out != nil && res.StatusCode < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			u.wd.t.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
	}
	if res.StatusCode >= 300 {
		u.wd.t.Logf("%s %s: %d %s", method, path, res.StatusCode, raw)
	}
	return res.StatusCode
}

// upload attaches a document of kind with content data.
func (u *apiUser) upload(appID int64, kind string, data []byte) int {
	u.wd.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("kind", kind)
	fw, _ := mw.CreateFormFile("file", kind+".bin")
	fw.Write(data)
	mw.Close()
	return u.do("POST", fmt.Sprintf("/v1/applications/%d/documents", appID), mw.FormDataContentType(), &b, nil)
}

type appAnswer struct {
	ID     int64  `json:"id"`
	State  string `json:"state"`
	Checks []struct {
		Name   string `json:"name"`
		Passed bool   `json:"passed"`
		Field  string `json:"field"`
		Reason struct{ ZH, EN string }
	} `json:"checks"`
	Fields     map[string]string `json:"fields"`
	MerchantID string            `json:"merchant_id"`
	History    []struct{ From, To, Actor string }
}

var pngBytes = append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 200)...)

// TestOnboardingToFreeze is the issue's story through the API and a real
// terminal: an application with a wrong ID check digit is returned naming
// the field; corrected, it is verified and waits for review; its creator
// may not approve it, a risk user does; the new merchant's new terminal
// signs on with the TMK from its components and sells through the real
// host; a burst of round-amount night sales on one credit card freezes the
// merchant (59, then 03 naming the freeze) with a case open, the merchant
// sees why; unfreezing restores service; every step is in the audit log.
func TestOnboardingToFreeze(t *testing.T) {
	night := time.Date(2026, 12, 1, 17, 30, 0, 0, time.UTC) // 01:30 in UTC+8
	wd := startWorldWith(t, func(c *ServeCommand) { c.RiskNow = func() time.Time { return night } }, "", 5*time.Second)
	ctx := context.Background()
	op := wd.newUser("op1", posguard.RoleOperator, "")
	rk := wd.newUser("risk1", posguard.RoleRisk, "")

	in := map[string]any{"kind": "individual", "name": "张记小吃", "mcc": "5812", "legal_name": "张晓明",
		"legal_id_no": "310101198503121237", "phone": "13800138001", "address": "上海市黄浦区南京东路1号",
		"settlement_account": map[string]string{"bank": "ICBC", "number": "6222020000001234567", "name": "张晓明"}, "fee_plan": "small"}
	var app appAnswer
	if st := op.call("POST", "/v1/applications", in, &app); st != 201 || app.State != "draft" {
		t.Fatalf("create: %d %+v", st, app)
	}
	if st := op.upload(app.ID, "id_front", []byte("GIF89a not an image we take")); st != 400 {
		t.Fatalf("a GIF document: %d, want 400", st)
	}
	for _, k := range []string{"id_front", "id_back", "storefront"} {
		if st := op.upload(app.ID, k, pngBytes); st != 201 {
			t.Fatalf("upload %s: %d", k, st)
		}
	}
	path := fmt.Sprintf("/v1/applications/%d", app.ID)
	if st := op.call("POST", path+"/submit", nil, &app); st != 200 || app.State != "returned" {
		t.Fatalf("submit with a wrong check digit: %d %s", st, app.State)
	}
	if _, ok := app.Fields["legal_id_no"]; !ok {
		t.Fatalf("returned without naming legal_id_no: %+v", app.Fields)
	}
	named := false
	for _, c := range app.Checks {
		if c.Name == "legal_id_no" && !c.Passed && c.Field == "legal_id_no" && c.Reason.ZH != "" && c.Reason.EN != "" {
			named = true
		}
	}
	if !named {
		t.Fatalf("no failed legal_id_no check with zh/en reasons: %+v", app.Checks)
	}
	if st := op.call("PATCH", path, map[string]any{"legal_id_no": "310101198503121236"}, &app); st != 200 || app.State != "draft" {
		t.Fatalf("correct: %d %s", st, app.State)
	}
	if st := op.call("POST", path+"/submit", nil, &app); st != 200 || app.State != "pending_review" {
		t.Fatalf("submit corrected: %d %s %+v", st, app.State, app.Checks)
	}
	if st := op.call("POST", path+"/approve", nil, nil); st != 403 {
		t.Fatalf("an operator approves: %d, want 403", st)
	}
	adminMaker := wd.newUser("boss", posguard.RoleAdmin, "")
	var own appAnswer
	op2 := map[string]any{"kind": "individual", "name": "x"}
	adminMaker.call("POST", "/v1/applications", op2, &own)
	if st := adminMaker.call("POST", fmt.Sprintf("/v1/applications/%d/approve", own.ID), nil, nil); st != 403 {
		t.Fatalf("creator approving own application: %d", st)
	}
	if st := rk.call("POST", path+"/approve", nil, &app); st != 200 || app.State != "approved" || len(app.MerchantID) != 15 {
		t.Fatalf("risk approves: %d %+v", st, app)
	}
	mid := app.MerchantID
	m, err := wd.serve.store.Merchant(ctx, mid)
	if err != nil || m.Status != posguard.MerchantActive || m.FeePlan != "small" || m.Limits.PerTxn != 500000 {
		t.Fatalf("new merchant %+v %v", m, err)
	}

	// A terminal bound to a serial number; the TMK is the XOR of the components.
	var nt struct {
		ID, Status    string
		TMKComponents []string `json:"tmk_components"`
		TMKKCV        string   `json:"tmk_kcv"`
	}
	if st := op.call("POST", "/v1/terminals", map[string]string{"merchant_id": mid, "serial_no": "SN-NEW8210-0001", "model": "NEW8210", "key_scheme": "003"}, &nt); st != 201 || len(nt.ID) != 8 || nt.Status != "active" {
		t.Fatalf("create terminal: %d %+v", st, nt)
	}
	if st := op.call("POST", "/v1/terminals", map[string]string{"merchant_id": mid, "serial_no": "SN-NEW8210-0001"}, nil); st != 409 {
		t.Fatalf("serial bound twice: %d", st)
	}
	c1, _ := hex.DecodeString(nt.TMKComponents[0])
	c2, _ := hex.DecodeString(nt.TMKComponents[1])
	tmk := make([]byte, 16)
	for i := range tmk {
		tmk[i] = c1[i] ^ c2[i]
	}
	if kcv := strings.ToUpper(hex.EncodeToString(keys.CheckValue(tmk)[:3])); kcv != nt.TMKKCV {
		t.Fatalf("KCV %s, components give %s", nt.TMKKCV, kcv)
	}
	term := dialRaw(t, wd.termAdr, nt.ID, mid, hex.EncodeToString(tmk), "003", "cups-ecb")
	if c := term.signOn(); c != "00" {
		t.Fatalf("new terminal sign-on: %s", c)
	}
	code(t, "first sale", term.send(term.sale(goodCard, goodExp, "123456", 2345), true), "00")

	// The cash-out rule: the same credit card, round amounts, at night.
	rules := []map[string]any{{"name": "cashout", "kind": "card_repeat", "action": "freeze", "window": "2h", "count": 3,
		"round": 100000, "hours": "22:00-06:00", "card_kind": "credit"}}
	if st := op.call("PUT", "/v1/risk/rules", map[string]any{"rules": rules}, nil); st != 403 {
		t.Fatalf("an operator changes the rules: %d, want 403", st)
	}
	var set struct {
		Version int `json:"version"`
	}
	if st := rk.call("PUT", "/v1/risk/rules", map[string]any{"rules": rules}, &set); st != 200 || set.Version < 2 {
		t.Fatalf("put rules: %d %+v", st, set)
	}
	code(t, "round sale 1", term.send(term.sale(goodCard, goodExp, "123456", 100000), true), "00")
	code(t, "round sale 2", term.send(term.sale(goodCard, goodExp, "123456", 200000), true), "00")
	code(t, "round sale 3 trips the rule", term.send(term.sale(goodCard, goodExp, "123456", 100000), true), "59")
	later := term.sale(good2Card, good2Exp, "123456", 1234)
	code(t, "a sale of the frozen merchant", term.send(later.Clone(), true), "03")
	txn, err := wd.serve.store.ByKey(ctx, posguard.TxnKey{TerminalID: nt.ID, Batch: term.batch, STAN: later.Get(11), MTI: "0200"})
	if err != nil || txn.Reason != posguard.ReasonMerchantFrozen || !strings.Contains(txn.Detail["freeze_reason"], "cashout") {
		t.Fatalf("the 03 does not name the freeze: %+v %v", txn, err)
	}
	cs, err := wd.serve.store.Cases(ctx, posguard.CaseFilter{Kind: posguard.CaseRiskFreeze, MerchantID: mid})
	if err != nil || len(cs) != 1 || !cs[0].Status.Active() {
		t.Fatalf("risk_freeze case: %+v %v", cs, err)
	}

	// The merchant sees why; another merchant sees nothing.
	shop := wd.newUser("shop", posguard.RoleMerchant, mid)
	var hist struct {
		Status       string                   `json:"status"`
		StatusReason string                   `json:"status_reason"`
		WhatToDo     *struct{ ZH, EN string } `json:"what_to_do"`
	}
	if st := shop.call("GET", "/v1/merchants/"+mid+"/history", nil, &hist); st != 200 || hist.Status != "frozen" ||
		!strings.Contains(hist.StatusReason, "cashout") || hist.WhatToDo == nil {
		t.Fatalf("merchant's view: %d %+v", st, hist)
	}
	var hits struct {
		Hits []struct {
			Rule, Action string
			Explain      struct{ ZH, EN string }
		}
	}
	if st := shop.call("GET", "/v1/risk/hits?merchant="+shopMID, nil, &hits); st != 200 || len(hits.Hits) == 0 || hits.Hits[0].Rule != "cashout" || hits.Hits[0].Explain.EN == "" {
		t.Fatalf("merchant's hits: %d %+v", st, hits)
	}
	other := wd.newUser("other", posguard.RoleMerchant, shopMID)
	if st := other.call("GET", "/v1/merchants/"+mid+"/history", nil, nil); st != 404 {
		t.Fatalf("another merchant reads the history: %d", st)
	}
	if st := other.call("GET", path, nil, nil); st != 404 {
		t.Fatalf("another merchant reads the application: %d", st)
	}

	// The hit is counted by rule and action.
	var metrics strings.Builder
	req, _ := http.NewRequest("GET", "http://"+wd.httpAdr+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+wd.newUser("admin1", posguard.RoleAdmin, "").token)
	if res, err := http.DefaultClient.Do(req); err == nil {
		io.Copy(&metrics, res.Body)
		res.Body.Close()
	}
	if !strings.Contains(metrics.String(), `posguard_risk_hits_total{action="freeze",rule="cashout"}`) {
		t.Errorf("/metrics lacks the freeze hit of rule cashout")
	}

	// Unfreeze restores service.
	if st := shop.call("POST", "/v1/merchants/"+mid+"/unfreeze", map[string]string{"reason": "x"}, nil); st != 403 {
		t.Fatalf("a merchant unfreezes itself: %d", st)
	}
	if st := rk.call("POST", "/v1/merchants/"+mid+"/unfreeze", map[string]string{"reason": "documents checked: genuine catering orders"}, &hist); st != 200 || hist.Status != "active" {
		t.Fatalf("unfreeze: %d %+v", st, hist)
	}
	code(t, "a sale after unfreezing", term.send(term.sale(good2Card, good2Exp, "123456", 1234), true), "00")

	recs, err := wd.serve.store.Access().AuditRecords(ctx, posguard.AuditFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for _, r := range recs {
		seen[r.Action+" "+r.Outcome] = r.User
	}
	for _, want := range []string{"application.create ok", "application.submit ok", "application.update ok", "application.document ok",
		"application.review forbidden", "application.approve ok", "terminal.create ok", "risk.rules ok", "merchant.freeze ok", "merchant.unfreeze ok"} {
		if _, ok := seen[want]; !ok {
			t.Errorf("audit log lacks %q", want)
		}
	}
	if seen["merchant.freeze ok"] != "posguard" || seen["merchant.unfreeze ok"] != "risk1" || seen["application.approve ok"] != "risk1" {
		t.Errorf("audit actors: %v", seen)
	}
	for _, r := range recs {
		if strings.Contains(r.Changes, "6222020000001234567") || strings.Contains(r.Changes, nt.TMKComponents[0]) {
			t.Errorf("audit record %s keeps an account number or key component", r.Action)
		}
	}
}

// TestPendingKYCCompletes: a pending_kyc merchant, whose terminal gets 03,
// completes its verification through an application naming it; once a risk
// user approves, the same merchant (same ID, same terminal) takes payments.
func TestPendingKYCCompletes(t *testing.T) {
	wd := startWorld(t, "", 5*time.Second)
	op := wd.newUser("op1", posguard.RoleOperator, "")
	rk := wd.newUser("risk1", posguard.RoleRisk, "")
	term := dialRaw(t, wd.termAdr, kycTID, kycMID, kycTMK, "003", "cups-ecb")
	if c := term.signOn(); c != "00" {
		t.Fatalf("sign-on: %s", c)
	}
	code(t, "sale before verification", term.send(term.sale(goodCard, goodExp, "123456", 1000), true), "03")

	in := map[string]any{"merchant_id": kycMID, "kind": "small", "name": "新开张书店", "mcc": "5942", "license_no": "91310101MA1FL0001D",
		"legal_name": "陈志强", "legal_id_no": "440305197801153456", "phone": "13700137003", "address": "深圳市南山区",
		"settlement_account": map[string]string{"bank": "CMB", "number": "6228480000003456789", "name": "陈志强"}, "fee_plan": "small"}
	var app appAnswer
	if st := op.call("POST", "/v1/applications", in, &app); st != 201 {
		t.Fatalf("create: %d", st)
	}
	for _, k := range []string{"id_front", "id_back", "storefront", "account_proof"} {
		if st := op.upload(app.ID, k, pngBytes); st != 201 {
			t.Fatalf("upload %s: %d", k, st)
		}
	}
	path := fmt.Sprintf("/v1/applications/%d", app.ID)
	if st := op.call("POST", path+"/submit", nil, &app); st != 200 || app.State != "pending_review" {
		t.Fatalf("submit: %d %s %+v", st, app.State, app.Checks)
	}
	if st := rk.call("POST", path+"/approve", nil, &app); st != 200 || app.MerchantID != kycMID {
		t.Fatalf("approve: %d %+v", st, app)
	}
	m, err := wd.serve.store.Merchant(context.Background(), kycMID)
	if err != nil || m.Status != posguard.MerchantActive || m.Account.Name != "陈志强" {
		t.Fatalf("merchant after approval: %+v %v", m, err)
	}
	code(t, "sale after verification", term.send(term.sale(goodCard, goodExp, "123456", 1000), true), "00")
	if st := op.call("POST", "/v1/applications", map[string]any{"merchant_id": shopMID, "kind": "small"}, nil); st != 409 {
		t.Fatalf("an application for an active merchant: %d, want 409", st)
	}
}
