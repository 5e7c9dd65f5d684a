package http

import (
	nethttp "net/http"
	"time"

	"github.com/posguard/posguard/settlement"
)

// getStatement serves GET /v1/merchants/{id}/statement?from=&to=&period=day|month&format=json|csv|xlsx:
// the merchant's statement from the ledger (what was sold, refunded, the
// fees, what was settled, paid and held), per day or month.
func (s *Server) getStatement(w nethttp.ResponseWriter, r *nethttp.Request) {
	q := r.URL.Query()
	from, to := q.Get("from"), q.Get("to")
	for _, p := range []struct{ name, v string }{{"from", from}, {"to", to}} {
		d, err := time.Parse("2006-01-02", p.v)
		if err != nil {
			s.writeError(w, r, invalidParam(p.name, "want YYYY-MM-DD, got %q", p.v))
			return
		}
		if err := checkTimeRange(p.name, d); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	monthly := false
	switch q.Get("period") {
	case "", "day":
	case "month":
		monthly = true
	default:
		s.writeError(w, r, invalidParam("period", "want day or month"))
		return
	}
	format := q.Get("format")
	if format != "" && format != "json" && format != "csv" && format != "xlsx" {
		s.writeError(w, r, invalidParam("format", "want json, csv or xlsx"))
		return
	}
	m, err := s.money()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	mid := r.PathValue("id")
	if _, err := s.Store.Merchant(r.Context(), mid); err != nil {
		s.writeError(w, r, err)
		return
	}
	rows, err := settlement.Statement(r.Context(), m, mid, from, to, monthly)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	name := "statement-" + mid + "-" + from + "-" + to
	switch format {
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
		if err := settlement.WriteCSV(w, rows); err != nil {
			s.logger().Error("write statement", "err", err)
		}
	case "xlsx":
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.xlsx"`)
		if err := settlement.WriteXLSX(w, rows); err != nil {
			s.logger().Error("write statement", "err", err)
		}
	default:
		views := make([]statementRowView, 0, len(rows))
		for _, x := range rows {
			views = append(views, statementRowView{Period: x.Period, Sales: x.Sales, SalesGross: int64(x.SalesGross),
				Voids: int64(x.Voids), Refunds: int64(x.Refunds), Reversals: int64(x.Reversals), Fees: int64(x.Fees),
				Earned: int64(x.Earned), Settled: int64(x.Settled), Paid: int64(x.Paid), Held: int64(x.Held), Resettled: int64(x.Resettled)})
		}
		writeJSON(w, nethttp.StatusOK, map[string]any{"merchant_id": mid, "from": from, "to": to, "rows": views})
	}
}

// statementRowView is one statement period; amounts in fen.
type statementRowView struct {
	Period     string `json:"period"`
	Sales      int    `json:"sales"`
	SalesGross int64  `json:"sales_gross"`
	Voids      int64  `json:"voids"`
	Refunds    int64  `json:"refunds"`
	Reversals  int64  `json:"reversals"`
	Fees       int64  `json:"fees"`
	Earned     int64  `json:"earned"`
	Settled    int64  `json:"settled"`
	Paid       int64  `json:"paid"`
	Held       int64  `json:"held"`
	Resettled  int64  `json:"resettled"`
}
