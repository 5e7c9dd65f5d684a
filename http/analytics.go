package http

import (
	nethttp "net/http"
	"strings"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/analytics"
)

// reports returns the analytics reports or the error for their absence.
func (s *Server) reports() (*analytics.Reports, error) {
	if s.Reports == nil {
		return nil, posguard.Errorf(posguard.ENOTFOUND, "analytics are not enabled")
	}
	return s.Reports, nil
}

// failureReport is the answer of GET /v1/analytics/failures.
type failureReport struct {
	By     string     `json:"by"`
	Window string     `json:"window"`
	From   string     `json:"from"`
	To     string     `json:"to"`
	Totals []rateView `json:"totals"`
	Series []rateView `json:"series"`
}

// parseTimeParam reads an RFC 3339 query parameter; def when absent.
func parseTimeParam(q map[string][]string, name string, def time.Time) (time.Time, error) {
	v := ""
	if l := q[name]; len(l) > 0 {
		v = l[0]
	}
	if v == "" {
		return def, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, invalidParam(name, "%q is not an RFC 3339 time", v)
	}
	if err := checkTimeRange(name, t); err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}

// failures serves GET /v1/analytics/failures?by=&window=&from=&to=&key=.
// Defaults: by=merchant, window=hour, the last 24 hours.
func (s *Server) failures(w nethttp.ResponseWriter, r *nethttp.Request) {
	rep, err := s.reports()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	by, win := posguard.Dimension(q.Get("by")), posguard.Window(q.Get("window"))
	if by == "" {
		by = posguard.DimMerchant
	}
	if win == "" {
		win = posguard.WindowHour
	}
	now := s.now().UTC()
	to, err := parseTimeParam(q, "to", now)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	from, err := parseTimeParam(q, "from", to.Add(-24*time.Hour))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	totals, series, err := rep.Failures(r.Context(), by, win, q.Get("key"), from, to)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, nethttp.StatusOK, failureReport{By: string(by), Window: string(win), From: formatTime(from), To: formatTime(to), Totals: newRateViews(totals), Series: newRateViews(series)})
}

// incidentList is the answer of GET /v1/incidents.
type incidentList struct {
	Incidents []incidentView `json:"incidents"`
}

// listIncidents serves GET /v1/incidents?status=&kind=.
func (s *Server) listIncidents(w nethttp.ResponseWriter, r *nethttp.Request) {
	rep, err := s.reports()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	f, err := parseIncidentFilter(r.URL.Query())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	list, err := rep.Store.Incidents(r.Context(), f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, nethttp.StatusOK, incidentList{Incidents: newIncidentViews(list)})
}

// noticeList is the answer of the notice endpoints.
type noticeList struct {
	Incidents []incidentView `json:"incidents,omitempty"`
	Notices   []noticeView   `json:"notices"`
}

// listNotices serves GET /v1/notices (those in force now; ?all=1 for all).
func (s *Server) listNotices(w nethttp.ResponseWriter, r *nethttp.Request) {
	rep, err := s.reports()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	at := s.now()
	switch v := r.URL.Query().Get("all"); v {
	case "", "0", "false":
	case "1", "true":
		at = time.Time{}
	default:
		s.writeError(w, r, invalidParam("all", "%q is not 1 or 0", v))
		return
	}
	list, err := rep.Store.Notices(r.Context(), at, 1000)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, nethttp.StatusOK, noticeList{Notices: newNoticeViews(list)})
}

// noticeRequest is the body of POST /v1/notices.
type noticeRequest struct {
	Kind      string    `json:"kind"` // maintenance | issuer_outage | other
	Title     string    `json:"title"`
	Body      string    `json:"body"`
	Merchants []string  `json:"merchants"`
	BINs      []string  `json:"bins"`
	From      time.Time `json:"from"`
	To        time.Time `json:"to"`
	Author    string    `json:"author"` // ignored: the authenticated user
}

// postNotice serves POST /v1/notices.
func (s *Server) postNotice(w nethttp.ResponseWriter, r *nethttp.Request) {
	rep, err := s.reports()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req noticeRequest
	if err := readBody(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	switch req.Kind {
	case "maintenance", "issuer_outage", "other":
	default:
		s.writeError(w, r, invalidParam("kind", "must be maintenance, issuer_outage or other"))
		return
	}
	req.Author = currentUser(r).Name
	if strings.TrimSpace(req.Title) == "" {
		s.writeError(w, r, posguard.Errorf(posguard.EINVALID, "title is required"))
		return
	}
	if !req.To.IsZero() && !req.To.After(req.From) {
		s.writeError(w, r, invalidParam("to", "must be after from"))
		return
	}
	// Free text is stored with card numbers masked.
	n := &posguard.Notice{Kind: req.Kind, Title: posguard.MaskFreeText(req.Title), Body: posguard.MaskFreeText(req.Body), Merchants: req.Merchants, BINs: req.BINs,
		From: req.From, To: req.To, CreatedBy: posguard.MaskFreeText(req.Author)}
	if n.From.IsZero() {
		n.From = s.now()
	}
	// The view is built inside the notice's transaction, with its ID.
	noteChanges(r, nil, func() any { return newNoticeView(n) })
	if err := rep.Store.PutNotice(r.Context(), n); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, nethttp.StatusCreated, newNoticeView(n))
}

// merchantNotices serves GET /v1/merchants/{id}/notices: the open incidents
// affecting the merchant and the notices in force for it.
func (s *Server) merchantNotices(w nethttp.ResponseWriter, r *nethttp.Request) {
	rep, err := s.reports()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if _, err := s.merchantFor(r, r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	incs, notes, err := rep.MerchantNotices(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, nethttp.StatusOK, noticeList{Incidents: newIncidentViews(incs), Notices: newNoticeViews(notes)})
}

// terminalHealth serves GET /v1/terminals/{id}/health.
func (s *Server) terminalHealth(w nethttp.ResponseWriter, r *nethttp.Request) {
	rep, err := s.reports()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if _, err := s.terminalFor(r.Context(), r, r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	h, err := rep.Health(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, nethttp.StatusOK, newHealthView(h))
}

// attentionList is the answer of GET /v1/terminals/attention.
type attentionList struct {
	Terminals []healthView `json:"terminals"`
}

// terminalsAttention serves GET /v1/terminals/attention.
func (s *Server) terminalsAttention(w nethttp.ResponseWriter, r *nethttp.Request) {
	rep, err := s.reports()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	list, err := rep.Attention(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	views := make([]healthView, 0, len(list))
	for _, h := range list {
		views = append(views, newHealthView(h))
	}
	writeJSON(w, nethttp.StatusOK, attentionList{Terminals: views})
}
