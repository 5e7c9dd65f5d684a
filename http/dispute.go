package http

import (
	"io"
	nethttp "net/http"
	"strconv"
	"strings"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/access"
	"github.com/posguard/posguard/diagnosis"
	"github.com/posguard/posguard/dispute"
)

// Role sets of the dispute routes (docs/disputes.md §API).
var (
	disputeWorkers    = []posguard.Role{posguard.RoleAdmin, posguard.RoleOperator}
	disputeResponders = []posguard.Role{posguard.RoleAdmin, posguard.RoleOperator, posguard.RoleMerchant}
)

// disputeRoutes are the dispute routes of the route table.
func (s *Server) disputeRoutes() []route {
	d := func(pattern string, h nethttp.HandlerFunc, roles []posguard.Role, o op) route {
		return route{pattern, s.needDisputes(h), roles, o}
	}
	return []route{
		d("GET /v1/disputes", s.listDisputes, everyone, op{summary: "Disputes (调单, 拒付), soonest deadline first (a merchant user sees its own)",
			query: []string{"state: open, waiting_merchant, responded, arbitration, won, lost", "kind: retrieval, chargeback", "merchant: merchant ID", "active: 1 for open and waiting_merchant only", "limit: at most 1000"},
			resp:  disputeList{}}),
		d("GET /v1/disputes/{id}", s.getDispute, everyone, op{summary: "One dispute with its reason (zh/en), deadline, case and evidence", resp: disputeDetail{}}),
		d("GET /v1/disputes/{id}/evidence/{eid}", s.getDisputeEvidence, everyone, op{summary: "Download one piece of evidence (its sniffed content type, as an attachment)"}),
		d("POST /v1/disputes/{id}/evidence", s.postDisputeEvidence, disputeResponders, op{summary: "Attach evidence: JSON {\"text\"} or multipart/form-data file (JPEG, PNG or PDF by content, at most 5 MB)",
			body: statementInput{}, resp: evidenceView{}, status: 201}),
		d("POST /v1/disputes/{id}/ask", s.askMerchant, disputeWorkers, op{summary: "Ask the merchant for more evidence (the dispute waits for the merchant)", body: statementInput{}, resp: disputeDetail{}}),
		d("POST /v1/disputes/{id}/respond", s.respondDispute, disputeResponders, op{summary: "Send the response to the network before the deadline; its ruling decides the dispute",
			body: respondInput{}, resp: disputeDetail{}}),
		d("POST /v1/disputes/{id}/escalate", s.escalateDispute, disputeResponders, op{summary: "Take a chargeback whose representment the network ruled against to arbitration (仲裁), within 10 days of that ruling; the network rules again",
			body: respondInput{}, resp: disputeDetail{}}),
		d("POST /v1/disputes/{id}/accept", s.acceptDispute, disputeWorkers, op{summary: "Accept the dispute without contest (lost)", body: acceptInput{}, resp: disputeDetail{}}),
		d("POST /v1/disputes/import", s.importDisputes, disputeWorkers, op{summary: "Import a dispute file (the CSV of docs/disputes.md as the body, at most 32 MB)", resp: dispute.ImportReport{}}),
		d("POST /v1/disputes/fetch", s.fetchDisputes, disputeWorkers, op{summary: "Fetch the network's dispute file now, import it and expire the disputes past their deadline", resp: dispute.ImportReport{}}),
		d("GET /v1/dispute-reasons", s.disputeReasons, everyone, op{summary: "The dispute reason codes, their deadlines and what a response needs (zh/en)", resp: reasonList{}}),
	}
}

// needDisputes answers 404 when disputes are not enabled.
func (s *Server) needDisputes(h nethttp.HandlerFunc) nethttp.HandlerFunc {
	return func(w nethttp.ResponseWriter, r *nethttp.Request) {
		if s.Disputes == nil {
			s.writeError(w, r, posguard.Errorf(posguard.ENOTFOUND, "disputes are not enabled"))
			return
		}
		h(w, r)
	}
}

// disputeActor is the request's user as the dispute service knows it.
func disputeActor(r *nethttp.Request) dispute.Actor {
	u := access.UserFromContext(r.Context())
	if u == nil {
		return dispute.Actor{Name: "anonymous", Role: posguard.RoleMerchant, MerchantID: "\x00", Remote: access.RemoteAddr(r)}
	}
	return dispute.Actor{Name: u.Name, Role: u.Role, MerchantID: u.MerchantID, Remote: access.RemoteAddr(r)}
}

