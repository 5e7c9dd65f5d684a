package console

import (
	"net/http"

	"github.com/posguard/posguard"
)

// auditData is the audit page's data.
type auditData struct {
	Records []*posguard.AuditRecord
	NextURL string
}

// audit serves GET /audit?before= (staff): the audit log, newest first, a
// page at a time (the same records as GET /v1/audit).
func (s *Server) audit(q *request) error {
	d := &auditData{}
	before, err := cursorParam(q.Query("before"))
	if err != nil {
		return err
	}
	recs, err := s.Auth.Store.AuditRecords(q.r.Context(), posguard.AuditFilter{Before: before, Limit: pageSize + 1})
	if err != nil {
		return err
	}
	if len(recs) > pageSize {
		recs = recs[:pageSize]
		d.NextURL = "/audit?before=" + itoa(recs[pageSize-1].ID)
	}
	for _, r := range recs {
		r.Changes = maskDigitRuns(r.Changes)
	}
	d.Records = recs
	return q.render(http.StatusOK, "audit", "nav.audit", d)
}
