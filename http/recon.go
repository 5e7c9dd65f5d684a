package http

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	nethttp "net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/recon"
)

// maxReconUpload bounds a POST /v1/recon/runs body: a clearing file of two
// million lines and a bank file.
const maxReconUpload = 1 << 30

// reconOrNotFound answers 404 when reconciliation is not wired.
func (s *Server) reconOrNotFound(w nethttp.ResponseWriter, r *nethttp.Request) bool {
	if s.Recon == nil {
		s.writeError(w, r, posguard.Errorf(posguard.ENOTFOUND, "reconciliation is not enabled on this host"))
		return false
	}
	return true
}

// postReconRun serves POST /v1/recon/runs (spec/clearing-file.md §7):
// multipart parts date, clearing and optional bank. 201 with a new run's
// report, 200 with the stored one for the same bytes, 422 for a bad file,
// 400 for a missing part or a bad date.
func (s *Server) postReconRun(w nethttp.ResponseWriter, r *nethttp.Request) {
	if !s.reconOrNotFound(w, r) {
		return
	}
	r.Body = nethttp.MaxBytesReader(w, r.Body, maxReconUpload)
	mr, err := r.MultipartReader()
	if err != nil {
		s.writeError(w, r, invalidParam("body", "want multipart/form-data with parts date, clearing and optional bank"))
		return
	}
	in := recon.Input{}
	var clearing, bank []byte
	haveClearing := false
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			s.writeError(w, r, invalidParam("body", "malformed multipart body"))
			return
		}
		data, err := io.ReadAll(p)
		if err != nil {
			s.writeError(w, r, invalidParam(p.FormName(), "could not be read"))
			return
		}
		switch p.FormName() {
		case "date":
			in.Date = strings.TrimSpace(string(data))
		case "clearing":
			clearing, haveClearing = data, true
			in.ClearingName = p.FileName()
		case "bank":
			bank = data
			in.BankName = p.FileName()
			if in.BankName == "" {
				in.BankName = "bank.csv"
			}
		case "qr_bill": // a wallet channel's day bill, QR{yyyymmdd}.{channel}.{mch_id}.csv
			in.QRBills = append(in.QRBills, recon.QRBill{Name: p.FileName(), Data: data})
		case "qr": // "fetch": every configured channel's bill of the date
			v := strings.TrimSpace(string(data))
			if v != "fetch" && v != "" {
				s.writeError(w, r, invalidParam("qr", "%q: want fetch", v))
				return
			}
			in.FetchQR = v == "fetch"
		}
	}
	if in.Date == "" {
		s.writeError(w, r, invalidParam("date", "missing"))
		return
	}
	if d, err := time.Parse("2006-01-02", in.Date); err != nil || d.Format("2006-01-02") != in.Date {
		s.writeError(w, r, invalidParam("date", "%q is not a date YYYY-MM-DD", in.Date))
		return
	}
	if !haveClearing {
		s.writeError(w, r, invalidParam("clearing", "missing"))
		return
	}
	if in.ClearingName == "" {
		in.ClearingName = recon.ClearingName(in.Date)
	}
	in.Clearing = strings.NewReader(string(clearing))
	if bank != nil {
		in.Bank = strings.NewReader(string(bank))
	}
	rep, created, err := s.Recon.Run(r.Context(), in)
	if err != nil {
		if posguard.ErrorCode(err) == posguard.EINVALID {
			writeJSON(w, nethttp.StatusUnprocessableEntity, errorBody{Error: errorDetail{Code: posguard.EINVALID, Message: posguard.ErrorMessage(err)}})
			return
		}
		s.writeError(w, r, err)
		return
	}
	status := nethttp.StatusOK
	if created {
		status = nethttp.StatusCreated
	}
	writeJSON(w, status, rep)
}

// getReconRun serves GET /v1/recon/runs/{id}: the report, statuses as they
// stand now.
func (s *Server) getReconRun(w nethttp.ResponseWriter, r *nethttp.Request) {
	if !s.reconOrNotFound(w, r) {
		return
	}
	rep, err := s.Recon.Report(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, nethttp.StatusOK, rep)
}

