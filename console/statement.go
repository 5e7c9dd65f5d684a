package console

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/settlement"
)

// maxStatementDays bounds a statement's span (a year and a bit).
const maxStatementDays = 400

// statementForm is the statement form: merchant (staff), from, to,
// period (day or month).
type statementForm struct {
	Merchant, From, To, Period string
}

// statementsData is the statements page's data.
type statementsData struct {
	Enabled bool
	Form    statementForm
	Rows    []settlement.StatementRow
	// QR lists the span's QR payments and refunds (at most
	// maxStatementQRLines on screen; the downloads have every one), and
	// QRMore says how many more there are.
	QR        []settlement.QRLine
	QRMore    int
	Merchants []*posguard.Merchant // staff: whose statement
	CSVURL    string
	XLSXURL   string
}

// parseStatement reads the statement form; the defaults are the last 7
// days by day, and a merchant user's own merchant whatever it asks.
func (q *request) parseStatement() (statementForm, error) {
	today := q.s.todayStart()
	f := statementForm{Merchant: strings.TrimSpace(q.Query("merchant")), From: q.Query("from"), To: q.Query("to"), Period: q.Query("period")}
	if !q.user.Staff() {
		f.Merchant = q.user.MerchantID
	}
	if f.From == "" {
		f.From = day(today.AddDate(0, 0, -7))
	}
	if f.To == "" {
		f.To = day(today)
	}
	if f.Period == "" {
		f.Period = "day"
	}
	from, ok1 := parseDay(f.From)
	to, ok2 := parseDay(f.To)
	switch {
	case !ok1:
		return f, posguard.Errorf(posguard.EINVALID, "from: YYYY-MM-DD")
	case !ok2:
		return f, posguard.Errorf(posguard.EINVALID, "to: YYYY-MM-DD")
	case to.Before(from):
		return f, posguard.Errorf(posguard.EINVALID, "to: before from")
	case to.Sub(from) > maxStatementDays*24*time.Hour:
		return f, posguard.Errorf(posguard.EINVALID, "to: at most %d days", maxStatementDays)
	case f.Period != "day" && f.Period != "month":
		return f, posguard.Errorf(posguard.EINVALID, "period: day or month")
	}
	return f, nil
}

// maxStatementQRLines bounds the QR lines the statements page shows.
const maxStatementQRLines = 200

// statementRows reads the statement of the form's merchant (its QR lines
// too); ENOTFOUND for an unknown merchant (and so for another merchant's,
// for a merchant user).
func (q *request) statementRows(f statementForm) (*settlement.StatementReport, error) {
	m := q.s.money()
	if m == nil {
		return nil, posguard.Errorf(posguard.ENOTFOUND, "no ledger")
	}
	if _, err := q.s.Store.Merchant(q.r.Context(), f.Merchant); err != nil {
		return nil, err
	}
	var src settlement.QRSource
	if qs, ok := q.s.QR.(settlement.QRSource); ok {
		src = qs
	}
	return settlement.BuildStatement(q.r.Context(), m, src, f.Merchant, f.From, f.To, f.Period == "month")
}

// statements serves GET /statements: the form, and the statement of the
// chosen span on screen with its CSV and XLSX download links.
func (s *Server) statements(q *request) error {
	d := &statementsData{Enabled: s.money() != nil}
	f, perr := q.parseStatement()
	if q.user.Staff() {
		var err error
		if d.Merchants, err = s.Store.Merchants(q.r.Context()); err != nil {
			return err
		}
		if f.Merchant == "" && len(d.Merchants) > 0 {
			f.Merchant = d.Merchants[0].ID
		}
	}
	d.Form = f
	if perr != nil {
		return perr
	}
	if d.Enabled && f.Merchant != "" {
		rep, err := q.statementRows(f)
		if err != nil {
			return err
		}
		d.Rows, d.QR = rep.Rows, rep.QR
		if len(d.QR) > maxStatementQRLines {
			d.QR, d.QRMore = d.QR[:maxStatementQRLines], len(d.QR)-maxStatementQRLines
		}
		v := url.Values{"merchant": {f.Merchant}, "from": {f.From}, "to": {f.To}, "period": {f.Period}}
		v.Set("format", "csv")
		d.CSVURL = "/statements/download?" + v.Encode()
		v.Set("format", "xlsx")
		d.XLSXURL = "/statements/download?" + v.Encode()
	}
	return q.render(http.StatusOK, "statements", "nav.statements", d)
}

// downloadStatement serves GET /statements/download?…&format=csv|xlsx.
func (s *Server) downloadStatement(q *request) error {
	f, err := q.parseStatement()
	if err != nil {
		return err
	}
	format := q.Query("format")
	if format != "csv" && format != "xlsx" {
		return posguard.Errorf(posguard.EINVALID, "format: csv or xlsx")
	}
	rep, err := q.statementRows(f)
	if err != nil {
		return err
	}
	name := "statement-" + f.Merchant + "-" + f.From + "-" + f.To + "." + format
	h := q.w.Header()
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("Cache-Control", "no-store")
	if format == "csv" {
		h.Set("Content-Type", "text/csv; charset=utf-8")
		return settlement.WriteReportCSV(q.w, rep)
	}
	h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	return settlement.WriteReportXLSX(q.w, rep)
}
