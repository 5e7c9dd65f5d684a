package console

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/posguard/posguard"
)

// noticeKinds are the kinds a notice may have.
var noticeKinds = []string{"maintenance", "issuer_outage", "other"}

// noticesData is the notices page's data.
type noticesData struct {
	Enabled   bool
	Incidents []*posguard.Incident
	Notices   []*posguard.Notice
	Kinds     []string
	// CanPublish shows the publish form (operator, admin).
	CanPublish bool
}

// notices serves GET /notices: for a merchant user the open incidents that
// affect it and the notices in force for it; for staff every notice
// (newest first) and the publish form.
func (s *Server) notices(q *request) error {
	d := &noticesData{Enabled: s.Reports != nil, Kinds: noticeKinds, CanPublish: is(q.user, posguard.RoleOperator, posguard.RoleAdmin)}
	if s.Reports == nil {
		return q.render(http.StatusOK, "notices", "nav.notices", d)
	}
	ctx := q.r.Context()
	var err error
	if q.user.Staff() {
		if d.Notices, err = s.Reports.Store.Notices(ctx, time.Time{}, pageSize); err != nil {
			return err
		}
		if d.Incidents, err = s.Reports.Store.Incidents(ctx, posguard.IncidentFilter{Status: posguard.IncidentOpen, Limit: pageSize}); err != nil {
			return err
		}
	} else if d.Incidents, d.Notices, err = s.Reports.MerchantNotices(ctx, q.user.MerchantID); err != nil {
		return err
	}
	return q.render(http.StatusOK, "notices", "nav.notices", d)
}

// publishNotice serves POST /notices (fields kind, title, body, merchants
// (comma-separated, empty for all), from and to (dates, UTC+8)).
func (s *Server) publishNotice(q *request) error {
	if s.Reports == nil {
		return posguard.Errorf(posguard.ENOTFOUND, "notices are not enabled")
	}
	f := q.r.PostForm
	if q.r.PostForm == nil {
		_ = q.r.ParseForm()
		f = q.r.PostForm
	}
	kind := f.Get("kind")
	ok := false
	for _, k := range noticeKinds {
		ok = ok || k == kind
	}
	if !ok {
		return posguard.Errorf(posguard.EINVALID, "kind: %s", strings.Join(noticeKinds, ", "))
	}
	n := &posguard.Notice{Kind: kind, Title: strings.TrimSpace(f.Get("title")), Body: strings.TrimSpace(f.Get("body")),
		CreatedBy: q.user.Name, From: s.now()}
	if n.Title == "" {
		return posguard.Errorf(posguard.EINVALID, "title: required")
	}
	for _, m := range strings.Split(f.Get("merchants"), ",") {
		if m = strings.TrimSpace(m); m != "" {
			n.Merchants = append(n.Merchants, m)
		}
	}
	if v := f.Get("from"); v != "" {
		t, ok := parseDay(v)
		if !ok {
			return posguard.Errorf(posguard.EINVALID, "from: YYYY-MM-DD")
		}
		n.From = t
	}
	if v := f.Get("to"); v != "" {
		t, ok := parseDay(v)
		if !ok {
			return posguard.Errorf(posguard.EINVALID, "to: YYYY-MM-DD")
		}
		n.To = t.AddDate(0, 0, 1)
		if !n.To.After(n.From) {
			return posguard.Errorf(posguard.EINVALID, "to: before from")
		}
	}
	q.auditFill(func(any) (string, string) { // n.ID is set inside the notice's transaction
		if n.ID != 0 {
			return "notice/" + strconv.FormatInt(n.ID, 10), ""
		}
		return "", ""
	})
	if err := s.Reports.Store.PutNotice(q.r.Context(), n); err != nil {
		return err
	}
	q.object = "notice/" + strconv.FormatInt(n.ID, 10)
	return q.redirect("/notices", "published")
}

// withdrawNotice serves POST /notices/{id}/withdraw (operator, admin): the
// notice stops being in force now.
func (s *Server) withdrawNotice(q *request) error {
	if s.Reports == nil {
		return posguard.Errorf(posguard.ENOTFOUND, "notices are not enabled")
	}
	id, err := strconv.ParseInt(q.r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return posguard.Errorf(posguard.ENOTFOUND, "no notice %q", q.r.PathValue("id"))
	}
	q.object = "notice/" + strconv.FormatInt(id, 10)
	if err := s.Reports.Store.WithdrawNotice(q.r.Context(), id, s.now()); err != nil {
		return err
	}
	return q.redirect("/notices", "withdrawn")
}

// InForce reports whether notice n is in force now.
func (q *request) InForce(n *posguard.Notice) bool {
	now := q.s.now()
	return !n.From.After(now) && (n.To.IsZero() || n.To.After(now))
}