// reconRunItem is one run in the listing.
type reconRunItem struct {
	RunID        string         `json:"run_id"`
	Date         string         `json:"date"`
	ClearingFile string         `json:"clearing_file"`
	Lines        int            `json:"lines"`
	Matched      int            `json:"matched"`
	Exceptions   map[string]int `json:"exceptions"`
	// The wallet channels' bills of the run (docs/reconciliation.md): how
	// many, their rows and the rows matched.
	QRBills      int     `json:"qr_bills"`
	QRLines      int     `json:"qr_lines"`
	QRMatched    int     `json:"qr_matched"`
	SupersededBy *string `json:"superseded_by"`
	CreatedAt    string  `json:"created_at"`
}

// reconRunList is a page of runs.
type reconRunList struct {
	Runs       []reconRunItem `json:"runs"`
	NextCursor string         `json:"next_cursor,omitempty"`
}

// reconExceptionList is a page of exceptions.
type reconExceptionList struct {
	Exceptions []recon.Exception `json:"exceptions"`
	NextCursor string            `json:"next_cursor,omitempty"`
}

// strCursor makes an opaque cursor of a string key.
func strCursor(k string) string { return base64.RawURLEncoding.EncodeToString([]byte("r1:" + k)) }

func decodeStrCursor(c string) (string, error) {
	raw, err := base64.RawURLEncoding.Strict().DecodeString(c)
	if err != nil || !strings.HasPrefix(string(raw), "r1:") {
		return "", invalidParam("cursor", "not a cursor from a previous page")
	}
	return string(raw[3:]), nil
}

func pageLimit(r *nethttp.Request) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return 50, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 1000 {
		return 0, invalidParam("limit", "%q is not a number from 1 to 1000", v)
	}
	return n, nil
}