// disputeView is a dispute as the API shows it.
type disputeView struct {
	ID          string `json:"id"`
	Kind        string `json:"kind"`
	ReasonCode  string `json:"reason_code"`
	ReasonName  Text   `json:"reason_name"`
	State       string `json:"state"`
	TxnID       int64  `json:"txn_id"`
	MerchantID  string `json:"merchant_id"`
	TerminalID  string `json:"terminal_id"`
	RRN         string `json:"rrn"`
	Card        string `json:"card"`
	Amount      int64  `json:"amount"`
	AmountYuan  string `json:"amount_yuan"`
	Currency    string `json:"currency"`
	TxnDate     string `json:"txn_date"`
	RaisedAt    string `json:"raised_at"`
	DueAt       string `json:"due_at"`
	Overdue     bool   `json:"overdue"`
	CaseID      int64  `json:"case_id,omitempty"`
	Outcome     string `json:"outcome,omitempty"`
	LostBy      string `json:"lost_by,omitempty"`
	RespondedAt string `json:"responded_at,omitempty"`
	DecidedAt   string `json:"decided_at,omitempty"`
	ReceiptURL  string `json:"receipt_url"`
}

func (s *Server) newDisputeView(d *posguard.Dispute) disputeView {
	r, _ := dispute.Lookup(d.ReasonCode)
	v := disputeView{ID: d.ID, Kind: string(d.Kind), ReasonCode: d.ReasonCode, ReasonName: Text{ZH: r.Name.ZH, EN: r.Name.EN},
		State: string(d.State), TxnID: d.TxnID, MerchantID: d.MerchantID, TerminalID: d.TerminalID, RRN: d.RRN,
		Card: posguard.MaskPAN(d.CardMasked), Amount: int64(d.Amount), AmountYuan: d.Amount.String(), Currency: d.Currency,
		TxnDate: d.TxnDate, RaisedAt: formatTime(d.RaisedAt), DueAt: formatTime(d.DueAt),
		Overdue: d.State.Active() && !s.now().Before(d.DueAt), CaseID: d.CaseID, Outcome: maskDigitRuns(d.Outcome), LostBy: d.LostBy,
		ReceiptURL: receiptPath(d.TxnID)}
	if !d.RespondedAt.IsZero() {
		v.RespondedAt = formatTime(d.RespondedAt)
	}
	if !d.DecidedAt.IsZero() {
		v.DecidedAt = formatTime(d.DecidedAt)
	}
	return v
}

// disputeList is the answer of GET /v1/disputes.
type disputeList struct {
	Disputes []disputeView `json:"disputes"`
}

