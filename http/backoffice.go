package http

import (
	nethttp "net/http"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/access"
	"github.com/posguard/posguard/onboarding"
	"github.com/posguard/posguard/risk"
)

// Backoffice is the onboarding and risk side of the API (applications,
// terminal binding, risk rules and hits, freezes): docs/onboarding.md and
// docs/risk.md. Set it on Server.Backoffice; its routes then answer behind
// authentication and the roles each declares.
type Backoffice struct {
	Onboarding *onboarding.Service
	Risk       *risk.Service
	// Auth authenticates the requests of these routes.
	Auth *access.Auth
}

// boRoute is one onboarding or risk route: its pattern, handler, the roles
// it admits and its description (summary, body and answer types, status).
type boRoute struct {
	pattern string
	handler nethttp.HandlerFunc
	roles   []posguard.Role
	summary string
	body    any
	resp    any
	status  int
}

// Role sets of the onboarding and risk routes.
var (
	boMakers    = []posguard.Role{posguard.RoleAdmin, posguard.RoleOperator}
	boReviewers = []posguard.Role{posguard.RoleAdmin, posguard.RoleRisk}
	boRisk      = []posguard.Role{posguard.RoleRisk}
	boStaff     = access.Staff()
	boEveryone  = access.Everyone
)

// backofficeRoutes is the table of the onboarding and risk routes.
func (s *Server) backofficeRoutes() []boRoute {
	return []boRoute{
		{"POST /v1/applications", s.postApplication, boMakers, "Create a merchant application (进件), state draft", applicationInput{}, applicationView{}, 201},
		{"GET /v1/applications", s.listApplications, boEveryone, "Applications, newest first (filter state; a merchant user sees its own)", nil, applicationList{}, 0},
		{"GET /v1/applications/{id}", s.getApplication, boEveryone, "One application with its checks, documents and history", nil, applicationView{}, 0},
		{"PATCH /v1/applications/{id}", s.patchApplication, boMakers, "Change a draft or returned application (a returned one goes back to draft)", applicationInput{}, applicationView{}, 0},
		{"POST /v1/applications/{id}/documents", s.postDocument, boMakers, "Attach a document (multipart: kind, file; JPEG, PNG or PDF by content, at most 5 MB)", nil, documentView{}, 201},
		{"GET /v1/applications/{id}/documents/{doc}", s.getDocument, boEveryone, "Download a document (its sniffed content type)", nil, nil, 0},
		{"POST /v1/applications/{id}/submit", s.submitApplication, boMakers, "Run the automatic checks and real-name verification: pending_review, returned or rejected", nil, applicationView{}, 0},
		{"POST /v1/applications/{id}/approve", s.approveApplication, boReviewers, "Approve (not by its creator): the merchant is created active", nil, applicationView{}, 0},
		{"POST /v1/applications/{id}/reject", s.rejectApplication, boReviewers, "Reject (not by its creator) with a reason", reasonInput{}, applicationView{}, 0},
		{"POST /v1/applications/{id}/return", s.returnApplication, boReviewers, "Return to the applicant (not by its creator) naming fields to correct", returnInput{}, applicationView{}, 0},
		{"POST /v1/terminals", s.postTerminal, boMakers, "Create a terminal bound to a serial number; its TMK as two components and a check value, shown once", terminalInput{}, createdTerminalView{}, 201},
		{"GET /v1/merchants/{id}/terminals", s.merchantTerminals, boEveryone, "A merchant's terminals and their serial numbers", nil, terminalList{}, 0},
		{"POST /v1/terminals/{id}/unbind", s.unbindTerminal, boMakers, "Unbind a terminal from its serial number (it is disabled)", nil, boundTerminalView{}, 0},
		{"POST /v1/terminals/{id}/move", s.moveTerminal, boMakers, "Move a terminal to another merchant (it signs on again)", moveInput{}, boundTerminalView{}, 0},
		{"POST /v1/terminals/{id}/status", s.terminalStatus, boMakers, "Disable or enable a terminal", statusInput{}, boundTerminalView{}, 0},
		{"GET /v1/risk/rules", s.getRiskRules, boStaff, "The risk rules in use and their version", nil, ruleSetView{}, 0},
		{"PUT /v1/risk/rules", s.putRiskRules, boRisk, "Replace the risk rules: a new version, in use at once (every version kept)", rulesInput{}, ruleSetView{}, 0},
		{"GET /v1/risk/rules/versions", s.riskRuleVersions, boStaff, "Every version of the risk rules, newest first", nil, ruleVersionList{}, 0},
		{"GET /v1/risk/hits", s.listRiskHits, boEveryone, "Risk rule hits, newest first (filters merchant, rule, from, to, txn; a merchant user sees its own)", nil, hitList{}, 0},
		{"POST /v1/risk/hits/{id}/release", s.releaseRiskHit, boRisk, "Release the settlement of a payment a review rule held", nil, hitView{}, 0},
		{"POST /v1/merchants/{id}/freeze", s.freezeMerchant, boReviewers, "Freeze an active merchant with a reason: its terminals get 03 naming it", reasonInput{}, merchantStatusView{}, 0},
		{"POST /v1/merchants/{id}/unfreeze", s.unfreezeMerchant, boReviewers, "Unfreeze a frozen merchant with a reason", reasonInput{}, merchantStatusView{}, 0},
		{"GET /v1/merchants/{id}/history", s.merchantHistory, boEveryone, "A merchant's status, why, and its history (frozen, unfrozen, terminals bound…)", nil, merchantStatusView{}, 0},
	}
}

// BackofficePatterns returns the pattern of every onboarding and risk
// route.
func (s *Server) BackofficePatterns() []string {
	var out []string
	for _, r := range s.backofficeRoutes() {
		out = append(out, r.pattern)
	}
	return out
}

// mountBackoffice registers the onboarding and risk routes on mux behind
// an access.Router (authentication and roles).
func (s *Server) mountBackoffice(mux *nethttp.ServeMux) {
	if s.Backoffice == nil {
		return
	}
	rt := access.NewRouter(s.Backoffice.Auth, func(w nethttp.ResponseWriter, r *nethttp.Request, err error) { s.writeError(w, r, err) })
	for _, r := range s.backofficeRoutes() {
		rt.Handle(r.pattern, r.handler, r.roles...)
		mux.Handle(r.pattern, rt)
	}
}

// actor is the authenticated user of r as an onboarding actor.
func actor(r *nethttp.Request) onboarding.Actor {
	u := access.UserFromContext(r.Context())
	if u == nil {
		return onboarding.Actor{Remote: access.RemoteAddr(r)}
	}
	return onboarding.Actor{Name: u.Name, Role: u.Role, Remote: access.RemoteAddr(r)}
}

// user is the authenticated user of r (nil on a public route).
func user(r *nethttp.Request) *posguard.User { return access.UserFromContext(r.Context()) }

// sees reports whether r's user may see merchant mid's objects; a
// merchant user asking about another merchant gets ENOTFOUND.
func sees(r *nethttp.Request, mid string) error {
	if u := user(r); u != nil && !u.Sees(mid) {
		return posguard.Errorf(posguard.ENOTFOUND, "not found")
	}
	return nil
}
