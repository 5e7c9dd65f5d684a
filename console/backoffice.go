package console

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/access"
	"github.com/posguard/posguard/onboarding"
)

// reviewRoles may review applications and freeze or unfreeze merchants.
var reviewRoles = []posguard.Role{posguard.RoleRisk, posguard.RoleAdmin}

// onboardingData is the onboarding page's data: for staff the
// applications (filtered by state); for a merchant user its own status,
// why, what to do, its history and its applications.
type onboardingData struct {
	Enabled      bool
	State        string
	States       []string
	Applications []*posguard.Application
	CanReview    bool
	// Merchant's view.
	Merchant     *posguard.Merchant
	StatusReason string
	History      []*posguard.MerchantEvent
}

// appStates are the application states, for the filter.
var appStates = []string{"draft", "pending_review", "returned", "approved", "rejected"}

// actorOf is the page's user as an onboarding actor.
func actorOf(q *request) onboarding.Actor {
	return onboarding.Actor{Name: q.user.Name, Role: q.user.Role, Remote: access.RemoteAddr(q.r)}
}

// onboardingPage serves GET /onboarding?state=.
func (s *Server) onboardingPage(q *request) error {
	d := &onboardingData{Enabled: s.Onboarding != nil, States: appStates, State: q.Query("state"),
		CanReview: is(q.user, reviewRoles...)}
	if s.Onboarding == nil {
		return q.render(http.StatusOK, "onboarding", "nav.onboarding", d)
	}
	ctx := q.r.Context()
	if d.State != "" && !contains(appStates, d.State) {
		return posguard.Errorf(posguard.EINVALID, "state: %s", strings.Join(appStates, ", "))
	}
	list, err := s.Onboarding.Store.Applications(ctx, posguard.ApplicationState(d.State), pageSize)
	if err != nil {
		return err
	}
	if q.user.Staff() {
		d.Applications = list
		return q.render(http.StatusOK, "onboarding", "nav.onboarding", d)
	}
	for _, a := range list {
		if a.MerchantID != "" && q.user.Sees(a.MerchantID) {
			d.Applications = append(d.Applications, a)
		}
	}
	if d.Merchant, err = s.Store.Merchant(ctx, q.user.MerchantID); err != nil {
		return err
	}
	if d.Merchant.Status == posguard.MerchantFrozen && s.Risk != nil {
		d.StatusReason = s.Risk.FreezeReason(d.Merchant.ID)
	}
	if d.History, err = s.Onboarding.Store.MerchantEvents(ctx, d.Merchant.ID, pageSize); err != nil {
		return err
	}
	return q.render(http.StatusOK, "onboarding", "nav.onboarding", d)
}

// reviewApplication serves POST /onboarding/{id}/approve and …/reject
// (field reason).
func (s *Server) reviewApplication(q *request) error {
	if s.Onboarding == nil {
		return posguard.Errorf(posguard.ENOTFOUND, "onboarding is not enabled")
	}
	id, err := strconv.ParseInt(q.r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return posguard.Errorf(posguard.ENOTFOUND, "no application %q", q.r.PathValue("id"))
	}
	q.object = "application/" + strconv.FormatInt(id, 10)
	ctx := q.r.Context()
	if strings.HasSuffix(q.r.URL.Path, "/approve") {
		if _, err := s.Onboarding.Approve(ctx, actorOf(q), id); err != nil {
			return err
		}
		return q.redirect("/onboarding", "approved")
	}
	if _, err := s.Onboarding.Reject(ctx, actorOf(q), id, q.r.PostFormValue("reason")); err != nil {
		return err
	}
	return q.redirect("/onboarding", "rejected")
}

// riskData is the risk page's data (staff).
type riskData struct {
	Enabled   bool
	Rules     *posguard.RiskRuleSet
	Hits      []*posguard.RiskHit
	Frozen    []frozenRow
	CanFreeze bool
}

// frozenRow is a frozen merchant and why.
type frozenRow struct {
	*posguard.Merchant
	Reason string
}

// riskPage serves GET /risk (staff): the rules in use, the latest hits, the
// frozen merchants with why, and the freeze and unfreeze forms.
func (s *Server) riskPage(q *request) error {
	d := &riskData{Enabled: s.Risk != nil, CanFreeze: is(q.user, reviewRoles...)}
	if s.Risk == nil {
		return q.render(http.StatusOK, "risk", "nav.risk", d)
	}
	ctx := q.r.Context()
	var err error
	if d.Rules, err = s.Risk.Rules(ctx); err != nil {
		return err
	}
	if d.Hits, err = s.Risk.Hits(ctx, posguard.RiskHitFilter{MerchantID: q.Query("merchant"), Rule: q.Query("rule"), Limit: pageSize}); err != nil {
		return err
	}
	all, err := s.Store.Merchants(ctx)
	if err != nil {
		return err
	}
	for _, m := range all {
		if m.Status == posguard.MerchantFrozen {
			d.Frozen = append(d.Frozen, frozenRow{Merchant: m, Reason: s.Risk.FreezeReason(m.ID)})
		}
	}
	return q.render(http.StatusOK, "risk", "nav.risk", d)
}

// freezePage serves POST /risk/freeze and /risk/unfreeze (fields merchant,
// reason).
func (s *Server) freezePage(q *request) error {
	if s.Risk == nil {
		return posguard.Errorf(posguard.ENOTFOUND, "risk is not enabled")
	}
	mid := strings.TrimSpace(q.r.PostFormValue("merchant"))
	q.object = "merchant/" + mid
	reason := q.r.PostFormValue("reason")
	if strings.HasSuffix(q.r.URL.Path, "/unfreeze") {
		if _, err := s.Risk.Unfreeze(q.r.Context(), actorOf(q), mid, reason); err != nil {
			return err
		}
		return q.redirect("/risk", "unfrozen")
	}
	if _, err := s.Risk.Freeze(q.r.Context(), actorOf(q), mid, reason); err != nil {
		return err
	}
	return q.redirect("/risk", "frozen")
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
