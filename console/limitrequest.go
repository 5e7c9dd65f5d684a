package console

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/posguard/posguard"
)

// Limit-increase requests (提额申请) on the console: the same rules as the
// API's /v1/limit-requests (docs/switch.md). A merchant user files a
// request for its own merchant (staff other than finance for any), sees
// its requests and their state; a risk user other than the requester
// approves (the merchant's limits become the requested ones at once) or
// rejects it, with a reason. Another merchant's request is "not found".

// Who files and who decides limit requests (as the API).
var (
	limitRequesters = []posguard.Role{posguard.RoleAdmin, posguard.RoleOperator, posguard.RoleRisk, posguard.RoleMerchant}
	limitDeciders   = []posguard.Role{posguard.RoleRisk}
)

// limitRequestRoutes are the limit-request pages of the route table.
func (s *Server) limitRequestRoutes() []route {
	return []route{
		{"GET /limit-requests", allRoles, s.limitRequests},
		{"POST /limit-requests", limitRequesters, s.fileLimitRequest},
		{"GET /limit-requests/{id}", allRoles, s.limitRequestPage},
		{"POST /limit-requests/{id}/approve", limitDeciders, s.decideLimitRequest},
		{"POST /limit-requests/{id}/reject", limitDeciders, s.decideLimitRequest},
	}
}

// limitStore returns the store's limit requests; nil when it keeps none.
func (s *Server) limitStore() posguard.LimitRequestStore {
	ls, _ := s.Store.(posguard.LimitRequestStore)
	return ls
}

// limitField is one of the seven limits a request may change.
type limitField struct {
	Key   string // form value and catalogue suffix
	Label string // catalogue key
	Count bool   // a count, not an amount
	get   func(*posguard.Limits) *posguard.Amount
	getN  func(*posguard.Limits) *int
}

// limitFields are the limits in the order the pages show them.
var limitFields = []limitField{
	{Key: "per_txn", Label: "merchant.per_txn", get: func(l *posguard.Limits) *posguard.Amount { return &l.PerTxn }},
	{Key: "daily", Label: "merchant.daily", get: func(l *posguard.Limits) *posguard.Amount { return &l.Daily }},
	{Key: "daily_count", Label: "merchant.daily_count", Count: true, getN: func(l *posguard.Limits) *int { return &l.DailyCount }},
	{Key: "card_daily", Label: "lreq.card_daily", get: func(l *posguard.Limits) *posguard.Amount { return &l.CardDaily }},
	{Key: "card_daily_count", Label: "lreq.card_daily_count", Count: true, getN: func(l *posguard.Limits) *int { return &l.CardDailyCount }},
	{Key: "terminal_daily", Label: "lreq.terminal_daily", get: func(l *posguard.Limits) *posguard.Amount { return &l.TerminalDaily }},
	{Key: "terminal_daily_count", Label: "lreq.terminal_daily_count", Count: true, getN: func(l *posguard.Limits) *int { return &l.TerminalDailyCount }},
}

// show renders field f of l as the page shows it ("no limit" for 0).
func (q *request) showLimit(f limitField, l posguard.Limits) string {
	if f.Count {
		if n := *f.getN(&l); n > 0 {
			return strconv.Itoa(n)
		}
	} else if a := *f.get(&l); a > 0 {
		return q.Yuan(a)
	}
	return q.T("limits.none")
}

// limitLine is one limit of a request: its label, previous and requested
// values, and whether the request changes it.
type limitLine struct {
	Label, Previous, Requested, Current string
	Changed                             bool
}

// limitLines compares a request's previous and requested limits (and the
// merchant's current ones when cur is not nil).
func (q *request) limitLines(prev, req posguard.Limits, cur *posguard.Limits) []limitLine {
	out := make([]limitLine, 0, len(limitFields))
	for _, f := range limitFields {
		l := limitLine{Label: q.T(f.Label), Previous: q.showLimit(f, prev), Requested: q.showLimit(f, req)}
		l.Changed = l.Previous != l.Requested
		if cur != nil {
			l.Current = q.showLimit(f, *cur)
		}
		out = append(out, l)
	}
	return out
}

// limitRequestRow is a request as the list shows it.
type limitRequestRow struct {
	*posguard.LimitRequest
	Changes []limitLine // only the limits it changes
	State   string      // in the page's language
}

