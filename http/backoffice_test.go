package http_test

import (
	"context"
	"testing"

	"github.com/posguard/posguard"
	api "github.com/posguard/posguard/http"
	"github.com/posguard/posguard/onboarding"
	"github.com/posguard/posguard/risk"
	"github.com/posguard/posguard/sqlite"
)

// backoffice is onboarding and risk over the fixture's store, with one
// known identity and the default risk rules.
func backoffice(st *sqlite.Store) *api.Backoffice {
	ob := st.Onboarding()
	audit := &onboarding.Auditor{Store: st.Access()}
	rs := &risk.Service{Store: ob, History: ob, Merchants: st, Engine: risk.NewEngine(), Audit: audit}
	if err := rs.Start(context.Background(), risk.DefaultRules()); err != nil {
		panic(err)
	}
	return &api.Backoffice{Risk: rs, Onboarding: &onboarding.Service{Store: ob, Merchants: st, Terminals: st, Audit: audit,
		Verifier: onboarding.NewSimVerifier(identities)}}
}

// identities are the people the fixture's verification service knows.
var identities = []posguard.Identity{
	{Name: "张晓明", IDNo: "310101198503121236", Phone: "13800138001", Account: "6222020000001234567"},
	{Name: "李芳", IDNo: "310104199006072342", Phone: "13900139002", Account: "6217000010002345678"},
	{Name: "陈志强", IDNo: "440305197801153456", Phone: "13700137003", Account: "6228480000003456789"},
}

// seedBackoffice gives the access and isolation walks something to act on:
// applications 1–3 waiting for review (created by ops, one per known
// identity, with their documents: document 1 is application 1's), draft
// application 4, and a review hit (1) on M1's approved sale.
func seedBackoffice(t *testing.T, f *fullServer) {
	t.Helper()
	ctx := context.Background()
	bo := f.apiServer.Backoffice
	ops := onboarding.Actor{Name: "ops", Role: posguard.RoleOperator}
	for _, id := range identities {
		a := &posguard.Application{Kind: posguard.KindIndividual, Name: id.Name + "的店", MCC: "5812", LegalName: id.Name, LegalIDNo: id.IDNo,
			Phone: id.Phone, Address: "上海", FeePlan: "small", Account: posguard.SettlementAccount{Bank: "ICBC", Number: id.Account, Name: id.Name}}
		if err := bo.Onboarding.Create(ctx, ops, a); err != nil {
			t.Fatal(err)
		}
		for _, k := range onboarding.RequiredDocuments(a.Kind) {
			if _, err := bo.Onboarding.AddDocument(ctx, ops, a.ID, k, []byte("%PDF-1.4 scan")); err != nil {
				t.Fatal(err)
			}
		}
		if a, err := bo.Onboarding.Submit(ctx, ops, a.ID); err != nil || a.State != posguard.AppPendingReview {
			t.Fatalf("seed application: %v %+v", err, a)
		}
	}
	if err := bo.Onboarding.Create(ctx, ops, &posguard.Application{Kind: posguard.KindSmall, Name: "草稿"}); err != nil {
		t.Fatal(err)
	}
	if err := bo.Risk.Store.AddRiskHits(ctx, []*posguard.RiskHit{{Rule: "night-large", RuleVersion: 1, Action: posguard.RiskReview,
		MerchantID: f.approved.MerchantID, TerminalID: f.approved.TerminalID, TxnID: f.approved.ID, Amount: f.approved.Amount,
		Card: f.approved.PANMasked, Explain: posguard.Text{ZH: "夜间大额", EN: "large at night"}}}); err != nil {
		t.Fatal(err)
	}
}

// TestBackofficeRoutesDeclared: every onboarding and risk route is in the
// route table with roles and in the OpenAPI document.
func TestBackofficeRoutesDeclared(t *testing.T) {
	s := &api.Server{}
	doc := s.OpenAPI()
	paths := doc["paths"].(map[string]any)
	for _, p := range []string{"/v1/applications", "/v1/applications/{id}/approve", "/v1/terminals", "/v1/risk/rules", "/v1/risk/hits", "/v1/merchants/{id}/freeze"} {
		if _, ok := paths[p]; !ok {
			t.Errorf("%s is not in the OpenAPI document", p)
		}
	}
	for _, r := range s.Routes() {
		if len(r.Roles) == 0 {
			t.Errorf("%s declares no roles", r.Pattern)
		}
	}
}
