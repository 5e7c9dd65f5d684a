package http

import (
	"context"
	"encoding/json"
	nethttp "net/http"
	"strconv"

	"github.com/posguard/posguard"
)

// Limit-increase requests (提额申请): a merchant user (for its own merchant)
// or a staff user asks for new limits; a risk user other than the
// requester approves (the merchant's limits change at once) or rejects.
// Every step is audited (the route table's audit wrapper); a merchant user
// sees only its own merchant's requests (another's is "not found").

// riskDeciders decide limit requests.
var riskDeciders = []posguard.Role{posguard.RoleRisk}

// limitRequesters may file a limit request.
var limitRequesters = []posguard.Role{posguard.RoleAdmin, posguard.RoleOperator, posguard.RoleRisk, posguard.RoleMerchant}

func (s *Server) limitRequestRoutes() []route {
	l := func(pattern string, h nethttp.HandlerFunc, roles []posguard.Role, o op) route {
		return route{pattern, s.needLimitRequests(h), roles, o}
	}
	return []route{
		l("POST /v1/merchants/{id}/limit-requests", s.postLimitRequest, limitRequesters, op{summary: "Ask for new limits (提额): the fields given replace the merchant's, the others stay; a risk user decides",
			body: limitRequestInput{}, resp: limitRequestView{}, status: 201}),
		l("GET /v1/limit-requests", s.listLimitRequests, everyone, op{summary: "Limit requests, newest first (a merchant user sees its own)",
			query: []string{"merchant: merchant ID", "state: pending, approved or rejected"}, resp: limitRequestList{}}),
		l("GET /v1/limit-requests/{id}", s.getLimitRequest, everyone, op{summary: "One limit request", resp: limitRequestView{}}),
		l("POST /v1/limit-requests/{id}/approve", s.approveLimitRequest, riskDeciders, op{summary: "Approve a limit request (risk, not its requester): the merchant's limits become the requested ones",
			body: decideInput{}, resp: limitRequestView{}}),
		l("POST /v1/limit-requests/{id}/reject", s.rejectLimitRequest, riskDeciders, op{summary: "Reject a limit request (risk): nothing changes", body: decideInput{}, resp: limitRequestView{}}),
	}
}

// needLimitRequests answers 404 when the store keeps no limit requests.
func (s *Server) needLimitRequests(h nethttp.HandlerFunc) nethttp.HandlerFunc {
	return func(w nethttp.ResponseWriter, r *nethttp.Request) {
		if s.LimitRequests == nil {
			s.writeError(w, r, posguard.Errorf(posguard.ENOTFOUND, "limit requests are not enabled"))
			return
		}
		h(w, r)
	}
}

// limitRequestInput is the body of POST /v1/merchants/{id}/limit-requests:
// amounts in fen, counts; an absent field keeps the merchant's value.
type limitRequestInput struct {
	PerTxn             *int64 `json:"per_txn,omitempty"`
	Daily              *int64 `json:"daily,omitempty"`
	DailyCount         *int   `json:"daily_count,omitempty"`
	CardDaily          *int64 `json:"card_daily,omitempty"`
	CardDailyCount     *int   `json:"card_daily_count,omitempty"`
	TerminalDaily      *int64 `json:"terminal_daily,omitempty"`
	TerminalDailyCount *int   `json:"terminal_daily_count,omitempty"`
	Reason             string `json:"reason"`
}

// decideInput is the body of an approve or reject.
type decideInput struct {
	Note string `json:"note"`
}

// limitRequestView is a limit request as the API shows it.
type limitRequestView struct {
	ID          int64      `json:"id"`
	MerchantID  string     `json:"merchant_id"`
	Previous    limitsView `json:"previous"`
	Requested   limitsView `json:"requested"`
	Reason      string     `json:"reason,omitempty"`
	State       string     `json:"state"`
	RequestedBy string     `json:"requested_by"`
	RequestedAt string     `json:"requested_at"`
	DecidedBy   string     `json:"decided_by,omitempty"`
	DecidedAt   string     `json:"decided_at,omitempty"`
	Note        string     `json:"note,omitempty"`
}

func newLimitRequestView(x *posguard.LimitRequest) limitRequestView {
	return limitRequestView{ID: x.ID, MerchantID: x.MerchantID, Previous: newLimitsView(x.Previous), Requested: newLimitsView(x.Requested),
		Reason: x.Reason, State: string(x.State), RequestedBy: x.RequestedBy, RequestedAt: formatTime(x.RequestedAt),
		DecidedBy: x.DecidedBy, DecidedAt: formatTime(x.DecidedAt), Note: x.Note}
}

// limitRequestList is the answer of GET /v1/limit-requests.
type limitRequestList struct {
	Requests []limitRequestView `json:"requests"`
}

