package console

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/diagnosis"
	"github.com/posguard/posguard/qr"
)

// QR order pages: the search (the merchant's order number, posguard's
// order id, the channel's transaction number, state, dates; staff also the
// merchant) and one order with its history, the channel's last answer,
// its reversal or close, refunds, merchant notifications and, when it did
// not succeed, the explanation; on a paid order the refund form
// (qr_refund.go).

var qrStates = []posguard.QRState{posguard.QRPaying, posguard.QRSucceeded, posguard.QRFailed, posguard.QRClosed, posguard.QRReversed}

// qrSearchForm is the QR search form's fields as typed.
type qrSearchForm struct {
	OutOrderNo, ID, ChannelNo, State, From, To, Merchant string
}

// qrSearch is a parsed QR search.
type qrSearch struct {
	filter    posguard.QROrderFilter
	id        int64
	channelNo string
}

// qrListData is the QR list's data.
type qrListData struct {
	Enabled bool
	Form    qrSearchForm
	Rows    []*posguard.QROrder
	States  []posguard.QRState
	NextURL string
}

// parseQRSearch reads the QR search form; EINVALID names the bad field. A
// merchant user's search is always of its own merchant.
func parseQRSearch(q url.Values, u *posguard.User) (qrSearchForm, qrSearch, error) {
	get := func(k string) string { return strings.TrimSpace(q.Get(k)) }
	f := qrSearchForm{OutOrderNo: get("out_order_no"), ID: get("id"), ChannelNo: get("channel_no"), State: get("state"),
		From: get("from"), To: get("to"), Merchant: get("merchant")}
	var s qrSearch
	bad := func(field, why string) (qrSearchForm, qrSearch, error) {
		return f, s, posguard.Errorf(posguard.EINVALID, "%s: %s", field, why)
	}
	if f.OutOrderNo != "" {
		if !orderNumber(f.OutOrderNo, 32) {
			return bad("out_order_no", "1 to 32 characters [0-9A-Za-z_-]")
		}
		s.filter.OutOrderNo = f.OutOrderNo
	}
	if f.ID != "" {
		raw := f.ID
		if raw[0] != 'Q' && raw[0] != 'q' {
			raw = "Q" + raw
		}
		id, ok := qr.ParseOrderID("Q" + raw[1:])
		if !ok {
			return bad("id", "an order id such as Q12")
		}
		s.id = id
	}
	if f.ChannelNo != "" {
		if !orderNumber(f.ChannelNo, 64) {
			return bad("channel_no", "up to 64 characters [0-9A-Za-z_-]")
		}
		s.channelNo = f.ChannelNo
	}
	if f.State != "" {
		st := posguard.QRState(f.State)
		if st != posguard.QRPaying && !knownQRState(st) {
			return bad("state", f.State)
		}
		s.filter.State = st
	}
	var field, why string
	if s.filter.From, s.filter.To, field, why = dayRange(f.From, f.To); field != "" {
		return bad(field, why)
	}
	var ok bool
	if s.filter.MerchantID, ok = searchMerchant(u, &f.Merchant); !ok {
		return bad("merchant", "up to 15 letters or digits")
	}
	if v := get("cursor"); v != "" {
		if s.filter.Before, ok = parseCursor(v); !ok {
			return bad("cursor", v)
		}
	}
	return f, s, nil
}

// knownQRState reports whether st is an order state.
func knownQRState(st posguard.QRState) bool {
	for _, x := range qrStates {
		if x == st {
			return true
		}
	}
	return false
}

