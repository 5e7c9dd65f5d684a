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
// docs/risk.md. Set it on Server.Backoffice; without it those routes answer
// 404.
type Backoffice struct {
	Onboarding *onboarding.Service
	Risk       *risk.Service
}

// Role sets of the onboarding and risk routes.
var (
	boMakers    = []posguard.Role{posguard.RoleAdmin, posguard.RoleOperator}
	boReviewers = []posguard.Role{posguard.RoleAdmin, posguard.RoleRisk}
	boRisk      = []posguard.Role{posguard.RoleRisk}
)

// backofficeRoutes are the onboarding and risk routes of the route table.
func (s *Server) backofficeRoutes() []route {
	bo := func(pattern string, h nethttp.HandlerFunc, roles []posguard.Role, summary string, body, resp any, status int) route {
		return route{pattern, s.needBackoffice(h), roles, op{summary: summary, body: body, resp: resp, status: status}}
	}
	return []route{
		bo("POST /v1/applications", s.postApplication, boMakers, "Create a merchant application (进件), state draft", applicationInput{}, applicationView{}, 201),
		bo("GET /v1/applications", s.listApplications, everyone, "Applications, newest first (query state; a merchant user sees its own)", nil, applicationList{}, 0),
		bo("GET /v1/applications/{id}", s.getApplication, everyone, "One application with its checks, documents and history", nil, applicationView{}, 0),
		bo("PATCH /v1/applications/{id}", s.patchApplication, boMakers, "Change a draft or returned application (a returned one goes back to draft)", applicationInput{}, applicationView{}, 0),
		bo("POST /v1/applications/{id}/documents", s.postDocument, boMakers, "Attach a document (multipart/form-data: kind, file; JPEG, PNG or PDF by content, at most 5 MB)", nil, documentView{}, 201),
		bo("GET /v1/applications/{id}/documents/{doc}", s.getDocument, everyone, "Download a document (its sniffed content type, as an attachment)", nil, nil, 0),
		bo("POST /v1/applications/{id}/submit", s.submitApplication, boMakers, "Run the automatic checks and real-name verification: pending_review, returned or rejected", nil, applicationView{}, 0),
		bo("POST /v1/applications/{id}/approve", s.approveApplication, boReviewers, "Approve (never by its creator: 403): the merchant is created active", nil, applicationView{}, 0),
		bo("POST /v1/applications/{id}/reject", s.rejectApplication, boReviewers, "Reject (never by its creator: 403) with a reason", reasonInput{}, applicationView{}, 0),
		bo("POST /v1/applications/{id}/return", s.returnApplication, boReviewers, "Return to the applicant (never by its creator: 403) naming the fields to correct", returnInput{}, applicationView{}, 0),
		bo("POST /v1/terminals", s.postTerminal, boMakers, "Create a terminal bound to a serial number; its TMK as two components and a check value, shown this once", terminalInput{}, createdTerminalView{}, 201),
		bo("GET /v1/merchants/{id}/terminals", s.merchantTerminals, everyone, "A merchant's terminals and their serial numbers", nil, terminalList{}, 0),
		bo("POST /v1/terminals/{id}/status", s.terminalStatus, boMakers, "Disable or enable a terminal", statusInput{}, boundTerminalView{}, 0),
		bo("POST /v1/terminals/{id}/move", s.moveTerminal, boMakers, "Move a terminal to another merchant (it signs on again)", moveInput{}, boundTerminalView{}, 0),
		bo("POST /v1/terminals/{id}/unbind", s.unbindTerminal, boMakers, "Unbind a terminal from its serial number (it is disabled)", nil, boundTerminalView{}, 0),
		bo("GET /v1/risk/rules", s.getRiskRules, staff, "The risk rules in use and their version", nil, ruleSetView{}, 0),
		bo("PUT /v1/risk/rules", s.putRiskRules, boRisk, "Replace the risk rules: a new version, in use at once (every version kept)", rulesInput{}, ruleSetView{}, 0),
		bo("GET /v1/risk/rules/versions", s.riskRuleVersions, staff, "Every version of the risk rules, newest first", nil, ruleVersionList{}, 0),
		bo("GET /v1/risk/hits", s.listRiskHits, everyone, "Risk rule hits, newest first (query merchant, rule, from, to, txn; a merchant user sees its own)", nil, hitList{}, 0),
		bo("POST /v1/risk/hits/{id}/release", s.releaseRiskHit, boRisk, "Release the settlement a review rule held", nil, hitView{}, 0),
		bo("POST /v1/merchants/{id}/freeze", s.freezeMerchant, boReviewers, "Freeze an active merchant with a reason: its terminals get 03 naming it", reasonInput{}, merchantStatusView{}, 0),
		bo("POST /v1/merchants/{id}/unfreeze", s.unfreezeMerchant, boReviewers, "Unfreeze a frozen merchant with a reason", reasonInput{}, merchantStatusView{}, 0),
		bo("GET /v1/merchants/{id}/history", s.merchantHistory, everyone, "A merchant's status, why, what to do, and its history (frozen, unfrozen, terminals bound…)", nil, merchantStatusView{}, 0),
	}
}

// needBackoffice answers 404 when onboarding and risk are not enabled.
func (s *Server) needBackoffice(h nethttp.HandlerFunc) nethttp.HandlerFunc {
	return func(w nethttp.ResponseWriter, r *nethttp.Request) {
		if s.Backoffice == nil {
			s.writeError(w, r, posguard.Errorf(posguard.ENOTFOUND, "onboarding and risk are not enabled"))
			return
		}
		h(w, r)
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
