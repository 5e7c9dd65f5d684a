package console

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/dispute"
)

// Role sets of the dispute pages (as the API's, docs/disputes.md §API).
var (
	disputeWorkers    = []posguard.Role{posguard.RoleAdmin, posguard.RoleOperator}
	disputeResponders = []posguard.Role{posguard.RoleAdmin, posguard.RoleOperator, posguard.RoleMerchant}
)

// disputeRoutes are the dispute pages of the route table.
func (s *Server) disputeRoutes() []route {
	return []route{
		{"GET /disputes", allRoles, s.disputes},
		{"GET /disputes/{id}", allRoles, s.disputePage},
		{"GET /disputes/{id}/evidence/{eid}", allRoles, s.disputeEvidence},
		{"POST /disputes/{id}/statement", disputeResponders, s.disputeStatement},
		{"POST /disputes/{id}/file", disputeResponders, s.disputeFile},
		{"POST /disputes/{id}/ask", disputeWorkers, s.disputeAsk},
		{"POST /disputes/{id}/respond", disputeResponders, s.disputeRespond},
		{"POST /disputes/{id}/accept", disputeWorkers, s.disputeAccept},
		{"POST /disputes/{id}/escalate", disputeResponders, s.disputeEscalate},
	}
}

// maxDisputeUpload bounds the body of an evidence file upload.
const maxDisputeUpload = dispute.MaxFile + 64<<10

// actor is the page's user as the dispute service knows it.
func (q *request) actor() dispute.Actor {
	return dispute.Actor{Name: q.user.Name, Role: q.user.Role, MerchantID: q.user.MerchantID, Remote: q.r.RemoteAddr}
}

// disputeRow is one dispute with its reason in the page's language.
type disputeRow struct {
	*posguard.Dispute
	Reason  string
	Overdue bool
	Left    string // time left before the deadline, when active
}

func (q *request) disputeRow(d *posguard.Dispute, now time.Time) disputeRow {
	r, _ := dispute.Lookup(d.ReasonCode)
	row := disputeRow{Dispute: d, Reason: r.Name.In(q.lang)}
	if d.State.Active() {
		left := d.DueAt.Sub(now)
		row.Overdue = left <= 0
		if left > 0 {
			days := int(left / (24 * time.Hour))
			row.Left = q.T("dispute.left", days, int(left%(24*time.Hour)/time.Hour))
		}
	}
	return row
}

// disputesData is the dispute list's data.
type disputesData struct {
	Enabled bool
	Rows    []disputeRow
	State   string
	States  []posguard.DisputeState
}

// disputes serves GET /disputes?state=&txn=: staff's queue (active
// disputes first, soonest deadline first) or a merchant's own disputes.
func (s *Server) disputes(q *request) error {
	d := &disputesData{Enabled: s.Disputes != nil, State: q.r.URL.Query().Get("state"),
		States: []posguard.DisputeState{posguard.DisputeOpen, posguard.DisputeWaitingMerchant, posguard.DisputeResponded, posguard.DisputeArbitration, posguard.DisputeWon, posguard.DisputeLost}}
	if s.Disputes != nil {
		f := posguard.DisputeFilter{State: posguard.DisputeState(d.State), Limit: 500}
		if raw := q.r.URL.Query().Get("txn"); raw != "" {
			id, err := strconv.ParseInt(raw, 10, 64)
			if err != nil || id <= 0 {
				return posguard.Errorf(posguard.EINVALID, "txn: not a transaction ID")
			}
			f.TxnID = id
		}
		if d.State != "" && !f.State.Valid() {
			return posguard.Errorf(posguard.EINVALID, "unknown state %q", d.State)
		}
		ds, err := s.Disputes.List(q.r.Context(), f, q.actor())
		if err != nil {
			return err
		}
		now := s.now()
		var active, done []disputeRow
		for _, x := range ds {
			if x.State.Active() {
				active = append(active, q.disputeRow(x, now))
			} else {
				done = append(done, q.disputeRow(x, now))
			}
		}
		d.Rows = append(active, done...)
	}
	return q.render(http.StatusOK, "disputes", "dispute.list_title", d)
}

// disputeData is the dispute page's data.
type disputeData struct {
	Row      disputeRow
	Reason   dispute.Reason
	Evidence []*posguard.DisputeEvidence
	// Staff may ask the merchant and accept; Respond may send the response;
	// Escalate may take a lost representment to arbitration.
	Staff, Respond, Escalate bool
}

// ownDispute returns the page's dispute as the user may see it.
func (q *request) ownDispute() (*posguard.Dispute, []*posguard.DisputeEvidence, error) {
	if q.s.Disputes == nil {
		return nil, nil, posguard.Errorf(posguard.ENOTFOUND, "disputes are not enabled")
	}
	d, es, err := q.s.Disputes.Get(q.r.Context(), q.r.PathValue("id"), q.actor())
	if err != nil {
		return nil, nil, err
	}
	q.object = "dispute/" + d.ID
	return d, es, nil
}

