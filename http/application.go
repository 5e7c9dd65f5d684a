package http

import (
	"context"
	"io"
	nethttp "net/http"
	"strconv"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/onboarding"
)

// accountInput is a settlement account in a request.
type accountInput struct {
	Bank   string `json:"bank"`
	Number string `json:"number"`
	Name   string `json:"name"`
}

// applicationInput is the body of POST and PATCH /v1/applications: every
// field optional in a PATCH (a partial object).
type applicationInput struct {
	Kind       *string       `json:"kind,omitempty"`
	Name       *string       `json:"name,omitempty"`
	MCC        *string       `json:"mcc,omitempty"`
	LicenseNo  *string       `json:"license_no,omitempty"`
	LegalName  *string       `json:"legal_name,omitempty"`
	LegalIDNo  *string       `json:"legal_id_no,omitempty"`
	Phone      *string       `json:"phone,omitempty"`
	Address    *string       `json:"address,omitempty"`
	Account    *accountInput `json:"settlement_account,omitempty"`
	FeePlan    *string       `json:"fee_plan,omitempty"`
	MerchantID *string       `json:"merchant_id,omitempty"` // POST only: complete a pending_kyc merchant
}

// patch turns the input into an onboarding.Patch.
func (in applicationInput) patch() onboarding.Patch {
	p := onboarding.Patch{Kind: in.Kind, Name: in.Name, MCC: in.MCC, LicenseNo: in.LicenseNo, LegalName: in.LegalName,
		LegalIDNo: in.LegalIDNo, Phone: in.Phone, Address: in.Address, FeePlan: in.FeePlan}
	if in.Account != nil {
		p.Account = &posguard.SettlementAccount{Bank: in.Account.Bank, Number: in.Account.Number, Name: in.Account.Name}
	}
	return p
}

// applicationView is an application in an answer.
type applicationView struct {
	ID         int64             `json:"id"`
	Kind       string            `json:"kind"`
	Name       string            `json:"name"`
	MCC        string            `json:"mcc"`
	LicenseNo  string            `json:"license_no"`
	LegalName  string            `json:"legal_name"`
	LegalIDNo  string            `json:"legal_id_no"`
	Phone      string            `json:"phone"`
	Address    string            `json:"address"`
	Account    accountInput      `json:"settlement_account"`
	FeePlan    string            `json:"fee_plan"`
	State      string            `json:"state"`
	Checks     []posguard.Check  `json:"checks"`
	Fields     map[string]string `json:"fields,omitempty"` // fields to correct when returned
	Reason     string            `json:"reason,omitempty"`
	MerchantID string            `json:"merchant_id,omitempty"`
	CreatedBy  string            `json:"created_by"`
	ReviewedBy string            `json:"reviewed_by,omitempty"`
	CreatedAt  string            `json:"created_at"`
	UpdatedAt  string            `json:"updated_at"`
	Documents  []documentView    `json:"documents"`
	History    []historyView     `json:"history"`
}

// documentView describes a document (never its content).
type documentView struct {
	ID          int64  `json:"id"`
	Kind        string `json:"kind"`
	ContentType string `json:"content_type"`
	Size        int    `json:"size"`
	SHA256      string `json:"sha256"`
	CreatedAt   string `json:"created_at"`
}

// historyView is one transition of an application.
type historyView struct {
	At   string `json:"at"`
	By   string `json:"by"`
	From string `json:"from,omitempty"`
	To   string `json:"to"`
	Note string `json:"note,omitempty"`
}

// applicationList is the answer of GET /v1/applications.
type applicationList struct {
	Applications []applicationView `json:"applications"`
}

// reasonInput is a body carrying a reason.
type reasonInput struct {
	Reason string `json:"reason"`
}

// returnInput is the body of …/return.
type returnInput struct {
	Fields map[string]string `json:"fields"`
}

func newDocumentView(d *posguard.Document) documentView {
	return documentView{ID: d.ID, Kind: d.Kind, ContentType: d.ContentType, Size: d.Size, SHA256: d.SHA256, CreatedAt: formatTime(d.CreatedAt)}
}

