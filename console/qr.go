package console

import (
	"net/http"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/qr"
)

// QR order pages: the list with a search by the merchant's order number
// and state, and one order with its refunds, reversal, merchant
// notifications and, when it did not succeed, the explanation. Read only:
// orders and refunds are made through the API by the merchant's system.

var qrStates = []posguard.QRState{posguard.QRPaying, posguard.QRSucceeded, posguard.QRFailed, posguard.QRClosed, posguard.QRReversed}

// qrListData is the QR list's data.
type qrListData struct {
	Enabled    bool
	Rows       []*posguard.QROrder
	OutOrderNo string
	State      string
	States     []posguard.QRState
}

// qrOrders serves GET /qr: a merchant's own orders, every order for staff
// (newest first, at most 200), filtered by out_order_no and state.
func (s *Server) qrOrders(q *request) error {
	d := &qrListData{Enabled: s.QR != nil, OutOrderNo: q.Query("out_order_no"), State: q.Query("state"), States: qrStates}
	if s.QR != nil {
		f := posguard.QROrderFilter{OutOrderNo: d.OutOrderNo, State: posguard.QRState(d.State), Limit: 200}
		if d.State != "" && f.State != posguard.QRPaying && !f.State.Final() {
			return posguard.Errorf(posguard.EINVALID, "unknown state %q", d.State)
		}
		if !q.user.Staff() {
			f.MerchantID = q.user.MerchantID
		} else {
			f.MerchantID = q.Query("merchant")
		}
		rows, err := s.QR.QROrders(q.r.Context(), f)
		if err != nil {
			return err
		}
		d.Rows = rows
	}
	return q.render(http.StatusOK, "qr", "qr.list_title", d)
}

// qrOrderData is the QR order page's data.
type qrOrderData struct {
	View qr.OrderView
	O    *posguard.QROrder
	Why  *explained
}

// qrOrderPage serves GET /qr/{id}: another merchant's order is the 404
// page, as a missing one.
func (s *Server) qrOrderPage(q *request) error {
	if s.QR == nil {
		return posguard.Errorf(posguard.ENOTFOUND, "QR payments are not enabled")
	}
	id, ok := qr.ParseOrderID(q.r.PathValue("id"))
	if !ok {
		return posguard.Errorf(posguard.ENOTFOUND, "no QR order %q", q.r.PathValue("id"))
	}
	ctx := q.r.Context()
	o, err := s.QR.QROrder(ctx, id)
	if err != nil {
		return err
	}
	if !q.user.Sees(o.MerchantID) {
		return posguard.Errorf(posguard.ENOTFOUND, "no QR order %q", q.r.PathValue("id"))
	}
	q.object = "qr/" + qr.OrderID(o.ID)
	refunds, err := s.QR.QRRefunds(ctx, o.ID)
	if err != nil {
		return err
	}
	notices, err := s.QR.QRNotices(ctx, o.ID)
	if err != nil {
		return err
	}
	d := &qrOrderData{View: qr.ViewOrder(o, refunds, notices), O: o}
	if d.View.Reason != "" {
		d.Why = explainIn(q.lang, "", d.View.Reason, nil)
	}
	return q.render(http.StatusOK, "qr_order", "qr.title", d)
}
