package console

import (
	"context"
	"net/http"
	"time"
)

// AuditRecord is one audit log record as the console shows it.
type AuditRecord struct {
	ID      int64
	At      time.Time
	User    string
	Role    string
	Remote  string
	Action  string
	Object  string
	Outcome string
	Changes string
}

// AuditReader reads the audit log, newest first: at most limit records
// with ID below before (0: from the newest).
type AuditReader interface {
	AuditRecords(ctx context.Context, before int64, limit int) ([]AuditRecord, error)
}

// auditData is the audit page's data.
type auditData struct {
	Enabled bool
	Records []AuditRecord
	NextURL string
}

// audit serves GET /audit?before= (staff): the audit log, a page at a time.
func (s *Server) audit(q *request) error {
	d := &auditData{Enabled: s.Audit != nil}
	if s.Audit != nil {
		before, err := cursorParam(q.Query("before"))
		if err != nil {
			return err
		}
		recs, err := s.Audit.AuditRecords(q.r.Context(), before, pageSize+1)
		if err != nil {
			return err
		}
		if len(recs) > pageSize {
			recs = recs[:pageSize]
			d.NextURL = "/audit?before=" + itoa(recs[pageSize-1].ID)
		}
		for i := range recs {
			recs[i].Changes = maskDigitRuns(recs[i].Changes)
		}
		d.Records = recs
	}
	return q.render(http.StatusOK, "audit", "nav.audit", d)
}
