package console

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/recon"
)

// Role sets of the reconciliation pages: staff read them (as the API's
// GET /v1/recon routes); finance and admin resolve exceptions (as POST
// /v1/recon/exceptions/resolve).
var (
	reconReaders   = staffRoles
	reconResolvers = []posguard.Role{posguard.RoleFinance, posguard.RoleAdmin}
)

// reconPageSize is the number of runs on a page of /recon.
const reconPageSize = 20

// reconRunRow is one run in the list.
type reconRunRow struct {
	ID, Date, ClearingFile, SupersededBy string
	Lines, Matched, ExceptionCount       int
	QRBills, QRLines, QRMatched          int // the wallet channels' bills of the run
	Counts                               map[string]int
	Totals                               recon.Totals
	CreatedAt                            string
}

// reconListData is the /recon page's data.
type reconListData struct {
	Enabled bool
	CanRun  bool // finance, admin: the upload form
	Runs    []reconRunRow
	Classes []string
	NextURL string
	First   bool // the first page (a "newest" link otherwise)
}

// reconExRow is one exception on a run's page.
type reconExRow struct {
	recon.Exception
	Ident   string
	TxnID   string // "" when the journal has no transaction
	CanAct  bool   // open to a manual resolution
	Amount  *posguard.Amount
	FileAmt *posguard.Amount
}

// reconRunData is the /recon/{id} page's data.
type reconRunData struct {
	Report     *recon.Report
	CreatedAt  string
	Rows       []reconExRow
	Classes    []string // classes present, for their explanations
	CanResolve bool
}

// reconList serves GET /recon?before=: reconciliation runs newest first,
// a page at a time (before is the last run id of the previous page).
func (s *Server) reconList(q *request) error {
	d := &reconListData{Enabled: s.Recon != nil, CanRun: s.Recon != nil && is(q.user, reconResolvers...), Classes: recon.Classes, First: q.Query("before") == ""}
	if s.Recon == nil {
		return q.render(http.StatusOK, "recon", "nav.recon", d)
	}
	runs, err := s.Recon.Store.ReconRuns(q.r.Context(), "", q.Query("before"), reconPageSize)
	if err != nil {
		return err
	}
	for _, run := range runs {
		var rep recon.Report
		if err := json.Unmarshal(run.Report, &rep); err != nil {
			return posguard.WrapError(posguard.EINTERNAL, err, "recon run %s: stored report", run.ID)
		}
		d.Runs = append(d.Runs, reconRunRow{ID: run.ID, Date: run.Date, ClearingFile: run.ClearingFile,
			SupersededBy: run.SupersededBy, Lines: rep.Lines, Matched: rep.Matched, ExceptionCount: len(rep.Exceptions),
			Counts: rep.Counts(), Totals: rep.Totals, CreatedAt: clock(run.CreatedAt),
			QRBills: len(rep.QRBills), QRLines: rep.QRLines, QRMatched: rep.QRMatched})
	}
	if len(runs) == reconPageSize {
		d.NextURL = "/recon?before=" + url.QueryEscape(runs[len(runs)-1].ID)
	}
	return q.render(http.StatusOK, "recon", "nav.recon", d)
}

// reconRun serves GET /recon/{id}: a run's totals and its exceptions with
// their statuses as they stand now; finance and admin get a resolve form
// on each exception that is not closed.
func (s *Server) reconRun(q *request) error {
	if s.Recon == nil {
		return posguard.Errorf(posguard.ENOTFOUND, "reconciliation is not enabled")
	}
	ctx := q.r.Context()
	id := q.r.PathValue("id")
	run, err := s.Recon.Store.ReconRun(ctx, id)
	if err != nil {
		return err
	}
	rep, err := s.Recon.Report(ctx, id)
	if err != nil {
		return err
	}
	d := &reconRunData{Report: rep, CreatedAt: clock(run.CreatedAt), CanResolve: is(q.user, reconResolvers...)}
	seen := map[string]bool{}
	for i, e := range rep.Exceptions {
		row := reconExRow{Exception: e}
		if i < len(run.Idents) {
			row.Ident = run.Idents[i]
		}
		if e.TransactionID != nil {
			row.TxnID = *e.TransactionID
		}
		if e.Amount != nil {
			a := posguard.Amount(*e.Amount)
			row.Amount = &a
		}
		if e.FileAmount != nil {
			a := posguard.Amount(*e.FileAmount)
			row.FileAmt = &a
		}
		row.CanAct = d.CanResolve && row.Ident != "" && e.Status != posguard.ReconResolved && e.Status != posguard.ReconRepaired
		if !seen[e.Class] {
			seen[e.Class] = true
			d.Classes = append(d.Classes, e.Class)
		}
		d.Rows = append(d.Rows, row)
	}
	return q.render(http.StatusOK, "recon_run", "recon.run_title", d)
}

