package http

import (
	"bytes"
	"encoding/json"
	"io"
	nethttp "net/http"
	"strconv"
	"time"

	"github.com/posguard/posguard"
)

// ruleSetView is one version of the risk rules.
type ruleSetView struct {
	Version   int                 `json:"version"`
	Rules     []posguard.RiskRule `json:"rules"`
	CreatedBy string              `json:"created_by,omitempty"`
	CreatedAt string              `json:"created_at,omitempty"`
}

// rulesInput is the body of PUT /v1/risk/rules ({"rules": […]}; a bare
// array is taken too).
type rulesInput struct {
	Rules []posguard.RiskRule `json:"rules"`
}

// ruleVersionList answers GET /v1/risk/rules/versions.
type ruleVersionList struct {
	Versions []ruleSetView `json:"versions"`
}

// hitView is one risk rule hit.
type hitView struct {
	ID          int64         `json:"id"`
	At          string        `json:"at"`
	Rule        string        `json:"rule"`
	RuleVersion int           `json:"rule_version"`
	Action      string        `json:"action"`
	MerchantID  string        `json:"merchant_id"`
	TerminalID  string        `json:"terminal_id,omitempty"`
	TxnID       int64         `json:"txn_id,omitempty"`
	Amount      int64         `json:"amount"`
	AmountYuan  string        `json:"amount_yuan"`
	Card        string        `json:"card,omitempty"`
	Explain     posguard.Text `json:"explain"`
	Released    bool          `json:"released,omitempty"`
	ReleasedBy  string        `json:"released_by,omitempty"`
}

// hitList answers GET /v1/risk/hits.
type hitList struct {
	Hits []hitView `json:"hits"`
}

// merchantStatusView is a merchant's status, why, and its history.
type merchantStatusView struct {
	MerchantID   string          `json:"merchant_id"`
	Status       string          `json:"status"`
	StatusSince  string          `json:"status_since,omitempty"`
	StatusReason string          `json:"status_reason,omitempty"`
	WhatToDo     *posguard.Text  `json:"what_to_do,omitempty"`
	History      []merchantEvent `json:"history"`
}

// merchantEvent is one line of a merchant's history.
type merchantEvent struct {
	At     string `json:"at"`
	By     string `json:"by"`
	Action string `json:"action"`
	Reason string `json:"reason,omitempty"`
}

func newRuleSetView(set *posguard.RiskRuleSet) ruleSetView {
	v := ruleSetView{Version: set.Version, Rules: set.Rules, CreatedBy: set.CreatedBy, CreatedAt: formatTime(set.CreatedAt)}
	if v.Rules == nil {
		v.Rules = []posguard.RiskRule{}
	}
	return v
}

func newHitView(h *posguard.RiskHit) hitView {
	return hitView{ID: h.ID, At: formatTime(h.At), Rule: h.Rule, RuleVersion: h.RuleVersion, Action: string(h.Action),
		MerchantID: h.MerchantID, TerminalID: h.TerminalID, TxnID: h.TxnID, Amount: int64(h.Amount), AmountYuan: yuan(h.Amount),
		Card: maskDigitRuns(h.Card), Explain: h.Explain, Released: h.Released, ReleasedBy: h.ReleasedBy}
}

func (s *Server) getRiskRules(w nethttp.ResponseWriter, r *nethttp.Request) {
	set, err := s.Backoffice.Risk.Rules(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, nethttp.StatusOK, newRuleSetView(set))
}

func (s *Server) putRiskRules(w nethttp.ResponseWriter, r *nethttp.Request) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, 256<<10))
	if err != nil {
		s.writeError(w, r, posguard.Errorf(posguard.EINVALID, "body: %v", err))
		return
	}
	var in rulesInput
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if t := bytes.TrimSpace(raw); len(t) > 0 && t[0] == '[' {
		err = dec.Decode(&in.Rules)
	} else {
		err = dec.Decode(&in)
	}
	if err != nil {
		s.writeError(w, r, posguard.Errorf(posguard.EINVALID, "body: %s", maskDigitRuns(err.Error())))
		return
	}
	if in.Rules == nil {
		s.writeError(w, r, invalidParam("rules", "required (an empty list removes every rule)"))
		return
	}
	set, err := s.Backoffice.Risk.PutRules(r.Context(), actor(r), in.Rules)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, nethttp.StatusOK, newRuleSetView(set))
}

