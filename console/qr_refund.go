package console

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/qr"
)

// QRRefunder refunds QR orders; *qr.Engine implements it, and the API's
// POST /v1/qr/orders/{id}/refunds uses the same: the refund is journaled
// (reserving its amount) before the channel is called, retried until the
// channel gives a final answer, and the merchant notified.
type QRRefunder interface {
	// Refund journals and sends a refund of o and waits a bounded time for
	// its final state; created is false for a repeat of the same refund
	// number with the same content. ECONFLICT when o is not succeeded, the
	// amount is above what is refundable ("amount: …") or the number was
	// used with other content.
	Refund(ctx context.Context, o *posguard.QROrder, in qr.RefundInput) (*posguard.QRRefund, bool, error)
}

// qrRefunders may refund a QR order from the console: the merchant's own
// users (their own orders only, as every page), and the acquirer's
// operators (customer service refunding on a merchant's behalf) and
// administrators. Risk and finance read orders but do not move a
// merchant's money back to its customers. (The API keeps the spec's rule:
// only merchant users' systems create refunds there.)
var qrRefunders = []posguard.Role{posguard.RoleMerchant, posguard.RoleOperator, posguard.RoleAdmin}

// qrRefundForm is the refund form's fields as typed.
type qrRefundForm struct {
	OutRefundNo, Amount, Reason string
}

// newRefundNo is a refund number for a new form: "C" (console), the UTC+8
// time to the second and 6 random hex digits, 22 characters. The form
// carries it, so a form sent twice (a double click, a reload) is one
// refund: the second is answered from the first.
func newRefundNo(now time.Time) string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return "C" + now.In(beijing).Format("20060102150405") + "-" + hex.EncodeToString(b[:])
}

// qrRefund serves POST /qr/{id}/refunds (fields out_refund_no, amount in
// 元, reason; CSRF): a refund of a paid order through the same engine as
// the API. A refused refund shows the order again with the form as typed
// and the reason (400 for bad input, 409 when not refundable); a refund
// made (or repeated) goes back to the order with its state.
func (s *Server) qrRefund(q *request) error {
	o, err := s.visibleQROrder(q)
	if err != nil {
		return err
	}
	q.object = "qr/" + qr.OrderID(o.ID)
	if s.QRRefunds == nil {
		return posguard.Errorf(posguard.ENOTFOUND, "QR refunds are not enabled")
	}
	f := qrRefundForm{OutRefundNo: strings.TrimSpace(q.r.PostFormValue("out_refund_no")),
		Amount: strings.TrimSpace(q.r.PostFormValue("amount")), Reason: strings.TrimSpace(q.r.PostFormValue("reason"))}
	refuse := func(status int, code, key string, args ...any) error {
		b, _ := json.Marshal(map[string]any{"refused": key, "out_refund_no": f.OutRefundNo, "amount": f.Amount})
		q.changes, q.refused = string(b), code
		return q.renderQROrder(status, o, &qrOrderData{Form: f, Error: key, ErrorArgs: args})
	}
	if !orderNumber(f.OutRefundNo, 32) {
		return refuse(http.StatusBadRequest, posguard.EINVALID, "qr.refund_bad_no")
	}
	amount, ok := parseYuan(f.Amount)
	if !ok || amount <= 0 {
		return refuse(http.StatusBadRequest, posguard.EINVALID, "qr.refund_bad_amount")
	}
	if utf8.RuneCountInString(f.Reason) > 80 {
		return refuse(http.StatusBadRequest, posguard.EINVALID, "qr.refund_bad_reason")
	}
	ctx := q.r.Context()
	refunds, err := s.QR.QRRefunds(ctx, o.ID)
	if err != nil {
		return err
	}
	repeat := false
	for _, r := range refunds {
		repeat = repeat || r.OutRefundNo == f.OutRefundNo
	}
	if !repeat {
		// Checked here to answer in the user's language; the store checks
		// again in the refund's transaction (two refunds at once).
		if o.State != posguard.QRSucceeded {
			return refuse(http.StatusConflict, posguard.ECONFLICT, "qr.refund_not_paid")
		}
		if left := refundable(o, refunds); amount > left {
			return refuse(http.StatusConflict, posguard.ECONFLICT, "qr.refund_over", q.Yuan(left))
		}
	}
	in := qr.RefundInput{OutRefundNo: f.OutRefundNo, Amount: int64(amount), Reason: f.Reason,
		Hash: qr.RefundDigest(f.OutRefundNo, int64(amount), f.Reason)}
	q.auditFill(func(v any) (string, string) { // the refund the request's transaction creates
		if r, ok := v.(*posguard.QRRefund); ok {
			b, _ := json.Marshal(map[string]any{"id": qr.RefundID(r.ID), "order_id": qr.OrderID(o.ID), "out_refund_no": r.OutRefundNo,
				"amount": int64(r.Amount), "reason": r.Reason, "state": string(r.State), "created": true})
			return "", string(b)
		}
		return "", ""
	})
	r, created, err := s.QRRefunds.Refund(ctx, o, in)
	switch posguard.ErrorCode(err) {
	case "":
	case posguard.ECONFLICT:
		return refuse(http.StatusConflict, posguard.ECONFLICT, "qr.refund_conflict", posguard.ErrorMessage(err))
	default:
		return err
	}
	b, _ := json.Marshal(map[string]any{"id": qr.RefundID(r.ID), "order_id": qr.OrderID(o.ID), "out_refund_no": r.OutRefundNo,
		"amount": int64(r.Amount), "reason": r.Reason, "state": string(r.State), "created": created})
	q.changes = string(b)
	return q.redirect("/qr/"+qr.OrderID(o.ID), "qr_refund_"+string(r.State))
}

// Tv returns the message key with a list of arguments (a refused form's
// reason) in the request's language.
func (q *request) Tv(key string, args []any) string { return q.T(key, args...) }