// listReconRuns serves GET /v1/recon/runs: newest first, filter date,
// cursor paging.
func (s *Server) listReconRuns(w nethttp.ResponseWriter, r *nethttp.Request) {
	if !s.reconOrNotFound(w, r) {
		return
	}
	q := r.URL.Query()
	lim, err := pageLimit(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	before := ""
	if c := q.Get("cursor"); c != "" {
		if before, err = decodeStrCursor(c); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	if d := q.Get("date"); d != "" {
		if _, err := time.Parse("2006-01-02", d); err != nil {
			s.writeError(w, r, invalidParam("date", "%q is not a date YYYY-MM-DD", d))
			return
		}
	}
	runs, err := s.Recon.Store.ReconRuns(r.Context(), q.Get("date"), before, lim)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := reconRunList{Runs: make([]reconRunItem, 0, len(runs))}
	for _, run := range runs {
		var rep recon.Report
		json.Unmarshal(run.Report, &rep)
		it := reconRunItem{RunID: run.ID, Date: run.Date, ClearingFile: run.ClearingFile, Lines: rep.Lines,
			Matched: rep.Matched, Exceptions: rep.Counts(), CreatedAt: formatTime(run.CreatedAt),
			QRBills: len(rep.QRBills), QRLines: rep.QRLines, QRMatched: rep.QRMatched}
		if run.SupersededBy != "" {
			it.SupersededBy = &run.SupersededBy
		}
		out.Runs = append(out.Runs, it)
	}
	if len(runs) == lim {
		out.NextCursor = strCursor(runs[len(runs)-1].ID)
	}
	writeJSON(w, nethttp.StatusOK, out)
}

// listReconExceptions serves GET /v1/recon/exceptions: filters date, class,
// status; cursor paging.
func (s *Server) listReconExceptions(w nethttp.ResponseWriter, r *nethttp.Request) {
	if !s.reconOrNotFound(w, r) {
		return
	}
	q := r.URL.Query()
	lim, err := pageLimit(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	f := posguard.ReconFilter{Date: q.Get("date"), Class: q.Get("class"), Status: q.Get("status"), Limit: lim}
	if err := checkReconFilter(f); err != nil {
		s.writeError(w, r, err)
		return
	}
	if c := q.Get("cursor"); c != "" {
		if f.After, err = decodeStrCursor(c); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	if err := s.Recon.Refresh(r.Context()); err != nil {
		s.writeError(w, r, err)
		return
	}
	exs, err := s.Recon.Store.Exceptions(r.Context(), f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := reconExceptionList{Exceptions: viewExceptions(exs)}
	if len(exs) == lim {
		out.NextCursor = strCursor(exs[len(exs)-1].Ident)
	}
	writeJSON(w, nethttp.StatusOK, out)
}

// viewExceptions turns stored exceptions into the report's objects with
// date and run id.
func viewExceptions(exs []*posguard.ReconException) []recon.Exception {
	out := make([]recon.Exception, 0, len(exs))
	for _, e := range exs {
		var x recon.Exception
		json.Unmarshal(e.Body, &x)
		x.Status, x.Date, x.RunID, x.ID = e.Status, e.Date, e.RunID, e.Ident
		if x.Source == "" {
			x.Source = recon.SourceCard // exceptions stored before the QR bills joined the run
		}
		if e.CaseID != 0 {
			id := strconv.FormatInt(e.CaseID, 10)
			x.CaseID = &id
		}
		out = append(out, x)
	}
	return out
}

// reconOf returns the reconciliation exceptions about a transaction.
func (s *Server) reconOf(ctx context.Context, id int64) ([]recon.Exception, error) {
	if s.Recon == nil {
		return nil, nil
	}
	exs, err := s.Recon.Store.Exceptions(ctx, posguard.ReconFilter{TxnID: id})
	if err != nil || len(exs) == 0 {
		return nil, err
	}
	return viewExceptions(exs), nil
}

// checkReconFilter refuses filter values no exception can have.
func checkReconFilter(f posguard.ReconFilter) error {
	if f.Date != "" {
		if _, err := time.Parse("2006-01-02", f.Date); err != nil {
			return invalidParam("date", "%q is not a date YYYY-MM-DD", f.Date)
		}
	}
	if f.Class != "" && !slices.Contains(recon.Classes, f.Class) {
		return invalidParam("class", "%q is not one of %s", f.Class, strings.Join(recon.Classes, " "))
	}
	if f.Status != "" && !slices.Contains(recon.Statuses, f.Status) {
		return invalidParam("status", "%q is not one of %s", f.Status, strings.Join(recon.Statuses, " "))
	}
	return nil
}

// reconResolveRequest is the body of POST /v1/recon/exceptions/resolve.
type reconResolveRequest struct {
	Exception string `json:"exception"` // the exception's identity (its "id" in the listing)
	Note      string `json:"note"`
}

// resolveReconException serves POST /v1/recon/exceptions/resolve: a
// finance user closes an exception (e.g. a journal_only the network will
// never clear, after checking with it); its hold is released and its case
// noted. 404 if unknown, 409 if already resolved.
func (s *Server) resolveReconException(w nethttp.ResponseWriter, r *nethttp.Request) {
	if !s.reconOrNotFound(w, r) {
		return
	}
	var req reconResolveRequest
	if err := readBody(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.Exception == "" {
		s.writeError(w, r, invalidParam("exception", "missing"))
		return
	}
	who := "finance"
	if u := currentUser(r); u != nil {
		who = u.Name
	}
	if req.Note != "" {
		who += ": " + posguard.MaskCardNumbers(req.Note)
	}
	noteChanges(r, map[string]any{"exception": req.Exception}, map[string]any{"exception": req.Exception, "status": posguard.ReconResolved})
	if err := s.Recon.Release(r.Context(), req.Exception, who); err != nil {
		s.writeError(w, r, err)
		return
	}
	exs, err := s.Recon.Store.ExceptionsByIdent(r.Context(), []string{req.Exception})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, nethttp.StatusOK, viewExceptions([]*posguard.ReconException{exs[req.Exception]})[0])
}