// limitStateKey is the catalogue key of a request's state.
func limitStateKey(s posguard.LimitRequestState) string {
	switch s {
	case posguard.LimitRequestApproved:
		return "lreq.approved"
	case posguard.LimitRequestRejected:
		return "lreq.rejected"
	}
	return "lreq.pending"
}

func (q *request) limitRequestRow(x *posguard.LimitRequest) limitRequestRow {
	row := limitRequestRow{LimitRequest: x, State: q.T(limitStateKey(x.State))}
	for _, l := range q.limitLines(x.Previous, x.Requested, nil) {
		if l.Changed {
			row.Changes = append(row.Changes, l)
		}
	}
	return row
}

// limitForm is the filing form as typed, and the refusal's catalogue key.
type limitForm struct {
	Merchant, Limit, Value, Reason string
	Error                          string
}

// limitRequestsData is the list page's data.
type limitRequestsData struct {
	Enabled bool
	// Merchant is the merchant user's own merchant (its limits now).
	Merchant *posguard.Merchant
	Limits   []limitLine
	Rows     []limitRequestRow
	State    string
	// CanFile shows the filing form; CanDecide marks a risk user.
	CanFile, CanDecide bool
	Fields             []limitField
	Form               limitForm
}

// limitRequests serves GET /limit-requests?state=&merchant=: a merchant
// user's own requests (every state) with its limits now and the filing
// form; staff's queue (pending first by default; any state, any merchant).
func (s *Server) limitRequests(q *request) error {
	return q.renderLimitRequests(http.StatusOK, nil)
}

// renderLimitRequests renders the list page; refused is the filing form
// as typed after a refusal.
func (q *request) renderLimitRequests(status int, refused *limitForm) error {
	ls := q.s.limitStore()
	v := q.r.URL.Query()
	d := &limitRequestsData{Enabled: ls != nil, State: v.Get("state"), CanFile: is(q.user, limitRequesters...),
		CanDecide: is(q.user, limitDeciders...), Fields: limitFields}
	if refused != nil {
		d.Form = *refused
	}
	if !d.Enabled {
		return q.render(status, "limitrequests", "nav.limits", d)
	}
	f := posguard.LimitRequestFilter{State: posguard.LimitRequestState(d.State), Limit: pageSize}
	switch f.State {
	case "", posguard.LimitRequestPending, posguard.LimitRequestApproved, posguard.LimitRequestRejected:
	case "all":
		f.State = ""
	default:
		return posguard.Errorf(posguard.EINVALID, "state: pending, approved, rejected or all")
	}
	if q.user.Staff() {
		if d.State == "" {
			d.State, f.State = string(posguard.LimitRequestPending), posguard.LimitRequestPending
		}
		f.MerchantID = strings.TrimSpace(v.Get("merchant"))
		if d.Form.Merchant == "" {
			d.Form.Merchant = f.MerchantID
		}
	} else {
		f.MerchantID = q.user.MerchantID
		m, err := q.s.Store.Merchant(q.r.Context(), q.user.MerchantID)
		if err != nil {
			return err
		}
		d.Merchant, d.Limits = m, q.limitLines(m.Limits, m.Limits, nil)
	}
	list, err := ls.LimitRequests(q.r.Context(), f)
	if err != nil {
		return err
	}
	for _, x := range list {
		d.Rows = append(d.Rows, q.limitRequestRow(x))
	}
	return q.render(status, "limitrequests", "nav.limits", d)
}