// postLimitRequest serves POST /v1/merchants/{id}/limit-requests: 201
// with the pending request; the merchant's limits do not change yet.
func (s *Server) postLimitRequest(w nethttp.ResponseWriter, r *nethttp.Request) {
	m, err := s.merchantFor(r, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in limitRequestInput
	if err := json.NewDecoder(nethttp.MaxBytesReader(w, r.Body, 4096)).Decode(&in); err != nil {
		s.writeError(w, r, invalidParam("body", "want JSON {per_txn, daily, daily_count, card_daily, card_daily_count, terminal_daily, terminal_daily_count, reason}"))
		return
	}
	req := m.Limits
	setA := func(dst *posguard.Amount, v *int64) {
		if v != nil {
			*dst = posguard.Amount(*v)
		}
	}
	setN := func(dst *int, v *int) {
		if v != nil {
			*dst = *v
		}
	}
	setA(&req.PerTxn, in.PerTxn)
	setA(&req.Daily, in.Daily)
	setN(&req.DailyCount, in.DailyCount)
	setA(&req.CardDaily, in.CardDaily)
	setN(&req.CardDailyCount, in.CardDailyCount)
	setA(&req.TerminalDaily, in.TerminalDaily)
	setN(&req.TerminalDailyCount, in.TerminalDailyCount)
	if req.Negative() {
		s.writeError(w, r, invalidParam("body", "limits must not be negative"))
		return
	}
	if req == m.Limits {
		s.writeError(w, r, invalidParam("body", "the requested limits are the merchant's current ones"))
		return
	}
	if len(in.Reason) > 500 {
		s.writeError(w, r, invalidParam("reason", "at most 500 bytes"))
		return
	}
	x := &posguard.LimitRequest{MerchantID: m.ID, Previous: m.Limits, Requested: req, Reason: posguard.MaskFreeText(in.Reason), RequestedBy: currentUser(r).Name}
	// The record is built inside the request's transaction, with its ID.
	onAuditNote(r, func(any) (string, any) {
		return "limit-requests/" + strconv.FormatInt(x.ID, 10), newLimitRequestView(x)
	})
	noteChanges(r, map[string]any{"merchant_id": m.ID, "limits": newLimitsView(m.Limits)}, nil)
	posguard.NoteAudit(r.Context(), x)
	if err := s.LimitRequests.CreateLimitRequest(r.Context(), x); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, nethttp.StatusCreated, newLimitRequestView(x))
}

// limitRequestFor returns request {id} if the user may see it; ENOTFOUND
// (as for a missing one) otherwise.
func (s *Server) limitRequestFor(r *nethttp.Request) (*posguard.LimitRequest, error) {
	return scopedByID(r, "limit request", s.LimitRequests.LimitRequest, func(x *posguard.LimitRequest) string { return x.MerchantID })
}

// listLimitRequests serves GET /v1/limit-requests?merchant=&state=.
func (s *Server) listLimitRequests(w nethttp.ResponseWriter, r *nethttp.Request) {
	serveRequestList(s, w, r, func(ctx context.Context, mid, state string) ([]*posguard.LimitRequest, error) {
		return s.LimitRequests.LimitRequests(ctx, posguard.LimitRequestFilter{MerchantID: mid, State: posguard.LimitRequestState(state)})
	}, newLimitRequestView, func(v []limitRequestView) any { return limitRequestList{Requests: v} })
}

// getLimitRequest serves GET /v1/limit-requests/{id}.
func (s *Server) getLimitRequest(w nethttp.ResponseWriter, r *nethttp.Request) {
	serveOne(s, w, r, s.limitRequestFor, newLimitRequestView)
}

func (s *Server) approveLimitRequest(w nethttp.ResponseWriter, r *nethttp.Request) {
	s.decideLimitRequest(w, r, posguard.LimitRequestApproved)
}

func (s *Server) rejectLimitRequest(w nethttp.ResponseWriter, r *nethttp.Request) {
	s.decideLimitRequest(w, r, posguard.LimitRequestRejected)
}

// decideLimitRequest approves or rejects request {id}: 403 for its own
// requester, 409 when decided already. An approval takes effect on the
// next transaction (the switch forgets its cached merchant).
func (s *Server) decideLimitRequest(w nethttp.ResponseWriter, r *nethttp.Request, state posguard.LimitRequestState) {
	x, err := s.limitRequestFor(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in decideInput
	if r.ContentLength != 0 {
		if err := json.NewDecoder(nethttp.MaxBytesReader(w, r.Body, 4096)).Decode(&in); err != nil {
			s.writeError(w, r, invalidParam("body", "want JSON {note}"))
			return
		}
	}
	by := currentUser(r).Name
	if posguard.NameKey(x.RequestedBy) == posguard.NameKey(by) {
		s.writeError(w, r, posguard.Errorf(posguard.EFORBIDDEN, "limit request %d: decided by a user other than its requester", x.ID))
		return
	}
	// The decision's time is the record's own.
	decided := *x
	decided.State, decided.DecidedBy, decided.Note = state, by, posguard.MaskFreeText(in.Note)
	noteObject(r, "limit-requests/"+strconv.FormatInt(x.ID, 10))
	noteChanges(r, newLimitRequestView(x), newLimitRequestView(&decided))
	done, err := s.LimitRequests.DecideLimitRequest(r.Context(), x.ID, state, by, decided.Note)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if state == posguard.LimitRequestApproved && s.MerchantChanged != nil {
		s.MerchantChanged(x.MerchantID)
	}
	writeJSON(w, nethttp.StatusOK, newLimitRequestView(done))
}