func newApplicationView(a *posguard.Application) applicationView {
	v := applicationView{ID: a.ID, Kind: a.Kind, Name: a.Name, MCC: a.MCC, LicenseNo: a.LicenseNo, LegalName: a.LegalName,
		LegalIDNo: a.LegalIDNo, Phone: a.Phone, Address: a.Address, FeePlan: a.FeePlan, State: string(a.State),
		Checks: a.Checks, Fields: a.Returned, Reason: a.Reason, MerchantID: a.MerchantID, CreatedBy: a.CreatedBy,
		ReviewedBy: a.ReviewedBy, CreatedAt: formatTime(a.CreatedAt), UpdatedAt: formatTime(a.UpdatedAt),
		Account:   accountInput{Bank: a.Account.Bank, Number: a.Account.Number, Name: a.Account.Name},
		Documents: []documentView{}, History: []historyView{}}
	if v.Checks == nil {
		v.Checks = []posguard.Check{}
	}
	return v
}

// fullApplication is the view of application id with documents and
// history, checked against r's user (another merchant's is ENOTFOUND).
func (s *Server) fullApplication(ctx context.Context, r *nethttp.Request, a *posguard.Application) (applicationView, error) {
	v := newApplicationView(a)
	st := s.Backoffice.Onboarding.Store
	docs, err := st.Documents(ctx, a.ID)
	if err != nil {
		return v, err
	}
	for _, d := range docs {
		v.Documents = append(v.Documents, newDocumentView(d))
	}
	hist, err := st.ApplicationHistory(ctx, a.ID)
	if err != nil {
		return v, err
	}
	for _, e := range hist {
		v.History = append(v.History, historyView{At: formatTime(e.At), By: e.Actor, From: e.From, To: e.To, Note: e.Note})
	}
	return v, nil
}

// answerApplication writes application a in full with status.
func (s *Server) answerApplication(w nethttp.ResponseWriter, r *nethttp.Request, status int, a *posguard.Application, err error) {
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	v, err := s.fullApplication(r.Context(), r, a)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, status, v)
}

// applicationID reads the {id} path value.
func applicationID(r *nethttp.Request) (int64, error) {
	raw := r.PathValue("id")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return 0, invalidParam("id", "%q is not an application ID (a positive integer)", raw)
	}
	return id, nil
}

// loadApplication reads the {id} application as r's user may see it: a
// merchant user sees only the applications of its own merchant.
func (s *Server) loadApplication(r *nethttp.Request) (*posguard.Application, error) {
	id, err := applicationID(r)
	if err != nil {
		return nil, err
	}
	a, err := s.Backoffice.Onboarding.Store.Application(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if u := currentUser(r); u != nil && !u.Staff() && (a.MerchantID == "" || !u.Sees(a.MerchantID)) {
		return nil, posguard.Errorf(posguard.ENOTFOUND, "no application %d", id)
	}
	return a, nil
}

func (s *Server) postApplication(w nethttp.ResponseWriter, r *nethttp.Request) {
	var in applicationInput
	if err := readBody(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	a := &posguard.Application{}
	if in.MerchantID != nil {
		a.MerchantID = *in.MerchantID
	}
	p := in.patch()
	for _, f := range []struct {
		dst *string
		v   *string
	}{{&a.Kind, p.Kind}, {&a.Name, p.Name}, {&a.MCC, p.MCC}, {&a.LicenseNo, p.LicenseNo}, {&a.LegalName, p.LegalName},
		{&a.LegalIDNo, p.LegalIDNo}, {&a.Phone, p.Phone}, {&a.Address, p.Address}, {&a.FeePlan, p.FeePlan}} {
		if f.v != nil {
			*f.dst = *f.v
		}
	}
	if p.Account != nil {
		a.Account = *p.Account
	}
	err := s.Backoffice.Onboarding.Create(r.Context(), actor(r), a)
	s.answerApplication(w, r, nethttp.StatusCreated, a, err)
}

func (s *Server) listApplications(w nethttp.ResponseWriter, r *nethttp.Request) {
	state := posguard.ApplicationState(r.URL.Query().Get("state"))
	switch state {
	case "", posguard.AppDraft, posguard.AppPendingReview, posguard.AppReturned, posguard.AppApproved, posguard.AppRejected:
	default:
		s.writeError(w, r, invalidParam("state", "want draft, pending_review, returned, approved or rejected"))
		return
	}
	list, err := s.Backoffice.Onboarding.Store.Applications(r.Context(), state, 1000)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := applicationList{Applications: []applicationView{}}
	u := currentUser(r)
	for _, a := range list {
		if u != nil && !u.Staff() && (a.MerchantID == "" || !u.Sees(a.MerchantID)) {
			continue
		}
		out.Applications = append(out.Applications, newApplicationView(a))
	}
	writeJSON(w, nethttp.StatusOK, out)
}

func (s *Server) getApplication(w nethttp.ResponseWriter, r *nethttp.Request) {
	a, err := s.loadApplication(r)
	s.answerApplication(w, r, nethttp.StatusOK, a, err)
}

func (s *Server) patchApplication(w nethttp.ResponseWriter, r *nethttp.Request) {
	id, err := applicationID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in applicationInput
	if err := readBody(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if in.MerchantID != nil {
		s.writeError(w, r, invalidParam("merchant_id", "cannot be changed"))
		return
	}
	a, err := s.Backoffice.Onboarding.Update(r.Context(), actor(r), id, in.patch())
	s.answerApplication(w, r, nethttp.StatusOK, a, err)
}

func (s *Server) postDocument(w nethttp.ResponseWriter, r *nethttp.Request) {
	id, err := applicationID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	r.Body = nethttp.MaxBytesReader(w, r.Body, onboarding.MaxDocument+64<<10)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		s.writeError(w, r, posguard.Errorf(posguard.EINVALID, "body: want multipart/form-data with fields kind and file, at most 5 MB: %v", err))
		return
	}
	defer r.MultipartForm.RemoveAll()
	f, _, err := r.FormFile("file")
	if err != nil {
		s.writeError(w, r, invalidParam("file", "missing"))
		return
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, onboarding.MaxDocument+1))
	if err != nil {
		s.writeError(w, r, posguard.Errorf(posguard.EINVALID, "file: %v", err))
		return
	}
	d, err := s.Backoffice.Onboarding.AddDocument(r.Context(), actor(r), id, r.FormValue("kind"), data)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, nethttp.StatusCreated, newDocumentView(d))
}