// fileLimitRequest serves POST /limit-requests (fields merchant (staff),
// limit, value (元, or a count), reason): a pending request for the
// merchant's limits with that one changed. A refused form shows the page
// again with 400 and the reason in the user's language; nothing is stored.
func (s *Server) fileLimitRequest(q *request) error {
	ls := s.limitStore()
	if ls == nil {
		return posguard.Errorf(posguard.ENOTFOUND, "limit requests are not enabled")
	}
	in := limitForm{Merchant: strings.TrimSpace(q.r.PostFormValue("merchant")), Limit: q.r.PostFormValue("limit"),
		Value: strings.TrimSpace(q.r.PostFormValue("value")), Reason: strings.TrimSpace(q.r.PostFormValue("reason"))}
	mid := q.user.MerchantID
	if q.user.Staff() {
		mid = in.Merchant
	}
	refuse := func(key string) error {
		in.Error = key
		q.changes, q.refused = `{"refused":`+strconv.Quote(key)+`}`, posguard.EINVALID
		return q.renderLimitRequests(http.StatusBadRequest, &in)
	}
	q.object = "merchant/" + mid
	m, err := s.Store.Merchant(q.r.Context(), mid)
	if err != nil {
		if posguard.ErrorCode(err) == posguard.ENOTFOUND && q.user.Staff() {
			return refuse("lreq.bad_merchant")
		}
		return err
	}
	req, key := parseLimitChange(m.Limits, in)
	if key != "" {
		return refuse(key)
	}
	x := &posguard.LimitRequest{MerchantID: m.ID, Previous: m.Limits, Requested: req, Reason: posguard.MaskFreeText(in.Reason), RequestedBy: q.user.Name}
	q.auditFill(func(any) (string, string) { // x.ID is set inside the request's transaction
		b, _ := json.Marshal(map[string]any{"merchant_id": m.ID, "limit": in.Limit, "before": limitsJSON(m.Limits), "requested": limitsJSON(req), "state": "pending"})
		return "limit-requests/" + strconv.FormatInt(x.ID, 10), string(b)
	})
	if err := ls.CreateLimitRequest(q.r.Context(), x); err != nil {
		return err
	}
	q.object = "limit-requests/" + strconv.FormatInt(x.ID, 10)
	b, _ := json.Marshal(map[string]any{"merchant_id": m.ID, "limit": in.Limit, "before": limitsJSON(m.Limits), "requested": limitsJSON(req), "state": "pending"})
	q.changes = string(b)
	return q.redirect("/limit-requests/"+strconv.FormatInt(x.ID, 10), "lreq_filed")
}

// parseLimitChange returns cur with the form's one limit changed; key
// names the refusal (catalogue key) or is "".
func parseLimitChange(cur posguard.Limits, in limitForm) (posguard.Limits, string) {
	var f *limitField
	for i := range limitFields {
		if limitFields[i].Key == in.Limit {
			f = &limitFields[i]
		}
	}
	switch {
	case f == nil:
		return cur, "lreq.bad_limit"
	case in.Reason == "":
		return cur, "lreq.need_reason"
	case len(in.Reason) > 500:
		return cur, "lreq.long_reason"
	}
	req := cur
	if f.Count {
		n, err := strconv.Atoi(in.Value)
		if err != nil || n <= 0 || n > 1_000_000 {
			return cur, "lreq.bad_count"
		}
		*f.getN(&req) = n
	} else {
		a, ok := parseYuan(in.Value)
		if !ok || a <= 0 {
			return cur, "lreq.bad_amount"
		}
		*f.get(&req) = a
	}
	switch {
	case req == cur:
		return cur, "lreq.same"
	case req.PerTxn > 0 && req.Daily > 0 && req.PerTxn > req.Daily:
		return cur, "limits.per_txn_over_daily"
	}
	return req, ""
}

// limitRequestData is the request page's data.
type limitRequestData struct {
	X        *posguard.LimitRequest
	State    string
	Merchant *posguard.Merchant
	Lines    []limitLine
	// CanDecide shows the approve and reject forms (a risk user, not the
	// requester, while pending); Own says the user is the requester.
	CanDecide, Own bool
	Error          string
}

// limitRequestFor returns request {id} if the user may see it: another
// merchant's is "not found", as a missing one.
func (q *request) limitRequestFor() (*posguard.LimitRequest, error) {
	ls := q.s.limitStore()
	id, err := strconv.ParseInt(q.r.PathValue("id"), 10, 64)
	if ls == nil || err != nil || id <= 0 {
		return nil, posguard.Errorf(posguard.ENOTFOUND, "no limit request %q", q.r.PathValue("id"))
	}
	x, err := ls.LimitRequest(q.r.Context(), id)
	if err != nil {
		return nil, err
	}
	if !q.user.Staff() && x.MerchantID != q.user.MerchantID {
		return nil, posguard.Errorf(posguard.ENOTFOUND, "no limit request %d", id)
	}
	return x, nil
}