// disputePage serves GET /disputes/{id}: the dispute, its reason, deadline,
// evidence and the forms to add evidence and respond.
func (s *Server) disputePage(q *request) error {
	d, es, err := q.ownDispute()
	if err != nil {
		return err
	}
	r, _ := dispute.Lookup(d.ReasonCode)
	data := &disputeData{Row: q.disputeRow(d, s.now()), Reason: r, Evidence: es,
		Staff: is(q.user, disputeWorkers...), Respond: is(q.user, disputeResponders...) && d.State.Active(),
		Escalate: is(q.user, disputeResponders...) && dispute.Escalatable(d, s.now())}
	return q.render(http.StatusOK, "dispute", "dispute.title", data)
}

// disputeEvidence serves GET /disputes/{id}/evidence/{eid}: one piece of
// evidence as an attachment of its sniffed type.
func (s *Server) disputeEvidence(q *request) error {
	d, _, err := q.ownDispute()
	if err != nil {
		return err
	}
	eid, err := strconv.ParseInt(q.r.PathValue("eid"), 10, 64)
	if err != nil || eid <= 0 {
		return posguard.Errorf(posguard.ENOTFOUND, "no evidence %q", q.r.PathValue("eid"))
	}
	e, err := s.Disputes.EvidenceItem(q.r.Context(), d.ID, eid, q.actor())
	if err != nil {
		return err
	}
	h := q.w.Header()
	h.Set("Content-Type", e.ContentType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Disposition", "attachment; filename=\"evidence-"+strconv.FormatInt(e.ID, 10)+"\"")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	q.w.WriteHeader(http.StatusOK)
	_, _ = q.w.Write(e.Data)
	return nil
}

// back returns to the dispute's page with a message.
func (q *request) backToDispute(id, done string) error { return q.redirect("/disputes/"+id, done) }

func (s *Server) disputeStatement(q *request) error {
	d, _, err := q.ownDispute()
	if err != nil {
		return err
	}
	if _, err := s.Disputes.AddStatement(q.r.Context(), d.ID, q.actor(), q.r.PostFormValue("text")); err != nil {
		return err
	}
	return q.backToDispute(d.ID, "evidence_added")
}

func (s *Server) disputeFile(q *request) error {
	d, _, err := q.ownDispute()
	if err != nil {
		return err
	}
	f, hdr, err := q.r.FormFile("file")
	if err != nil {
		return posguard.Errorf(posguard.EINVALID, "file: missing")
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, dispute.MaxFile+1))
	if err != nil {
		return posguard.Errorf(posguard.EINVALID, "file: unreadable")
	}
	if _, err := s.Disputes.AddFile(q.r.Context(), d.ID, q.actor(), hdr.Filename, data); err != nil {
		return err
	}
	return q.backToDispute(d.ID, "evidence_added")
}

func (s *Server) disputeAsk(q *request) error {
	d, _, err := q.ownDispute()
	if err != nil {
		return err
	}
	if err := s.Disputes.AskMerchant(q.r.Context(), d.ID, q.actor(), q.r.PostFormValue("text")); err != nil {
		return err
	}
	return q.backToDispute(d.ID, "merchant_asked")
}

func (s *Server) disputeRespond(q *request) error {
	d, _, err := q.ownDispute()
	if err != nil {
		return err
	}
	if _, err := s.Disputes.Respond(q.r.Context(), d.ID, q.actor(), q.r.PostFormValue("statement")); err != nil {
		return err
	}
	return q.backToDispute(d.ID, "responded")
}

// disputeEscalate serves POST /disputes/{id}/escalate (field statement):
// the lost representment goes to arbitration (dispute.Service.Escalate).
func (s *Server) disputeEscalate(q *request) error {
	d, _, err := q.ownDispute()
	if err != nil {
		return err
	}
	q.object = "dispute/" + d.ID
	if _, err := s.Disputes.Escalate(q.r.Context(), d.ID, q.actor(), q.r.PostFormValue("statement")); err != nil {
		return err
	}
	return q.backToDispute(d.ID, "escalated")
}

func (s *Server) disputeAccept(q *request) error {
	d, _, err := q.ownDispute()
	if err != nil {
		return err
	}
	if _, err := s.Disputes.Accept(q.r.Context(), d.ID, q.actor(), strings.TrimSpace(q.r.PostFormValue("note"))); err != nil {
		return err
	}
	return q.backToDispute(d.ID, "accepted")
}

// needKeys are the catalogue keys saying what a response needs.
var needKeys = map[dispute.Need]string{
	dispute.NeedReceipt:  "dispute.need.receipt",
	dispute.NeedMerchant: "dispute.need.receipt+merchant",
	dispute.NeedChip:     "dispute.need.receipt+chip",
}

// NeedText says what a response to a reason needs, in the page's language.
func (q *request) NeedText(n dispute.Need) string { return q.T(needKeys[n]) }

// In returns t in the page's language.
func (q *request) In(t dispute.Text) string { return t.In(q.lang) }