func (s *Server) getDocument(w nethttp.ResponseWriter, r *nethttp.Request) {
	a, err := s.loadApplication(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	did, err := strconv.ParseInt(r.PathValue("doc"), 10, 64)
	if err != nil || did <= 0 {
		s.writeError(w, r, invalidParam("doc", "not a document ID"))
		return
	}
	d, err := s.Backoffice.Onboarding.Store.Document(r.Context(), did)
	if err == nil && d.ApplicationID != a.ID {
		err = posguard.Errorf(posguard.ENOTFOUND, "no document %d in application %d", did, a.ID)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", d.ContentType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Disposition", "attachment; filename=\""+d.Kind+ext(d.ContentType)+"\"")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	w.WriteHeader(nethttp.StatusOK)
	_, _ = w.Write(d.Data)
}

func ext(ct string) string {
	switch ct {
	case onboarding.TypeJPEG:
		return ".jpg"
	case onboarding.TypePNG:
		return ".png"
	}
	return ".pdf"
}

func (s *Server) submitApplication(w nethttp.ResponseWriter, r *nethttp.Request) {
	id, err := applicationID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	a, err := s.Backoffice.Onboarding.Submit(r.Context(), actor(r), id)
	s.answerApplication(w, r, nethttp.StatusOK, a, err)
}

func (s *Server) approveApplication(w nethttp.ResponseWriter, r *nethttp.Request) {
	id, err := applicationID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	a, err := s.Backoffice.Onboarding.Approve(r.Context(), actor(r), id)
	s.answerApplication(w, r, nethttp.StatusOK, a, err)
}

func (s *Server) rejectApplication(w nethttp.ResponseWriter, r *nethttp.Request) {
	id, err := applicationID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in reasonInput
	if err := readBody(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	a, err := s.Backoffice.Onboarding.Reject(r.Context(), actor(r), id, in.Reason)
	s.answerApplication(w, r, nethttp.StatusOK, a, err)
}

func (s *Server) returnApplication(w nethttp.ResponseWriter, r *nethttp.Request) {
	id, err := applicationID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in returnInput
	if err := readBody(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	a, err := s.Backoffice.Onboarding.Return(r.Context(), actor(r), id, in.Fields)
	s.answerApplication(w, r, nethttp.StatusOK, a, err)
}