// orderNumber reports whether s is 1 to max characters [0-9A-Za-z_-].
func orderNumber(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// matches reports whether o passes the filter's merchant, number, state
// and dates (for orders found by id or channel number).
func (s qrSearch) matches(o *posguard.QROrder) bool {
	f := s.filter
	return (f.MerchantID == "" || o.MerchantID == f.MerchantID) && (f.OutOrderNo == "" || o.OutOrderNo == f.OutOrderNo) &&
		(f.State == "" || o.State == f.State) && (f.From.IsZero() || !o.CreatedAt.Before(f.From)) &&
		(f.To.IsZero() || o.CreatedAt.Before(f.To)) && (s.id == 0 || o.ID == s.id) &&
		(s.channelNo == "" || o.TransactionID == s.channelNo || o.OutTradeNo == s.channelNo)
}

// qrOrders serves GET /qr: a merchant's own orders, every order for staff,
// newest first, a page of 50 with a "next" link, searched by the
// merchant's order number, posguard's order id, the channel's transaction
// number (or posguard's number at the channel), state and dates (UTC+8).
func (s *Server) qrOrders(q *request) error {
	form, search, err := parseQRSearch(q.r.URL.Query(), q.user)
	d := &qrListData{Enabled: s.QR != nil, Form: form, States: qrStates}
	if err != nil {
		v := &view{request: q, Title: q.T("qr.list_title"), Data: d, Problem: q.T("search.bad", posguard.ErrorMessage(err))}
		return q.renderView(http.StatusBadRequest, "qr", v)
	}
	if s.QR == nil {
		return q.render(http.StatusOK, "qr", "qr.list_title", d)
	}
	ctx := q.r.Context()
	switch {
	case search.id != 0:
		o, err := s.QR.QROrder(ctx, search.id)
		if err != nil && posguard.ErrorCode(err) != posguard.ENOTFOUND {
			return err
		}
		if err == nil && q.user.Sees(o.MerchantID) && search.matches(o) {
			d.Rows = []*posguard.QROrder{o}
		}
	case search.channelNo != "":
		ss, ok := s.QR.(posguard.QRSearchStore)
		if !ok {
			return posguard.Errorf(posguard.ENOTFOUND, "search by channel number is not available")
		}
		list, err := ss.QROrdersByChannelNo(ctx, search.filter.MerchantID, search.channelNo, pageSize)
		if err != nil {
			return err
		}
		for _, o := range list {
			if q.user.Sees(o.MerchantID) && search.matches(o) {
				d.Rows = append(d.Rows, o)
			}
		}
	default:
		f := search.filter
		f.Limit = pageSize + 1
		rows, err := s.QR.QROrders(ctx, f)
		if err != nil {
			return err
		}
		if len(rows) > pageSize {
			rows = rows[:pageSize]
			v := q.r.URL.Query()
			v.Set("cursor", strconv.FormatInt(rows[len(rows)-1].ID, 10))
			v.Del("done")
			d.NextURL = "/qr?" + v.Encode()
		}
		d.Rows = rows
	}
	return q.render(http.StatusOK, "qr", "qr.list_title", d)
}

// qrEvent is one line of an order's history.
type qrEvent struct {
	At   time.Time
	Key  string // catalogue key
	Args []any
	// State is the CSS state class (succeeded, failed…), "" for none.
	State string
}

// qrOrderData is the QR order page's data.
type qrOrderData struct {
	View    qr.OrderView
	O       *posguard.QROrder
	Refunds []*posguard.QRRefund
	// Exchanges is every request sent to the channel about the order's
	// refunds and its answer, oldest first.
	Exchanges []*posguard.QRRefundExchange
	Notices   []*posguard.QRNotice
	Why       *explained
	History   []qrEvent
	// Refundable is what may still be refunded (amount − succeeded −
	// processing refunds); CanRefund shows the refund form.
	Refundable posguard.Amount
	CanRefund  bool
	Form       qrRefundForm
	// Error is the refused refund's reason (catalogue key) and ErrorArgs
	// its arguments.
	Error     string
	ErrorArgs []any
}

// qrOrderPage serves GET /qr/{id}: another merchant's order is the 404
// page, as a missing one.
func (s *Server) qrOrderPage(q *request) error {
	o, err := s.visibleQROrder(q)
	if err != nil {
		return err
	}
	return q.renderQROrder(http.StatusOK, o, nil)
}

// visibleQROrder returns the order of the path's id when the user may see
// it; ENOTFOUND for a missing one and another merchant's alike.
func (s *Server) visibleQROrder(q *request) (*posguard.QROrder, error) {
	if s.QR == nil {
		return nil, posguard.Errorf(posguard.ENOTFOUND, "QR payments are not enabled")
	}
	id, ok := qr.ParseOrderID(q.r.PathValue("id"))
	if !ok {
		return nil, posguard.Errorf(posguard.ENOTFOUND, "no QR order %q", q.r.PathValue("id"))
	}
	o, err := s.QR.QROrder(q.r.Context(), id)
	if err != nil {
		return nil, err
	}
	if !q.user.Sees(o.MerchantID) {
		return nil, posguard.Errorf(posguard.ENOTFOUND, "no QR order %q", q.r.PathValue("id"))
	}
	return o, nil
}

// renderQROrder renders order o's page; a refused refund passes the form
// as typed and the reason.
func (q *request) renderQROrder(status int, o *posguard.QROrder, refused *qrOrderData) error {
	ctx := q.r.Context()
	refunds, err := q.s.QR.QRRefunds(ctx, o.ID)
	if err != nil {
		return err
	}
	notices, err := q.s.QR.QRNotices(ctx, o.ID)
	if err != nil {
		return err
	}
	exchanges, err := q.s.QR.QRRefundExchanges(ctx, o.ID)
	if err != nil {
		return err
	}
	d := &qrOrderData{View: qr.ViewOrder(o, refunds, notices), O: o, Refunds: refunds, Notices: notices, Exchanges: exchanges,
		Refundable: refundable(o, refunds), History: qrHistory(o, refunds, notices)}
	if d.View.Reason != "" {
		d.Why = explainIn(q.lang, "", d.View.Reason, nil)
	}
	d.CanRefund = q.s.QRRefunds != nil && is(q.user, qrRefunders...) && o.State == posguard.QRSucceeded && d.Refundable > 0
	d.Form = qrRefundForm{OutRefundNo: newRefundNo(q.s.now()), Amount: yuanField(d.Refundable)}
	if refused != nil {
		d.Form, d.Error, d.ErrorArgs = refused.Form, refused.Error, refused.ErrorArgs
	}
	return q.render(status, "qr_order", "qr.title", d)
}

// refundable is what may still be refunded of o: its amount less the
// refunds that succeeded or are processing (a processing refund reserves
// its amount, as the store does). 0 when o is not paid.
func refundable(o *posguard.QROrder, refunds []*posguard.QRRefund) posguard.Amount {
	if o.State != posguard.QRSucceeded {
		return 0
	}
	left := o.Amount
	for _, r := range refunds {
		if r.State != posguard.QRRefundFailed {
			left -= r.Amount
		}
	}
	return max(left, 0)
}

// qrHistory is the order's history from what the journal records: its
// creation, payment, final state, reversal, refunds and notifications, in
// time order.
func qrHistory(o *posguard.QROrder, refunds []*posguard.QRRefund, notices []*posguard.QRNotice) []qrEvent {
	var ev []qrEvent
	add := func(at time.Time, key, state string, args ...any) {
		if !at.IsZero() {
			// The channel's paid_at has whole seconds: nothing is shown
			// before the order's creation.
			ev = append(ev, qrEvent{At: maxTime(at, o.CreatedAt), Key: key, Args: args, State: state})
		}
	}
	if o.OutTradeNo == "" && o.State.Final() {
		// Refused by a gate: final at creation, no channel call.
		add(o.CreatedAt, "qr.ev.refused", string(o.State), o.Reason)
	} else {
		add(o.CreatedAt, "qr.ev.created", "paying", o.OutTradeNo)
		if o.Mode == posguard.QRNative && o.CodeURL != "" {
			add(o.CreatedAt, "qr.ev.code", "", clock(o.ExpiresAt))
		}
		switch o.State {
		case posguard.QRSucceeded:
			add(o.PaidAt, "qr.ev.paid", "succeeded", o.TransactionID)
		case posguard.QRFailed:
			add(o.UpdatedAt, "qr.ev.failed", "failed", o.Reason)
		case posguard.QRClosed:
			at := o.ExpiresAt
			if at.IsZero() {
				at = o.UpdatedAt
			}
			add(at, "qr.ev.closed", "closed", o.Reason)
		case posguard.QRReversed:
			at := o.Deadline
			if at.IsZero() {
				at = o.UpdatedAt
			}
			add(at, "qr.ev.reversed", "reversed", o.Reason)
			if o.ReversalState == posguard.QRReversalDone {
				add(o.UpdatedAt, "qr.ev.reversal_done", "", o.Attempts)
			}
		}
	}
	for _, r := range refunds {
		add(r.CreatedAt, "qr.ev.refund", "", qr.RefundID(r.ID), r.OutRefundNo, r.Amount)
		switch r.State {
		case posguard.QRRefundSucceeded:
			add(r.UpdatedAt, "qr.ev.refund_succeeded", "succeeded", qr.RefundID(r.ID))
		case posguard.QRRefundFailed:
			add(r.UpdatedAt, "qr.ev.refund_failed", "failed", qr.RefundID(r.ID), r.FailReason)
		}
	}
	for _, n := range notices {
		add(n.CreatedAt, "qr.ev.notice", "", qr.NoticeID(n.ID), n.Event)
		add(n.DeliveredAt, "qr.ev.notice_delivered", "", qr.NoticeID(n.ID), n.Attempts)
	}
	// A stable sort by time keeps the order above for equal times.
	sort.SliceStable(ev, func(i, j int) bool { return ev[i].At.Before(ev[j].At) })
	return ev
}

func maxTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return b
	}
	return a
}

