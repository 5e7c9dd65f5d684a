package http

import (
	"encoding/json"
	"io"
	nethttp "net/http"
	"strconv"
	"strings"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/casework"
)

// cases returns the case service or the error for its absence.
func (s *Server) cases() (*casework.Service, error) {
	if s.Cases == nil {
		return nil, posguard.Errorf(posguard.ENOTFOUND, "cases are not enabled")
	}
	return s.Cases, nil
}

// readBody decodes a JSON request body of at most 64 KiB into v.
func readBody(r *nethttp.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return posguard.Errorf(posguard.EINVALID, "body: %s", maskDigitRuns(bodyError(err)))
	}
	return nil
}

// parseCaseID reads the {id} path value of a case.
func parseCaseID(r *nethttp.Request) (int64, error) {
	raw := r.PathValue("id")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return 0, invalidParam("id", "%q is not a case ID (a positive integer)", raw)
	}
	return id, nil
}

// caseList is the answer of GET /v1/cases.
type caseList struct {
	Cases      []casework.CaseView `json:"cases"`
	NextCursor string              `json:"next_cursor,omitempty"`
}

// listCases serves GET /v1/cases?status=&kind=&merchant=&priority=&limit=&cursor=.
func (s *Server) listCases(w nethttp.ResponseWriter, r *nethttp.Request) {
	svc, err := s.cases()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	f := posguard.CaseFilter{Status: posguard.CaseStatus(q.Get("status")), Kind: posguard.CaseKind(q.Get("kind")),
		Priority: posguard.Priority(strings.ToUpper(q.Get("priority")))}
	switch {
	case f.Status != "" && !f.Status.Valid():
		s.writeError(w, r, invalidParam("status", "unknown case status %q", f.Status))
		return
	case f.Kind != "" && !f.Kind.Valid():
		s.writeError(w, r, invalidParam("kind", "unknown case kind %q", f.Kind))
		return
	case f.Priority != "" && !f.Priority.Valid():
		s.writeError(w, r, invalidParam("priority", "%q is not P1, P2, P3 or P4", q.Get("priority")))
		return
	}
	if f.MerchantID, err = idParam(q, "merchant", 15); err != nil {
		s.writeError(w, r, err)
		return
	}
	f.MerchantID = scopedMerchant(r, f.MerchantID)
	if v := q.Get("limit"); v != "" {
		if f.Limit, err = strconv.Atoi(v); err != nil || f.Limit < 1 || f.Limit > maxListLimit {
			s.writeError(w, r, invalidParam("limit", "must be 1 to %d", maxListLimit))
			return
		}
	}
	if v := q.Get("cursor"); v != "" {
		if f.After, err = decodeCursor(v); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	list, err := svc.List(r.Context(), f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := caseList{Cases: make([]casework.CaseView, 0, len(list))}
	for _, c := range list {
		out.Cases = append(out.Cases, casework.NewCaseView(c, s.now()))
	}
	if f.Limit > 0 && len(list) == f.Limit {
		out.NextCursor = encodeCursor(list[len(list)-1].ID)
	}
	writeJSON(w, nethttp.StatusOK, out)
}

// caseDetail is the answer of GET /v1/cases/{id}.
type caseDetail struct {
	casework.CaseView
	Timeline []casework.EntryView `json:"timeline"`
}

// writeCase answers with case id and its timeline.
func (s *Server) writeCase(w nethttp.ResponseWriter, r *nethttp.Request, svc *casework.Service, id int64, status int) {
	c, entries, err := svc.Get(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := caseDetail{CaseView: casework.NewCaseView(c, s.now()), Timeline: make([]casework.EntryView, 0, len(entries))}
	for _, e := range entries {
		out.Timeline = append(out.Timeline, casework.NewEntryView(e))
	}
	writeJSON(w, status, out)
}

// getCase serves GET /v1/cases/{id}.
func (s *Server) getCase(w nethttp.ResponseWriter, r *nethttp.Request) {
	s.caseAction(w, r, nil, func(*casework.Service, int64) error { return nil })
}

// caseAction runs f on the case named by the path, with body decoded into
// req (when not nil), and answers with the case.
func (s *Server) caseAction(w nethttp.ResponseWriter, r *nethttp.Request, req any, f func(*casework.Service, int64) error) {
	svc, err := s.cases()
	if err == nil {
		var id int64
		if id, err = parseCaseID(r); err == nil {
			var before *posguard.Case
			if before, err = s.caseFor(r, svc, id); err == nil && req != nil {
				err = readBody(r, req)
			}
			if err == nil && req != nil {
				// The record shows the update the service makes (a new
				// entry alone changes none of these).
				noteChanges(r, caseState(before), caseState(before))
				onAuditNote(r, func(v any) (string, any) {
					after := caseState(before)
					if u, ok := v.(posguard.CaseUpdate); ok {
						if u.Status != "" {
							after["status"] = u.Status
						}
						if u.Assignee != "" {
							after["assignee"] = u.Assignee
						}
					}
					return "", after
				})
			}
			if err == nil {
				err = f(svc, id)
			}
			if err == nil {
				s.writeCase(w, r, svc, id, nethttp.StatusOK)
				return
			}
		}
	}
	s.writeError(w, r, err)
}

// caseFor returns case id if the user may see it; ENOTFOUND (as for a
// missing case) otherwise.
func (s *Server) caseFor(r *nethttp.Request, svc *casework.Service, id int64) (*posguard.Case, error) {
	c, _, err := svc.Get(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if !sees(r, c.MerchantID) {
		return nil, posguard.Errorf(posguard.ENOTFOUND, "case %d not found", id)
	}
	return c, nil
}

// caseState is what the audit log keeps of a case before and after a change.
func caseState(c *posguard.Case) map[string]any {
	return map[string]any{"status": c.Status, "assignee": c.Assignee, "priority": c.Priority}
}

// entryRequest is the body of POST /v1/cases/{id}/entries.
type entryRequest struct {
	Kind   string `json:"kind"`   // cause | step | outcome | note
	Author string `json:"author"` // ignored: the author is the authenticated user
	Text   string `json:"text"`
}

func (s *Server) addCaseEntry(w nethttp.ResponseWriter, r *nethttp.Request) {
	var req entryRequest
	s.caseAction(w, r, &req, func(svc *casework.Service, id int64) error {
		_, err := svc.AddEntry(r.Context(), id, posguard.EntryKind(req.Kind), currentUser(r).Name, req.Text)
		return err
	})
}

// assignRequest is the body of POST /v1/cases/{id}/assign.
type assignRequest struct {
	Assignee string `json:"assignee"`
	Author   string `json:"author"` // ignored: the authenticated user
}

func (s *Server) assignCase(w nethttp.ResponseWriter, r *nethttp.Request) {
	var req assignRequest
	s.caseAction(w, r, &req, func(svc *casework.Service, id int64) error {
		return svc.Assign(r.Context(), id, req.Assignee, currentUser(r).Name)
	})
}

// statusRequest is the body of POST /v1/cases/{id}/status.
type statusRequest struct {
	Status string `json:"status"`
	Author string `json:"author"` // ignored: the authenticated user
	Note   string `json:"note"`
}

func (s *Server) setCaseStatus(w nethttp.ResponseWriter, r *nethttp.Request) {
	var req statusRequest
	s.caseAction(w, r, &req, func(svc *casework.Service, id int64) error {
		return svc.SetStatus(r.Context(), id, posguard.CaseStatus(req.Status), currentUser(r).Name, req.Note)
	})
}

// resolveRequest is the body of POST /v1/cases/{id}/resolve.
type resolveRequest struct {
	Outcome string `json:"outcome"`
	Author  string `json:"author"` // ignored: the authenticated user
}

func (s *Server) resolveCase(w nethttp.ResponseWriter, r *nethttp.Request) {
	var req resolveRequest
	s.caseAction(w, r, &req, func(svc *casework.Service, id int64) error {
		return svc.Resolve(r.Context(), id, req.Outcome, currentUser(r).Name)
	})
}

// complaintRequest is the body of POST /v1/cases: a merchant complaint.
type complaintRequest struct {
	TxnID      int64  `json:"txn_id"`
	RRN        string `json:"rrn"`
	MerchantID string `json:"merchant_id"` // a merchant user's own merchant whatever is sent
	Author     string `json:"author"`      // ignored: the authenticated user
	Text       string `json:"text"`
}

// openComplaint serves POST /v1/cases: 201 with a new case, 200 with the
// existing case of that transaction.
func (s *Server) openComplaint(w nethttp.ResponseWriter, r *nethttp.Request) {
	svc, err := s.cases()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req complaintRequest
	if err := readBody(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	onAuditNote(r, func(v any) (string, any) {
		if c, ok := v.(*posguard.Case); ok && c.ID != 0 {
			return "cases/" + itoa(c.ID), nil
		}
		return "", nil
	})
	c, created, err := svc.OpenComplaint(r.Context(), casework.Complaint{TxnID: req.TxnID, RRN: req.RRN,
		MerchantID: scopedMerchant(r, req.MerchantID), Author: currentUser(r).Name, Text: req.Text})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	noteObject(r, "cases/"+itoa(c.ID)) // for the record of a repeat that changed nothing
	status := nethttp.StatusOK
	if created {
		status = nethttp.StatusCreated
	}
	s.writeCase(w, r, svc, c.ID, status)
}

// caseEvidence serves GET /v1/cases/{id}/evidence (JSON, or printable text
// with ?format=text).
func (s *Server) caseEvidence(w nethttp.ResponseWriter, r *nethttp.Request) {
	svc, err := s.cases()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	id, err := parseCaseID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ev, err := svc.Evidence(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	switch r.URL.Query().Get("format") {
	case "", "json":
		writeJSON(w, nethttp.StatusOK, ev)
	case "text":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(nethttp.StatusOK)
		io.WriteString(w, maskDigitRuns(ev.Text()))
	default:
		s.writeError(w, r, invalidParam("format", "must be json or text"))
	}
}