// resolveRecon serves POST /recon/resolve (fields exception, run, note;
// finance, admin): the same service as POST /v1/recon/exceptions/resolve
// closes the exception, releases its hold and notes its case.
func (s *Server) resolveRecon(q *request) error {
	if s.Recon == nil {
		return posguard.Errorf(posguard.ENOTFOUND, "reconciliation is not enabled")
	}
	ident := q.r.PostFormValue("exception")
	if ident == "" {
		return posguard.Errorf(posguard.EINVALID, "exception: missing")
	}
	q.object = "recon_exception/" + ident
	who := q.user.Name
	if note := q.r.PostFormValue("note"); note != "" {
		who += ": " + posguard.MaskCardNumbers(note)
	}
	q.auditFill(func(any) (string, string) {
		return "", `{"before":{"exception":` + strconv.Quote(ident) + `},"after":{"exception":` + strconv.Quote(ident) + `,"status":"resolved"}}`
	})
	if err := s.Recon.Release(q.r.Context(), ident, who); err != nil {
		return err
	}
	q.changes = `{"before":{"exception":` + strconv.Quote(ident) + `},"after":{"exception":` + strconv.Quote(ident) +
		`,"status":"resolved"}}`
	back := "/recon"
	if run := q.r.PostFormValue("run"); run != "" {
		back = "/recon/" + url.PathEscape(run)
	}
	return q.redirect(back, "recon_resolved")
}

// ClassName is a reconciliation class's name in the page's language.
func (q *request) ClassName(class string) string { return q.T("rclass." + class) }

// ClassHelp explains a reconciliation class in the page's language.
func (q *request) ClassHelp(class string) string { return q.T("rhelp." + class) }

// ReconStatus is an exception status in the page's language.
func (q *request) ReconStatus(st string) string { return q.T("rstatus." + st) }

// Fen renders an amount of a report (fen) in 元.
func (q *request) Fen(a int64) string { return yuan(q.lang, posguard.Amount(a)) }

// maxReconUpload bounds a clearing file (and bank file) uploaded through
// the console; bigger files go through POST /v1/recon/runs, the command
// or the watched directory.
const maxReconUpload = 64 << 20

// uploadRecon serves POST /recon/runs (multipart: date, clearing, optional
// bank; finance, admin): the same service as POST /v1/recon/runs makes a
// run, or finds the run of the same bytes, and shows it.
func (s *Server) uploadRecon(q *request) error {
	if s.Recon == nil {
		return posguard.Errorf(posguard.ENOTFOUND, "reconciliation is not enabled")
	}
	date := strings.TrimSpace(q.r.PostFormValue("date"))
	if d, err := time.Parse("2006-01-02", date); err != nil || d.Format("2006-01-02") != date {
		return posguard.Errorf(posguard.EINVALID, "date: %q is not a date YYYY-MM-DD", date)
	}
	in := recon.Input{Date: date}
	f, h, err := q.r.FormFile("clearing")
	if err != nil {
		return posguard.Errorf(posguard.EINVALID, "clearing: choose the clearing file")
	}
	defer f.Close()
	in.Clearing, in.ClearingName = f, h.Filename
	if in.ClearingName == "" {
		in.ClearingName = recon.ClearingName(date)
	}
	if b, bh, err := q.r.FormFile("bank"); err == nil {
		defer b.Close()
		in.Bank, in.BankName = b, bh.Filename
		if in.BankName == "" {
			in.BankName = "bank.csv"
		}
	}
	q.object = "recon_date/" + date
	rep, created, err := s.Recon.Run(q.r.Context(), in)
	if err != nil {
		return err
	}
	q.changes = `{"after":{"run_id":` + strconv.Quote(rep.RunID) + `,"created":` + strconv.FormatBool(created) + `}}`
	done := "recon_same"
	if created {
		done = "recon_run"
	}
	return q.redirect("/recon/"+url.PathEscape(rep.RunID), done)
}
