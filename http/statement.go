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
	if _, err := s.merchantFor(r, mid); err != nil {
		s.writeError(w, r, err)
		return
	}
	rep, err := settlement.BuildStatement(r.Context(), m, s.qrSource(), mid, from, to, monthly)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rows := rep.Rows
	name := "statement-" + mid + "-" + from + "-" + to
	switch format {
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
		if err := settlement.WriteReportCSV(w, rep); err != nil {
			s.logger().Error("write statement", "err", err)
		}
	case "xlsx":
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.xlsx"`)
		if err := settlement.WriteReportXLSX(w, rep); err != nil {
			s.logger().Error("write statement", "err", err)
		}
	default:
		views := make([]statementRowView, 0, len(rows))
		for _, x := range rows {
			views = append(views, newStatementRowView(x))
		}
		qrLines := make([]qrLineView, 0, len(rep.QR))
		for _, l := range rep.QR {
			qrLines = append(qrLines, newQRLineView(l))
		}
		writeJSON(w, nethttp.StatusOK, statementAnswer{MerchantID: mid, From: from, To: to, Rows: views, QROrders: qrLines})
	}
}

// statementAnswer is the JSON answer of GET /v1/merchants/{id}/statement.
type statementAnswer struct {
	MerchantID string             `json:"merchant_id"`
	From       string             `json:"from"`
	To         string             `json:"to"`
	Rows       []statementRowView `json:"rows"`
	// QROrders lists the QR payments and refunds of the span (their
	// postings), with the merchant's order numbers.
	QROrders []qrLineView `json:"qr_orders"`
}

// statementRowView is one statement period; amounts in fen, each with its
// yuan string beside it.
type statementRowView struct {
	Period         string `json:"period"`
	Sales          int    `json:"sales"`
	SalesGross     int64  `json:"sales_gross"`
	SalesGrossYuan string `json:"sales_gross_yuan"`
	Voids          int64  `json:"voids"`
	VoidsYuan      string `json:"voids_yuan"`
	Refunds        int64  `json:"refunds"`
	RefundsYuan    string `json:"refunds_yuan"`
	Reversals      int64  `json:"reversals"`
	ReversalsYuan  string `json:"reversals_yuan"`
	Fees           int64  `json:"fees"`
	FeesYuan       string `json:"fees_yuan"`
	Earned         int64  `json:"earned"`
	EarnedYuan     string `json:"earned_yuan"`
	Settled        int64  `json:"settled"`
	SettledYuan    string `json:"settled_yuan"`
	Paid           int64  `json:"paid"`
	PaidYuan       string `json:"paid_yuan"`
	Held           int64  `json:"held"`
	HeldYuan       string `json:"held_yuan"`
	Resettled      int64  `json:"resettled"`
	ResettledYuan  string `json:"resettled_yuan"`
	QRSales        int    `json:"qr_sales"`
	QRGross        int64  `json:"qr_gross"`
	QRRefunds      int64  `json:"qr_refunds"`
	QRFees         int64  `json:"qr_fees"`
}

// newStatementRowView renders x.
func newStatementRowView(x settlement.StatementRow) statementRowView {
	return statementRowView{Period: x.Period, Sales: x.Sales,
		SalesGross: int64(x.SalesGross), SalesGrossYuan: yuan(x.SalesGross),
		Voids: int64(x.Voids), VoidsYuan: yuan(x.Voids),
		Refunds: int64(x.Refunds), RefundsYuan: yuan(x.Refunds),
		Reversals: int64(x.Reversals), ReversalsYuan: yuan(x.Reversals),
		Fees: int64(x.Fees), FeesYuan: yuan(x.Fees),
		Earned: int64(x.Earned), EarnedYuan: yuan(x.Earned),
		Settled: int64(x.Settled), SettledYuan: yuan(x.Settled),
		Paid: int64(x.Paid), PaidYuan: yuan(x.Paid),
		Held: int64(x.Held), HeldYuan: yuan(x.Held),
		Resettled: int64(x.Resettled), ResettledYuan: yuan(x.Resettled),
		QRSales: x.QRSales, QRGross: int64(x.QRGross), QRRefunds: int64(x.QRRefunds), QRFees: int64(x.QRFees),
	}
}

// qrLineView is one QR payment or refund of a statement; amounts in fen
// (fee: + kept, − returned; net: the change of what the merchant is owed).
type qrLineView struct {
	Date          string `json:"date"`
	Kind          string `json:"kind"`
	OrderID       string `json:"order_id"`
	OutOrderNo    string `json:"out_order_no"`
	Channel       string `json:"channel"`
	TransactionID string `json:"transaction_id,omitempty"`
	RefundID      string `json:"refund_id,omitempty"`
	OutRefundNo   string `json:"out_refund_no,omitempty"`
	Amount        int64  `json:"amount"`
	AmountYuan    string `json:"amount_yuan"`
	Fee           int64  `json:"fee"`
	Net           int64  `json:"net"`
}

func newQRLineView(l settlement.QRLine) qrLineView {
	return qrLineView{Date: l.Date, Kind: l.Kind, OrderID: l.OrderID, OutOrderNo: l.OutOrderNo, Channel: l.Channel,
		TransactionID: l.TransactionID, RefundID: l.RefundID, OutRefundNo: l.OutRefundNo, Amount: int64(l.Gross),
		AmountYuan: yuan(l.Gross), Fee: int64(l.Fee), Net: int64(l.Net)}
}

// qrSource is where statements read QR orders by id; nil without QR.
func (s *Server) qrSource() settlement.QRSource {
	if s.QR == nil {
		return nil
	}
	if q, ok := s.QR.Store.(settlement.QRSource); ok {
		return q
	}
	return nil
}