// evidenceView describes one piece of evidence (never its content).
type evidenceView struct {
	ID          int64  `json:"id"`
	Source      string `json:"source"`
	Kind        string `json:"kind"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	Author      string `json:"author"`
	CreatedAt   string `json:"created_at"`
	URL         string `json:"url"`
}

func newEvidenceView(e *posguard.DisputeEvidence) evidenceView {
	return evidenceView{ID: e.ID, Source: e.Source, Kind: e.Kind, Name: e.Name, ContentType: e.ContentType, Size: e.Size,
		SHA256: e.SHA256, Author: e.Author, CreatedAt: formatTime(e.CreatedAt),
		URL: "/v1/disputes/" + e.DisputeID + "/evidence/" + strconv.FormatInt(e.ID, 10)}
}

// reasonView is one dispute reason code.
type reasonView struct {
	Code    string `json:"code"`
	Kind    string `json:"kind"`
	Days    int    `json:"days"`
	Needs   string `json:"needs"`
	Name    Text   `json:"name"`
	Meaning Text   `json:"meaning"`
	Remedy  Text   `json:"remedy"`
}

func newReasonView(r dispute.Reason) reasonView {
	return reasonView{Code: r.Code, Kind: string(r.Kind), Days: r.Days, Needs: string(r.Need),
		Name: Text{ZH: r.Name.ZH, EN: r.Name.EN}, Meaning: Text{ZH: r.Meaning.ZH, EN: r.Meaning.EN}, Remedy: Text{ZH: r.Remedy.ZH, EN: r.Remedy.EN}}
}

// reasonList is the answer of GET /v1/dispute-reasons.
type reasonList struct {
	Reasons []reasonView `json:"reasons"`
}

// disputeDetail is the answer of GET /v1/disputes/{id}.
type disputeDetail struct {
	disputeView
	Reason   reasonView     `json:"reason"`
	Cause    Text           `json:"cause"`
	Evidence []evidenceView `json:"evidence"`
}

// statementInput is a text body (evidence, a request to the merchant).
type statementInput struct {
	Text string `json:"text"`
}

// respondInput is the body of POST /v1/disputes/{id}/respond.
type respondInput struct {
	Statement string `json:"statement"`
}

// acceptInput is the body of POST /v1/disputes/{id}/accept.
type acceptInput struct {
	Note string `json:"note"`
}

func (s *Server) listDisputes(w nethttp.ResponseWriter, r *nethttp.Request) {
	q := r.URL.Query()
	f := posguard.DisputeFilter{State: posguard.DisputeState(q.Get("state")), Kind: posguard.DisputeKind(q.Get("kind")),
		MerchantID: scopedMerchant(r, q.Get("merchant")), Active: q.Get("active") == "1"}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			s.writeError(w, r, invalidParam("limit", "want 1 to 1000"))
			return
		}
		f.Limit = n
	}
	ds, err := s.Disputes.List(r.Context(), f, disputeActor(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := disputeList{Disputes: make([]disputeView, 0, len(ds))}
	for _, d := range ds {
		out.Disputes = append(out.Disputes, s.newDisputeView(d))
	}
	writeJSON(w, nethttp.StatusOK, out)
}

// writeDispute answers with dispute id's detail.
func (s *Server) writeDispute(w nethttp.ResponseWriter, r *nethttp.Request, id string, status int) {
	d, es, err := s.Disputes.Get(r.Context(), id, disputeActor(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	reason, _ := dispute.Lookup(d.ReasonCode)
	key := posguard.ReasonRetrievalRequest
	if d.Kind == posguard.DisputeChargeback {
		key = posguard.ReasonChargeback
	}
	x := diagnosis.Explain("", key, nil)
	out := disputeDetail{disputeView: s.newDisputeView(d), Reason: newReasonView(reason),
		Cause: Text{ZH: x.Summary.ZH, EN: x.Summary.EN}, Evidence: make([]evidenceView, 0, len(es))}
	for _, e := range es {
		out.Evidence = append(out.Evidence, newEvidenceView(e))
	}
	writeJSON(w, status, out)
}

func (s *Server) getDispute(w nethttp.ResponseWriter, r *nethttp.Request) {
	s.writeDispute(w, r, r.PathValue("id"), nethttp.StatusOK)
}

func (s *Server) getDisputeEvidence(w nethttp.ResponseWriter, r *nethttp.Request) {
	eid, err := strconv.ParseInt(r.PathValue("eid"), 10, 64)
	if err != nil || eid <= 0 {
		s.writeError(w, r, invalidParam("eid", "not an evidence ID"))
		return
	}
	e, err := s.Disputes.EvidenceItem(r.Context(), r.PathValue("id"), eid, disputeActor(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", e.ContentType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Disposition", "attachment; filename=\"evidence-"+strconv.FormatInt(e.ID, 10)+evidenceExt(e.ContentType)+"\"")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	w.WriteHeader(nethttp.StatusOK)
	_, _ = w.Write(e.Data)
}

// evidenceExt is the file extension of a piece of evidence.
func evidenceExt(ct string) string {
	if strings.HasPrefix(ct, "text/plain") {
		return ".txt"
	}
	return ext(ct)
}

func (s *Server) postDisputeEvidence(w nethttp.ResponseWriter, r *nethttp.Request) {
	id := r.PathValue("id")
	var e *posguard.DisputeEvidence
	var err error
	onAuditNote(r, func(v any) (string, any) {
		if e, ok := v.(*posguard.DisputeEvidence); ok {
			return "", newEvidenceView(e)
		}
		return "", nil
	})
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		r.Body = nethttp.MaxBytesReader(w, r.Body, dispute.MaxFile+64<<10)
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			s.writeError(w, r, posguard.Errorf(posguard.EINVALID, "body: want multipart/form-data with a field file, at most 5 MB"))
			return
		}
		defer r.MultipartForm.RemoveAll()
		f, hdr, ferr := r.FormFile("file")
		if ferr != nil {
			s.writeError(w, r, invalidParam("file", "missing"))
			return
		}
		defer f.Close()
		data, rerr := io.ReadAll(io.LimitReader(f, dispute.MaxFile+1))
		if rerr != nil {
			s.writeError(w, r, posguard.Errorf(posguard.EINVALID, "file: unreadable"))
			return
		}
		e, err = s.Disputes.AddFile(r.Context(), id, disputeActor(r), hdr.Filename, data)
	} else {
		var in statementInput
		if err = readBody(r, &in); err == nil {
			e, err = s.Disputes.AddStatement(r.Context(), id, disputeActor(r), in.Text)
		}
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, nethttp.StatusCreated, newEvidenceView(e))
}

func (s *Server) askMerchant(w nethttp.ResponseWriter, r *nethttp.Request) {
	var in statementInput
	err := readBody(r, &in)
	if err == nil {
		err = s.Disputes.AskMerchant(r.Context(), r.PathValue("id"), disputeActor(r), in.Text)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeDispute(w, r, r.PathValue("id"), nethttp.StatusOK)
}

func (s *Server) respondDispute(w nethttp.ResponseWriter, r *nethttp.Request) {
	var in respondInput
	err := readBody(r, &in)
	if err == nil {
		_, err = s.Disputes.Respond(r.Context(), r.PathValue("id"), disputeActor(r), in.Statement)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeDispute(w, r, r.PathValue("id"), nethttp.StatusOK)
}

// escalateDispute serves POST /v1/disputes/{id}/escalate {"statement"}:
// 409 when the dispute may not go to arbitration.
func (s *Server) escalateDispute(w nethttp.ResponseWriter, r *nethttp.Request) {
	var in respondInput
	err := readBody(r, &in)
	if err == nil {
		_, err = s.Disputes.Escalate(r.Context(), r.PathValue("id"), disputeActor(r), in.Statement)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeDispute(w, r, r.PathValue("id"), nethttp.StatusOK)
}

func (s *Server) acceptDispute(w nethttp.ResponseWriter, r *nethttp.Request) {
	var in acceptInput
	err := readBody(r, &in)
	if err == nil {
		_, err = s.Disputes.Accept(r.Context(), r.PathValue("id"), disputeActor(r), in.Note)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeDispute(w, r, r.PathValue("id"), nethttp.StatusOK)
}

// maxDisputeFile bounds an imported dispute file (32 MB).
const maxDisputeFile = 32 << 20

func (s *Server) importDisputes(w nethttp.ResponseWriter, r *nethttp.Request) {
	body, err := io.ReadAll(nethttp.MaxBytesReader(w, r.Body, maxDisputeFile))
	if err != nil {
		s.writeError(w, r, posguard.Errorf(posguard.EINVALID, "body: the dispute file, at most %d bytes", maxDisputeFile))
		return
	}
	rep, err := s.Disputes.ImportFile(r.Context(), body, disputeActor(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, nethttp.StatusOK, rep)
}

func (s *Server) fetchDisputes(w nethttp.ResponseWriter, r *nethttp.Request) {
	rep, err := s.Disputes.Fetch(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, nethttp.StatusOK, rep)
}

func (s *Server) disputeReasons(w nethttp.ResponseWriter, r *nethttp.Request) {
	out := reasonList{}
	for _, rr := range dispute.Reasons() {
		out.Reasons = append(out.Reasons, newReasonView(rr))
	}
	writeJSON(w, nethttp.StatusOK, out)
}

// disputeRef names one dispute about a transaction.
type disputeRef struct {
	ID    string `json:"id"`
	Kind  string `json:"kind"`
	State string `json:"state"`
	DueAt string `json:"due_at"`
	URL   string `json:"url"`
}

// disputesOf lists the disputes about transaction id (none when disputes
// are not enabled).
func (s *Server) disputesOf(r *nethttp.Request, id int64) ([]disputeRef, error) {
	if s.Disputes == nil {
		return nil, nil
	}
	ds, err := s.Disputes.List(r.Context(), posguard.DisputeFilter{TxnID: id}, disputeActor(r))
	if err != nil {
		return nil, err
	}
	var out []disputeRef
	for _, d := range ds {
		out = append(out, disputeRef{ID: d.ID, Kind: string(d.Kind), State: string(d.State), DueAt: formatTime(d.DueAt), URL: "/v1/disputes/" + d.ID})
	}
	return out, nil
}
