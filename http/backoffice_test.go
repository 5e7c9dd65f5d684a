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
		Verifier: onboarding.NewSimVerifier([]posguard.Identity{{Name: "张晓明", IDNo: "310101198503121236", Phone: "13800138001", Account: "6222020000001234567"}})}}
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
