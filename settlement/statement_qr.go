package settlement

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"github.com/posguard/posguard"
)

// QR payments in a merchant statement: beside the periods' totals (which
// include QR payments like card sales, with their own columns), one line
// per QR money movement, with the numbers the merchant knows the payment
// by: its own order number (out_order_no), the channel and the channel's
// transaction id, and for a refund its refund number.

// QRLine is one QR payment or refund of a merchant's statement, from its
// ledger posting.
type QRLine struct {
	Date          string // the posting's business date (the settlement date)
	Kind          string // "payment" or "refund"
	OrderID       string // posguard's order id, Q<n>
	OutOrderNo    string
	Channel       string // wechat, alipay, unionpay
	TransactionID string // the channel's
	RefundID      string // posguard's refund id, R<n> ("" for a payment)
	OutRefundNo   string
	Gross         posguard.Amount // paid, or refunded (positive)
	// Fee is the fee kept (+, a payment) or returned (−, a refund); Net is
	// the change of what the merchant is owed (+ for a payment, − for a
	// refund), as in the totals.
	Fee, Net posguard.Amount
}

// QR line kinds.
const (
	QRPayment = "payment"
	QRRefund  = "refund"
)

// QRSource reads QR orders and refunds by id (posguard.QRSearchStore).
type QRSource interface {
	QROrdersByIDs(ctx context.Context, ids []int64) (map[int64]*posguard.QROrder, error)
	QRRefundsByIDs(ctx context.Context, ids []int64) (map[int64]*posguard.QRRefund, error)
}

// StatementReport is a merchant statement: the totals per period and the QR
// lines.
type StatementReport struct {
	MerchantID string
	From, To   string
	Rows       []StatementRow
	QR         []QRLine
}

// BuildStatement is Statement with the QR lines of the same postings; q
// may be nil (no QR lines are listed then, the totals are the same).
func BuildStatement(ctx context.Context, s posguard.LedgerStore, q QRSource, mid, from, to string, monthly bool) (*StatementReport, error) {
	ps, err := s.MerchantPostings(ctx, mid, from, to)
	if err != nil {
		return nil, err
	}
	rep := &StatementReport{MerchantID: mid, From: from, To: to, Rows: fold(ps, monthly), QR: []QRLine{}}
	if q == nil {
		return rep, nil
	}
	rep.QR, err = qrLines(ctx, ps, q)
	return rep, err
}

// qrKeyID reads the id of a QR posting's key ("qr:Q12:approval" → 'Q',
// 12); ok false for another key.
func qrKeyID(key string) (byte, int64, bool) {
	rest, ok := strings.CutPrefix(key, "qr:")
	if !ok || len(rest) < 2 {
		return 0, 0, false
	}
	i := strings.IndexByte(rest, ':')
	if i < 2 {
		return 0, 0, false
	}
	n, err := strconv.ParseInt(rest[1:i], 10, 64)
	return rest[0], n, err == nil && n > 0
}

// qrLines lists the QR payments and refunds among ps, in posting order.
func qrLines(ctx context.Context, ps []*posguard.Posting, q QRSource) ([]QRLine, error) {
	var orderIDs, refundIDs []int64
	for _, p := range ps {
		if p.CardKind != KindQR {
			continue
		}
		kind, id, ok := qrKeyID(p.Key)
		switch {
		case !ok:
		case kind == 'Q' && p.Kind == posguard.PostApproval:
			orderIDs = append(orderIDs, id)
		case kind == 'R' && p.Kind == posguard.PostRefund:
			refundIDs = append(refundIDs, id)
		}
	}
	out := []QRLine{}
	if len(orderIDs)+len(refundIDs) == 0 {
		return out, nil
	}
	refunds, err := q.QRRefundsByIDs(ctx, refundIDs)
	if err != nil {
		return nil, err
	}
	for _, r := range refunds {
		orderIDs = append(orderIDs, r.OrderID)
	}
	orders, err := q.QROrdersByIDs(ctx, orderIDs)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		if p.CardKind != KindQR {
			continue
		}
		kind, id, ok := qrKeyID(p.Key)
		if !ok {
			continue
		}
		l := QRLine{Date: p.Date, Gross: p.Gross, Fee: p.Fee, Net: p.Net}
		var o *posguard.QROrder
		switch {
		case kind == 'Q' && p.Kind == posguard.PostApproval:
			l.Kind, o = QRPayment, orders[id]
			l.OrderID = "Q" + strconv.FormatInt(id, 10)
		case kind == 'R' && p.Kind == posguard.PostRefund:
			l.Kind = QRRefund
			l.RefundID, l.OrderID = "R"+strconv.FormatInt(id, 10), p.Ref
			if r := refunds[id]; r != nil {
				l.OutRefundNo, o = r.OutRefundNo, orders[r.OrderID]
			}
		default:
			continue
		}
		if o != nil {
			l.OutOrderNo, l.Channel, l.TransactionID = o.OutOrderNo, o.Channel, o.TransactionID
		}
		out = append(out, l)
	}
	return out, nil
}

// qrHeader names the QR lines' columns (zh / en).
var qrHeader = []string{"扫码明细 qr", "日期 date", "类型 kind", "订单号 order", "商户订单号 out_order_no", "渠道 channel",
	"渠道交易号 transaction_id", "退款号 refund", "商户退款单号 out_refund_no", "金额 amount", "手续费 fee", "应结 net"}

// cells renders a QR line; amounts as yuan with two decimals.
func (l QRLine) cells() []string {
	kind := "支付 payment"
	if l.Kind == QRRefund {
		kind = "退款 refund"
	}
	return []string{"QR", l.Date, kind, l.OrderID, l.OutOrderNo, l.Channel, l.TransactionID, l.RefundID, l.OutRefundNo,
		l.Gross.String(), l.Fee.String(), l.Net.String()}
}

// pad widens cells to n columns, so that every record of a CSV file has
// the same number of fields.
func pad(cells []string, n int) []string {
	for len(cells) < n {
		cells = append(cells, "")
	}
	return cells
}

// WriteReportCSV writes the statement as CSV: the header and the periods
// (as WriteCSV), then, when there are QR lines, their own header line and
// one line each, first column "QR", padded to the same width.
func WriteReportCSV(w io.Writer, rep *StatementReport) error {
	cw := csv.NewWriter(w)
	n := max(len(statementHeader), len(qrHeader))
	if err := cw.Write(pad(append([]string(nil), statementHeader...), n)); err != nil {
		return err
	}
	for _, r := range rep.Rows {
		if err := cw.Write(pad(r.cells(), n)); err != nil {
			return err
		}
	}
	if len(rep.QR) > 0 {
		if err := cw.Write(pad(append([]string(nil), qrHeader...), n)); err != nil {
			return err
		}
		for _, l := range rep.QR {
			if err := cw.Write(pad(l.cells(), n)); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}
