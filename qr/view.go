package qr

import (
	"strconv"
	"time"

	"github.com/posguard/posguard"
)

// OrderView is an order as the merchant API and the merchant notifications
// show it (spec §4.2). Explanation is filled by the API.
type OrderView struct {
	ID                 string        `json:"id"`
	OutOrderNo         string        `json:"out_order_no"`
	MerchantID         string        `json:"merchant_id"`
	Mode               string        `json:"mode"`
	Channel            string        `json:"channel,omitempty"`
	Amount             int64         `json:"amount"`
	AmountYuan         string        `json:"amount_yuan"`
	State              string        `json:"state"`
	Reason             string        `json:"reason,omitempty"`
	Explanation        any           `json:"explanation,omitempty"`
	OutTradeNo         string        `json:"out_trade_no,omitempty"`
	TransactionID      string        `json:"transaction_id,omitempty"`
	PaidAt             string        `json:"paid_at,omitempty"`
	AuthCode           string        `json:"auth_code,omitempty"`
	TerminalID         string        `json:"terminal_id,omitempty"`
	Subject            string        `json:"subject,omitempty"`
	NotifyURL          string        `json:"notify_url,omitempty"`
	CodeURL            string        `json:"code_url,omitempty"`
	ExpiresAt          string        `json:"expires_at,omitempty"`
	Reversal           *ReversalView `json:"reversal,omitempty"`
	RefundedAmount     int64         `json:"refunded_amount"`
	RefundedAmountYuan string        `json:"refunded_amount_yuan"`
	Refunds            []RefundView  `json:"refunds"`
	Notifications      []NoticeView  `json:"notifications,omitempty"`
	CreatedAt          string        `json:"created_at"`
	UpdatedAt          string        `json:"updated_at"`
}

// ReversalView says how far the reversal of a reversed order got.
type ReversalView struct {
	State     string `json:"state"`
	Attempts  int    `json:"attempts"`
	LastError string `json:"last_error,omitempty"`
}

// RefundView is a refund as the API shows it (spec §4.4).
type RefundView struct {
	ID          string `json:"id"`
	OrderID     string `json:"order_id"`
	OutRefundNo string `json:"out_refund_no"`
	Amount      int64  `json:"amount"`
	AmountYuan  string `json:"amount_yuan"`
	State       string `json:"state"`
	Reason      string `json:"reason,omitempty"`
	CreatedAt   string `json:"created_at"`
	UpdatedAt   string `json:"updated_at"`
	// Exchanges is every request sent to the channel about the refund and
	// its answer, oldest first: shown when the order is read (GET), not in
	// the refund's own answer or in notifications (an addition to spec
	// §4.4's fields, docs/qr.md "Refund history").
	Exchanges []ExchangeView `json:"exchanges,omitempty"`
}

// ExchangeView is one exchange with the channel about a refund.
type ExchangeView struct {
	Request string `json:"request"` // refund | refund_query
	Answer  string `json:"answer"`
	At      string `json:"at"`
}

// NoticeView is one merchant notification of the order (its delivery).
type NoticeView struct {
	NotifyID    string `json:"notify_id"`
	Event       string `json:"event"`
	State       string `json:"state"`
	Attempts    int    `json:"attempts"`
	NextAttempt string `json:"next_attempt,omitempty"`
	LastError   string `json:"last_error,omitempty"`
	DeliveredAt string `json:"delivered_at,omitempty"`
}

// OrderID is the API id of an order ("Q" + its number).
func OrderID(id int64) string { return "Q" + strconv.FormatInt(id, 10) }

// RefundID is the API id of a refund ("R" + its number).
func RefundID(id int64) string { return "R" + strconv.FormatInt(id, 10) }

// ParseOrderID reads an order's API id; false when it is not one.
func ParseOrderID(s string) (int64, bool) { return parseID(s, 'Q') }

func parseID(s string, p byte) (int64, bool) {
	if len(s) < 2 || len(s) > 20 || s[0] != p {
		return 0, false
	}
	n, err := strconv.ParseInt(s[1:], 10, 64)
	return n, err == nil && n > 0
}

func rfc(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// ViewOrder returns o with its refunds (and notifications when given) as
// the API shows it.
func ViewOrder(o *posguard.QROrder, refunds []*posguard.QRRefund, notices []*posguard.QRNotice) OrderView {
	v := OrderView{ID: OrderID(o.ID), OutOrderNo: o.OutOrderNo, MerchantID: o.MerchantID, Mode: string(o.Mode), Channel: o.Channel,
		Amount: int64(o.Amount), AmountYuan: o.Amount.String(), State: string(o.State), OutTradeNo: o.OutTradeNo,
		TransactionID: o.TransactionID, PaidAt: rfc(o.PaidAt), AuthCode: o.AuthCode, TerminalID: o.TerminalID, Subject: o.Subject,
		NotifyURL: o.NotifyURL, CodeURL: o.CodeURL, RefundedAmount: int64(o.RefundedAmount),
		RefundedAmountYuan: o.RefundedAmount.String(), Refunds: []RefundView{}, CreatedAt: rfc(o.CreatedAt), UpdatedAt: rfc(o.UpdatedAt)}
	if o.State != posguard.QRSucceeded && o.State != posguard.QRPaying {
		v.Reason = o.Reason
	}
	if o.Mode == posguard.QRNative {
		v.ExpiresAt = rfc(o.ExpiresAt)
	}
	if o.State == posguard.QRReversed {
		st := o.ReversalState
		if st == "" {
			st = posguard.QRReversalPending
		}
		rv := &ReversalView{State: st, Attempts: o.Attempts}
		if st == posguard.QRReversalPending {
			rv.LastError = o.LastError
		}
		v.Reversal = rv
	}
	for _, r := range refunds {
		v.Refunds = append(v.Refunds, ViewRefund(r))
	}
	for _, n := range notices {
		nv := NoticeView{NotifyID: NoticeID(n.ID), Event: n.Event, State: n.State, Attempts: n.Attempts, LastError: n.LastError,
			DeliveredAt: rfc(n.DeliveredAt)}
		if n.State == posguard.QRNoticePending {
			nv.NextAttempt = rfc(n.NextAttempt)
		}
		v.Notifications = append(v.Notifications, nv)
	}
	return v
}

// ViewRefund returns r as the API shows it.
func ViewRefund(r *posguard.QRRefund) RefundView {
	v := RefundView{ID: RefundID(r.ID), OrderID: OrderID(r.OrderID), OutRefundNo: r.OutRefundNo, Amount: int64(r.Amount),
		AmountYuan: r.Amount.String(), State: string(r.State), CreatedAt: rfc(r.CreatedAt), UpdatedAt: rfc(r.UpdatedAt)}
	if r.State == posguard.QRRefundFailed {
		v.Reason = r.FailReason
	}
	return v
}

// NoticeID is the notify_id of a merchant notification.
func NoticeID(id int64) string { return "N" + strconv.FormatInt(id, 10) }

// AddExchanges puts each exchange under its refund in v.
func (v *OrderView) AddExchanges(xs []*posguard.QRRefundExchange) {
	for _, x := range xs {
		id := RefundID(x.RefundID)
		for i := range v.Refunds {
			if v.Refunds[i].ID == id {
				v.Refunds[i].Exchanges = append(v.Refunds[i].Exchanges, ExchangeView{Request: x.Request, Answer: x.Answer, At: rfc(x.At)})
			}
		}
	}
}
