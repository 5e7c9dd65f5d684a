package console

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/analytics"
)

// terminalRow is one terminal with its health (when reports are on).
type terminalRow struct {
	*posguard.Terminal
	Health *analytics.Health
}

// terminalsData is the terminals page's data.
type terminalsData struct {
	Rows      []terminalRow
	Attention []*analytics.Health // staff: the terminals that need attention
	Page      int
	PrevURL   string
	NextURL   string
	// CanChange shows the status buttons (operator, admin).
	CanChange bool
}

// terminals serves GET /terminals?page=: a merchant user's terminals, or
// every terminal for staff, with sign-on state and health (last 24 h
// failure rate, problems), a page at a time.
func (s *Server) terminals(q *request) error {
	ctx := q.r.Context()
	all, err := s.Store.Terminals(ctx)
	if err != nil {
		return err
	}
	var mine []*posguard.Terminal
	for _, t := range all {
		if q.user.Staff() || t.MerchantID == q.user.MerchantID {
			mine = append(mine, t)
		}
	}
	d := &terminalsData{CanChange: is(q.user, terminalRoles...)}
	d.Page, _ = strconv.Atoi(q.Query("page"))
	if d.Page < 1 {
		d.Page = 1
	}
	start := (d.Page - 1) * pageSize
	if start > len(mine) {
		start = len(mine)
	}
	end := min(start+pageSize, len(mine))
	for _, t := range mine[start:end] {
		row := terminalRow{Terminal: t}
		if s.Reports != nil {
			if row.Health, err = s.Reports.Health(ctx, t.ID); err != nil {
				return err
			}
		}
		d.Rows = append(d.Rows, row)
	}
	if d.Page > 1 {
		d.PrevURL = "/terminals?page=" + strconv.Itoa(d.Page-1)
	}
	if end < len(mine) {
		d.NextURL = "/terminals?page=" + strconv.Itoa(d.Page+1)
	}
	if q.user.Staff() && s.Reports != nil {
		if d.Attention, err = s.Reports.Attention(ctx); err != nil {
			return err
		}
		if len(d.Attention) > pageSize {
			d.Attention = d.Attention[:pageSize]
		}
	}
	return q.render(http.StatusOK, "terminals", "nav.terminals", d)
}

// terminalRoles may change a terminal's status (spec/backoffice.md §1).
var terminalRoles = []posguard.Role{posguard.RoleOperator, posguard.RoleAdmin}

// setTerminalStatus serves POST /terminals/{id}/status (field status:
// active or disabled; operator, admin). A disabled terminal's requests
// are refused by the switch; its keys and sign-on state are kept.
func (s *Server) setTerminalStatus(q *request) error {
	t, err := s.Store.Terminal(q.r.Context(), q.r.PathValue("id"))
	if err != nil {
		return err
	}
	q.object = "terminal/" + t.ID
	st := posguard.TerminalStatus(q.r.PostFormValue("status"))
	if st != posguard.TerminalActive && st != posguard.TerminalDisabled {
		return posguard.Errorf(posguard.EINVALID, "status: active or disabled")
	}
	q.changes = `{"before":{"status":` + strconv.Quote(string(t.Status)) + `},"after":{"status":` + strconv.Quote(string(st)) + `}}`
	if t.Status != st {
		t.Status = st
		if err := s.Store.PutTerminal(q.r.Context(), t); err != nil {
			return err
		}
	}
	return q.redirect("/terminals?page="+strconv.Itoa(max(1, atoiDefault(q.r.PostFormValue("page"), 1))), "terminal_status")
}

// atoiDefault reads a number, def when it is not one.
func atoiDefault(s string, def int) int {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	return def
}

// ProblemText renders one of a terminal health report's problems (analytics
// writes them in English) in the page's language; a problem it does not
// recognize is shown as written.
func (q *request) ProblemText(h *analytics.Health, p string) string {
	switch {
	case p == "not signed on":
		return q.T("problem.not_signed_on")
	case strings.HasPrefix(p, "no request in the last "):
		return q.T("problem.silent")
	case strings.HasPrefix(p, "firmware "):
		return q.T("problem.firmware", h.Firmware, h.MinFirmware)
	case strings.HasPrefix(p, "error rate "):
		return q.T("problem.error_rate", strings.Fields(p)[2])
	case strings.HasPrefix(p, "reversal rate "):
		return q.T("problem.reversal_rate", strings.Fields(p)[2])
	case strings.HasPrefix(p, "open incident: "):
		return q.T("problem.incident", q.T("incident."+strings.TrimPrefix(p, "open incident: ")))
	case strings.Contains(p, " security refusals "):
		return q.T("problem.security", strings.Fields(p)[0])
	}
	return p
}
