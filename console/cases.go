package console

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/casework"
)

// caseStatuses are the statuses the queue filters by.
var caseStatuses = []posguard.CaseStatus{posguard.CaseOpen, posguard.CaseInvestigating,
	posguard.CaseWaitingMerchant, posguard.CaseResolved, posguard.CaseClosed}

// casesData is the cases page's data.
type casesData struct {
	Enabled  bool
	Status   string
	Statuses []posguard.CaseStatus
	Cases    []*posguard.Case
	NextURL  string
	// TxnID prefills the complaint form (from a transaction page).
	TxnID string
}

// cases serves GET /cases?status=&cursor=: for a merchant user its cases
// and the complaint form; for staff the queue, newest first, with each
// case's SLA (due time, overdue).
func (s *Server) cases(q *request) error {
	d := &casesData{Enabled: s.Cases != nil, Statuses: caseStatuses, Status: q.Query("status"), TxnID: q.Query("txn")}
	if s.Cases == nil {
		return q.render(http.StatusOK, "cases", "nav.cases", d)
	}
	f := posguard.CaseFilter{Status: posguard.CaseStatus(d.Status), Limit: pageSize + 1}
	if !q.user.Staff() {
		f.MerchantID = q.user.MerchantID
	}
	if v := q.Query("cursor"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return posguard.Errorf(posguard.EINVALID, "cursor: %q", v)
		}
		f.After = n
	}
	list, err := s.Cases.List(q.r.Context(), f)
	if err != nil {
		return err
	}
	if len(list) > pageSize {
		list = list[:pageSize]
		v := q.r.URL.Query()
		v.Set("cursor", strconv.FormatInt(list[pageSize-1].ID, 10))
		v.Del("done")
		d.NextURL = "/cases?" + v.Encode()
	}
	d.Cases = list
	return q.render(http.StatusOK, "cases", "nav.cases", d)
}

// Overdue reports whether an active case is past its due time.
func (q *request) Overdue(c *posguard.Case) bool {
	return c.Status.Active() && !c.DueAt.IsZero() && q.s.now().After(c.DueAt)
}

// fileComplaint serves POST /cases (fields txn or rrn, and text): a
// merchant user's complaint on one of its transactions, through the case
// service (the same as POST /v1/cases). Staff may file one for any
// merchant.
func (s *Server) fileComplaint(q *request) error {
	if s.Cases == nil {
		return posguard.Errorf(posguard.ENOTFOUND, "cases are not enabled")
	}
	in := casework.Complaint{RRN: strings.TrimSpace(q.r.PostFormValue("rrn")), Author: q.user.Name,
		Text: q.r.PostFormValue("text")}
	if v := strings.TrimSpace(q.r.PostFormValue("txn")); v != "" {
		t, err := q.ownTxn(v)
		if err != nil {
			return err
		}
		in.TxnID = t.ID
	}
	if !q.user.Staff() {
		in.MerchantID = q.user.MerchantID
	}
	q.auditFill(func(v any) (string, string) { // the case the complaint's transaction creates
		if c, ok := v.(*posguard.Case); ok && c.ID != 0 {
			return "case/" + strconv.FormatInt(c.ID, 10), `{"complaint_on_txn":` + strconv.FormatInt(c.TxnID, 10) + `,"created":true}`
		}
		return "", ""
	})
	c, created, err := s.Cases.OpenComplaint(q.r.Context(), in)
	if err != nil {
		return err
	}
	q.object = "case/" + strconv.FormatInt(c.ID, 10)
	q.changes = `{"complaint_on_txn":` + strconv.FormatInt(c.TxnID, 10) + `,"created":` + strconv.FormatBool(created) + `}`
	return q.redirect("/cases/"+strconv.FormatInt(c.ID, 10), "complaint")
}

// caseData is the case page's data.
type caseData struct {
	Case    *posguard.Case
	Entries []posguard.CaseEntry
}

// ownCase returns case id if the user may see it (ENOTFOUND otherwise).
func (q *request) ownCase() (*posguard.Case, []posguard.CaseEntry, error) {
	if q.s.Cases == nil {
		return nil, nil, posguard.Errorf(posguard.ENOTFOUND, "cases are not enabled")
	}
	raw := q.r.PathValue("id")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return nil, nil, posguard.Errorf(posguard.ENOTFOUND, "no case %q", raw)
	}
	c, entries, err := q.s.Cases.Get(q.r.Context(), id)
	if err != nil {
		return nil, nil, err
	}
	if !q.user.Staff() && c.MerchantID != q.user.MerchantID {
		return nil, nil, posguard.Errorf(posguard.ENOTFOUND, "no case %d", id)
	}
	q.object = "case/" + strconv.FormatInt(c.ID, 10)
	return c, entries, nil
}

// caseDetail serves GET /cases/{id}: the case and its timeline, and for
// staff the assign and resolve forms.
func (s *Server) caseDetail(q *request) error {
	c, entries, err := q.ownCase()
	if err != nil {
		return err
	}
	for i := range entries {
		entries[i].Text = maskDigitRuns(entries[i].Text)
	}
	return q.render(http.StatusOK, "case", "case.title", &caseData{Case: c, Entries: entries})
}

// assignCase serves POST /cases/{id}/assign (field assignee; staff).
func (s *Server) assignCase(q *request) error {
	c, _, err := q.ownCase()
	if err != nil {
		return err
	}
	assignee := strings.TrimSpace(q.r.PostFormValue("assignee"))
	if assignee == "" {
		assignee = q.user.Name
	}
	q.changes = `{"before":{"assignee":` + strconv.Quote(c.Assignee) + `},"after":{"assignee":` + strconv.Quote(assignee) + `}}`
	if err := s.Cases.Assign(q.r.Context(), c.ID, assignee, q.user.Name); err != nil {
		return err
	}
	return q.redirect("/cases/"+strconv.FormatInt(c.ID, 10), "assigned")
}

// resolveCase serves POST /cases/{id}/resolve (field outcome; staff).
func (s *Server) resolveCase(q *request) error {
	c, _, err := q.ownCase()
	if err != nil {
		return err
	}
	q.changes = `{"before":{"status":` + strconv.Quote(string(c.Status)) + `},"after":{"status":"resolved"}}`
	if err := s.Cases.Resolve(q.r.Context(), c.ID, q.r.PostFormValue("outcome"), q.user.Name); err != nil {
		return err
	}
	return q.redirect("/cases/"+strconv.FormatInt(c.ID, 10), "resolved")
}

// noteCase serves POST /cases/{id}/note (field text): the merchant's or
// the staff's note on the timeline.
func (s *Server) noteCase(q *request) error {
	c, _, err := q.ownCase()
	if err != nil {
		return err
	}
	if _, err := s.Cases.AddEntry(q.r.Context(), c.ID, posguard.EntryNote, q.user.Name, q.r.PostFormValue("text")); err != nil {
		return err
	}
	return q.redirect("/cases/"+strconv.FormatInt(c.ID, 10), "noted")
}