// EventText renders one history line in the page's language.
func (q *request) EventText(e qrEvent) string {
	args := make([]any, len(e.Args))
	for i, a := range e.Args {
		if amt, ok := a.(posguard.Amount); ok {
			args[i] = q.Yuan(amt)
		} else {
			args[i] = a
		}
	}
	return q.T(e.Key, args...)
}

// ChannelHint explains the channel code named in a channel's last answer
// (what it means and what posguard does), in the page's language; "" when
// the answer names none (a timeout, a bad signature).
func (q *request) ChannelHint(answer string) string {
	e, ok := diagnosis.ChannelCodeIn(answer)
	if !ok {
		return ""
	}
	return e.Meaning.In(q.lang) + " " + e.Action.In(q.lang)
}

// AnswerHint explains one answer of a refund's history in the page's
// language: a channel err_code from the knowledge base, a refund_state,
// a refusal (return_code FAIL), or no trusted answer at all.
func (q *request) AnswerHint(answer string) string {
	if h := q.ChannelHint(answer); h != "" {
		return h
	}
	_, said, _ := strings.Cut(answer, ": ")
	switch {
	case said == "SUCCESS":
		return q.T("qr.answer.SUCCESS")
	case said == "PROCESSING":
		return q.T("qr.answer.PROCESSING")
	case said == "FAIL":
		return q.T("qr.answer.FAIL")
	case strings.HasPrefix(said, "return_code FAIL"):
		return q.T("qr.answer.rejected")
	}
	return q.T("qr.answer.untrusted")
}