// limitRequestPage serves GET /limit-requests/{id}: the request's
// previous, requested and current limits, its reason, state and decision,
// and for a risk user other than the requester the decision forms.
func (s *Server) limitRequestPage(q *request) error {
	x, err := q.limitRequestFor()
	if err != nil {
		return err
	}
	return q.renderLimitRequest(http.StatusOK, x, "")
}

func (q *request) renderLimitRequest(status int, x *posguard.LimitRequest, problem string) error {
	d := &limitRequestData{X: x, State: q.T(limitStateKey(x.State)), Error: problem,
		Own: posguard.NameKey(x.RequestedBy) == posguard.NameKey(q.user.Name)}
	d.CanDecide = is(q.user, limitDeciders...) && !d.Own && x.State == posguard.LimitRequestPending
	m, err := q.s.Store.Merchant(q.r.Context(), x.MerchantID)
	if err != nil {
		return err
	}
	d.Merchant, d.Lines = m, q.limitLines(x.Previous, x.Requested, &m.Limits)
	return q.render(status, "limitrequest", "lreq.title", d)
}

// decideLimitRequest serves POST /limit-requests/{id}/approve and
// …/reject (field reason, required; risk). The requester may not decide
// its own request (the page again, 403); a request decided already is
// 409. An approval sets the merchant's limits in the same store
// transaction, is written to the merchant's history, and the switch's
// cached merchant is dropped so the next sale is judged by the new limits.
func (s *Server) decideLimitRequest(q *request) error {
	x, err := q.limitRequestFor()
	if err != nil {
		return err
	}
	q.object = "limit-requests/" + strconv.FormatInt(x.ID, 10)
	if posguard.NameKey(x.RequestedBy) == posguard.NameKey(q.user.Name) {
		q.changes, q.refused = `{"refused":"lreq.own"}`, posguard.EFORBIDDEN
		return q.renderLimitRequest(http.StatusForbidden, x, "lreq.own")
	}
	reason := strings.TrimSpace(q.r.PostFormValue("reason"))
	switch {
	case reason == "":
		q.changes, q.refused = `{"refused":"lreq.need_note"}`, posguard.EINVALID
		return q.renderLimitRequest(http.StatusBadRequest, x, "lreq.need_note")
	case len(reason) > 500:
		q.changes, q.refused = `{"refused":"lreq.long_reason"}`, posguard.EINVALID
		return q.renderLimitRequest(http.StatusBadRequest, x, "lreq.long_reason")
	}
	state, done := posguard.LimitRequestRejected, "lreq_rejected"
	if strings.HasSuffix(q.r.URL.Path, "/approve") {
		state, done = posguard.LimitRequestApproved, "lreq_approved"
	}
	ctx := q.r.Context()
	q.auditFill(func(any) (string, string) {
		b, _ := json.Marshal(map[string]any{"merchant_id": x.MerchantID, "state": string(state), "before": limitsJSON(x.Previous), "requested": limitsJSON(x.Requested)})
		return "", string(b)
	})
	got, err := s.limitStore().DecideLimitRequest(ctx, x.ID, state, q.user.Name, posguard.MaskFreeText(reason))
	if err != nil {
		return err
	}
	b, _ := json.Marshal(map[string]any{"merchant_id": x.MerchantID, "state": string(got.State), "before": limitsJSON(x.Previous), "requested": limitsJSON(x.Requested)})
	q.changes = string(b)
	if state == posguard.LimitRequestApproved {
		if s.MerchantChanged != nil {
			s.MerchantChanged(x.MerchantID)
		}
		if h := s.history(); h != nil {
			detail, _ := json.Marshal(map[string]any{"before": limitsJSON(x.Previous), "after": limitsJSON(x.Requested), "limit_request": x.ID})
			ev := &posguard.MerchantEvent{MerchantID: x.MerchantID, Actor: q.user.Name, Action: "limits_changed", Reason: posguard.MaskFreeText(reason), Detail: string(detail)}
			if err := h.AddMerchantEvent(ctx, ev); err != nil {
				s.logger().Error("console: merchant history", "merchant", x.MerchantID, "err", err)
			}
		}
	}
	return q.redirect("/limit-requests/"+strconv.FormatInt(x.ID, 10), done)
}