func (s *Server) riskRuleVersions(w nethttp.ResponseWriter, r *nethttp.Request) {
	sets, err := s.Backoffice.Risk.Store.RiskRuleVersions(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := ruleVersionList{Versions: []ruleSetView{}}
	for _, set := range sets {
		out.Versions = append(out.Versions, newRuleSetView(set))
	}
	writeJSON(w, nethttp.StatusOK, out)
}

func (s *Server) listRiskHits(w nethttp.ResponseWriter, r *nethttp.Request) {
	q := r.URL.Query()
	f := posguard.RiskHitFilter{MerchantID: q.Get("merchant"), Rule: q.Get("rule"), Limit: 1000}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		if v := q.Get(p.name); v != "" {
			t, err := parseTimeOrDate(v)
			if err != nil {
				s.writeError(w, r, invalidParam(p.name, "want RFC 3339 or YYYY-MM-DD"))
				return
			}
			*p.dst = t
		}
	}
	if v := q.Get("txn"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			s.writeError(w, r, invalidParam("txn", "not a transaction ID"))
			return
		}
		f.TxnID = id
	}
	if u := currentUser(r); u != nil && !u.Staff() {
		f.MerchantID = u.MerchantID
	}
	hits, err := s.Backoffice.Risk.Hits(r.Context(), f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := hitList{Hits: []hitView{}}
	for _, h := range hits {
		out.Hits = append(out.Hits, newHitView(h))
	}
	writeJSON(w, nethttp.StatusOK, out)
}

// parseTimeOrDate reads RFC 3339 or a date (midnight UTC+8).
func parseTimeOrDate(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	return time.ParseInLocation("2006-01-02", v, posguard.ChinaStandardTime)
}

func (s *Server) releaseRiskHit(w nethttp.ResponseWriter, r *nethttp.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.writeError(w, r, invalidParam("id", "not a hit ID"))
		return
	}
	h, err := s.Backoffice.Risk.Release(r.Context(), actor(r), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, nethttp.StatusOK, newHitView(h))
}

func (s *Server) freezeMerchant(w nethttp.ResponseWriter, r *nethttp.Request) {
	s.setFrozen(w, r, true)
}

func (s *Server) unfreezeMerchant(w nethttp.ResponseWriter, r *nethttp.Request) {
	s.setFrozen(w, r, false)
}

func (s *Server) setFrozen(w nethttp.ResponseWriter, r *nethttp.Request, freeze bool) {
	var in reasonInput
	if err := readBody(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	var err error
	if freeze {
		_, err = s.Backoffice.Risk.Freeze(r.Context(), actor(r), r.PathValue("id"), in.Reason)
	} else {
		_, err = s.Backoffice.Risk.Unfreeze(r.Context(), actor(r), r.PathValue("id"), in.Reason)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.merchantHistory(w, r)
}

// whatToDo is the remedy shown with a status other than active.
var whatToDo = map[posguard.MerchantStatus]posguard.Text{
	posguard.MerchantFrozen: {ZH: "商户已被风控冻结：请联系收单机构风控部门，按要求提供交易说明、购销合同或经营场所照片，审核通过后解冻。",
		EN: "The merchant is frozen by risk control: contact the acquirer's risk department and provide what it asks for (transaction explanations, sales contracts, photos of the premises); it is unfrozen after review."},
	posguard.MerchantPendingKYC: {ZH: "实名认证未完成：请通过进件申请提交法定代表人身份证、营业执照和结算账户，审核通过后即可收款。",
		EN: "Real-name verification is not complete: submit the legal person's ID, the business licence and the settlement account through an application; payments work once it is approved."},
	posguard.MerchantClosed: {ZH: "商户已注销：如需继续收款请重新进件。", EN: "The merchant is closed: apply again to take payments."},
}

func (s *Server) merchantHistory(w nethttp.ResponseWriter, r *nethttp.Request) {
	mid := r.PathValue("id")
	m, err := s.merchantFor(r, mid)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ev, err := s.Backoffice.Onboarding.Store.MerchantEvents(r.Context(), mid, 100)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := merchantStatusView{MerchantID: m.ID, Status: string(m.Status), StatusSince: formatTime(m.StatusSince), History: []merchantEvent{}}
	if m.Status == posguard.MerchantFrozen {
		out.StatusReason = s.Backoffice.Risk.FreezeReason(m.ID)
	}
	if t, ok := whatToDo[m.Status]; ok {
		out.WhatToDo = &t
	}
	for _, e := range ev {
		out.History = append(out.History, merchantEvent{At: formatTime(e.At), By: e.Actor, Action: e.Action, Reason: e.Reason})
	}
	writeJSON(w, nethttp.StatusOK, out)
}
