package http

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	nethttp "net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/qr"
	"github.com/posguard/posguard/wallet"
)

// QR payments: the merchant QR API of spec/wallet-channel.md §4 and the
// channels' notification endpoint (§2.6). Set Server.QR; without it these
// routes answer 404.

var (
	merchantOnly = []posguard.Role{posguard.RoleMerchant}
	qrRecon      = []posguard.Role{posguard.RoleAdmin, posguard.RoleOperator, posguard.RoleFinance}
)

// qrRoutes are the QR routes of the route table.
func (s *Server) qrRoutes() []route {
	return []route{
		{"POST /v1/qr/orders", s.needQR(s.postQROrder), merchantOnly, op{summary: "Create a QR order (被扫 micropay with auth_code, or 主扫 native): 201 new, 200 the same out_order_no and content again, 409 other content; waits up to --qr-wait for a final state (native: for the code_url)", body: qrOrderInput{}, resp: qr.OrderView{}, status: 201}},
		{"GET /v1/qr/orders", s.needQR(s.listQROrders), everyone, op{summary: "QR orders, newest first (a merchant user sees its own)", query: []string{"out_order_no: the merchant's number", "state: paying, succeeded, failed, closed or reversed", "from, to: RFC 3339 creation times", "merchant: staff only", "limit: 1 to 1000 (50)", "cursor: next_cursor of the previous page"}, resp: qrOrderList{}}},
		{"GET /v1/qr/orders/{id}", s.needQR(s.getQROrder), everyone, op{summary: "One QR order with its refunds, reversal and merchant notifications", resp: qr.OrderView{}}},
		{"POST /v1/qr/orders/{id}/refunds", s.needQR(s.postQRRefund), merchantOnly, op{summary: "Refund part or all of a succeeded QR order: 201 new, 200 repeat, 409 not succeeded or above the refundable amount; waits up to --qr-wait", body: qrRefundInput{}, resp: qr.RefundView{}, status: 201}},
		{"GET /v1/qr/recon", s.needQR(s.getQRRecon), qrRecon, op{summary: "Reconcile one day (UTC+08:00) of every wallet channel's bill with the QR journal: the differences found (nothing is changed)", query: []string{"date: YYYY-MM-DD (required)"}, resp: qr.ReconReport{}}},
		{"POST /v1/qr/notify/{channel}", s.needQR(s.postQRNotify), public, op{summary: "A wallet channel's payment notification (signed with the channel key in X-Signature); {\"return_code\": \"SUCCESS\"} once recorded"}},
	}
}

// atKnownVersion are the routes authenticated at the instance's last known
// cache version, without reading it (access.Router.HandleAtKnownVersion):
// a new order's or refund's first durable or outward act is its insert,
// which the store makes conditional on that version (the channel is called
// after it), and every other answer reads the version first.
var atKnownVersion = map[string]bool{"POST /v1/qr/orders": true, "POST /v1/qr/orders/{id}/refunds": true}

// needQR answers 404 when QR payments are not enabled.
func (s *Server) needQR(h nethttp.HandlerFunc) nethttp.HandlerFunc {
	return func(w nethttp.ResponseWriter, r *nethttp.Request) {
		if s.QR == nil {
			s.writeError(w, r, posguard.Errorf(posguard.ENOTFOUND, "QR payments are not enabled"))
			return
		}
		h(w, r)
	}
}

// qrOrderInput documents POST /v1/qr/orders (the body is read field by
// field, so that an absent field differs from a present one).
type qrOrderInput struct {
	OutOrderNo    string `json:"out_order_no"`
	Amount        int64  `json:"amount"`
	AuthCode      string `json:"auth_code,omitempty"`
	Mode          string `json:"mode,omitempty"`
	ExpireSeconds int    `json:"expire_seconds,omitempty"`
	Channel       string `json:"channel,omitempty"`
	TerminalID    string `json:"terminal_id,omitempty"`
	NotifyURL     string `json:"notify_url,omitempty"`
	Subject       string `json:"subject,omitempty"`
}

// qrRefundInput is the body of POST /v1/qr/orders/{id}/refunds.
type qrRefundInput struct {
	OutRefundNo string `json:"out_refund_no"`
	Amount      int64  `json:"amount"`
	Reason      string `json:"reason,omitempty"`
}

// qrOrderList is the answer of GET /v1/qr/orders.
type qrOrderList struct {
	Orders     []qr.OrderView `json:"orders"`
	NextCursor *string        `json:"next_cursor"`
}

// readFields reads a JSON object of at most 64 KiB into its raw fields.
func readFields(r *nethttp.Request) (map[string]json.RawMessage, error) {
	b, err := wallet.ReadBody(r.Body, r.ContentLength, 64<<10)
	if err != nil || len(b) > 64<<10 {
		return nil, posguard.Errorf(posguard.EINVALID, "body: too large or unreadable")
	}
	// One flat JSON object (an order with plain values) is read without
	// reflection; one JSON object and nothing else is decoded in place;
	// anything else goes through the decoder, whose answer is the rule (a
	// body of null, an error, or data after the object).
	if m, ok := readFlatFields(b); ok {
		return m, nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(b, &m) == nil && m != nil {
		return m, nil
	}
	m = nil
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil || m == nil {
		if err == nil {
			return nil, posguard.Errorf(posguard.EINVALID, "body: want a JSON object")
		}
		return nil, posguard.Errorf(posguard.EINVALID, "body: %s", bodyError(err))
	}
	if dec.More() {
		return nil, posguard.Errorf(posguard.EINVALID, "body: data after the JSON object")
	}
	return m, nil
}

// fieldReader takes typed fields out of a raw object, remembering what was
// present for the content digest.
type fieldReader struct {
	raw  map[string]json.RawMessage
	seen []seenField
}

// seenField is a field present in the body: its name, its kind ('s' text,
// 'i' integer) and its value as the digest writes it.
type seenField struct {
	name  string
	kind  byte
	value string
}

// see remembers a present field (a name read again replaces its value).
func (f *fieldReader) see(name string, kind byte, value string) {
	for i := range f.seen {
		if f.seen[i].name == name {
			f.seen[i].kind, f.seen[i].value = kind, value
			return
		}
	}
	if f.seen == nil {
		f.seen = make([]seenField, 0, 10)
	}
	f.seen = append(f.seen, seenField{name, kind, value})
}

func (f *fieldReader) str(name string, max int) (string, bool, error) {
	v, ok := f.raw[name]
	if !ok || string(v) == "null" {
		return "", false, nil
	}
	s, ok := plainString(v)
	if !ok {
		if err := json.Unmarshal(v, &s); err != nil {
			return "", true, invalidField(name, "want a string")
		}
	}
	if max > 0 && utf8.RuneCountInString(s) > max {
		return "", true, invalidField(name, "at most %d characters", max)
	}
	f.see(name, 's', s)
	return s, true, nil
}

// plainString returns the text of v, a JSON value, when it is a string of
// ASCII without escapes: what json.Unmarshal would make of it, without
// its machinery. Other values are left to json.Unmarshal.
func plainString(v json.RawMessage) (string, bool) {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return "", false
	}
	in := v[1 : len(v)-1]
	for _, c := range in {
		if c < 0x20 || c >= 0x80 || c == '\\' || c == '"' {
			return "", false
		}
	}
	return string(in), true
}

func (f *fieldReader) integer(name string) (int64, bool, error) {
	v, ok := f.raw[name]
	if !ok || string(v) == "null" {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil {
		return 0, true, invalidField(name, "want an integer")
	}
	f.see(name, 'i', strconv.FormatInt(n, 10))
	return n, true, nil
}

// digest is the SHA-256 of the fields present, as given: the bytes of
// qr.Digest of the same fields ("name=" + "s:" text or "i:" integer + NUL,
// in name order), written into one buffer.
func (f *fieldReader) digest() string {
	slices.SortFunc(f.seen, func(a, b seenField) int { return strings.Compare(a.name, b.name) })
	var buf [512]byte
	b := buf[:0]
	for _, s := range f.seen {
		b = append(b, s.name...)
		b = append(b, '=', s.kind, ':')
		b = append(b, s.value...)
		b = append(b, 0)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func invalidField(name, format string, args ...any) error {
	e := posguard.Errorf(posguard.EINVALID, format, args...)
	e.Message = name + ": " + e.Message
	return e
}

// validURL reports whether s is an absolute http(s) URL of at most 256 characters.
func validURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && len(s) <= 256 && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// parseQROrder checks the body of POST /v1/qr/orders (spec §4.1).
func parseQROrder(raw map[string]json.RawMessage, merchantID string) (qr.OrderInput, error) {
	f := &fieldReader{raw: raw}
	in := qr.OrderInput{MerchantID: merchantID}
	var ok bool
	var err error
	if in.OutOrderNo, ok, err = f.str("out_order_no", 0); err != nil {
		return in, err
	} else if !ok || !wallet.ValidNumber(in.OutOrderNo) {
		return in, invalidField("out_order_no", "required: 1 to 32 characters [0-9A-Za-z_-]")
	}
	if in.Amount, ok, err = f.integer("amount"); err != nil {
		return in, err
	} else if !ok || !wallet.ValidAmount(in.Amount) {
		return in, invalidField("amount", "required: an integer number of fen from 1 to 10000000000")
	}
	code, hasCode, err := f.str("auth_code", 0)
	if err != nil {
		return in, err
	}
	mode, hasMode, err := f.str("mode", 0)
	if err != nil {
		return in, err
	}
	switch {
	case !hasMode && hasCode, mode == "micropay":
		in.Mode = posguard.QRMicropay
	case mode == "native":
		in.Mode = posguard.QRNative
	case !hasMode:
		return in, invalidField("auth_code", "required for a micropay order (or give mode native)")
	default:
		return in, invalidField("mode", "want micropay or native")
	}
	if in.Mode == posguard.QRMicropay && (!hasCode || code == "") {
		return in, invalidField("auth_code", "required for a micropay order")
	}
	if in.Mode == posguard.QRNative && hasCode {
		return in, invalidField("auth_code", "not allowed on a native order")
	}
	if len(code) > 64 {
		return in, invalidField("auth_code", "too long")
	}
	in.AuthCode = code
	exp, hasExp, err := f.integer("expire_seconds")
	if err != nil {
		return in, err
	}
	if hasExp && in.Mode == posguard.QRMicropay {
		return in, invalidField("expire_seconds", "only for a native order")
	}
	in.ExpireSeconds = 300
	if hasExp {
		if exp < 10 || exp > 7200 {
			return in, invalidField("expire_seconds", "want 10 to 7200")
		}
		in.ExpireSeconds = int(exp)
	}
	ch, hasCh, err := f.str("channel", 0)
	if err != nil {
		return in, err
	}
	if hasCh {
		if !wallet.Kind(ch).Valid() {
			return in, invalidField("channel", "want wechat, alipay or unionpay")
		}
		if in.Mode == posguard.QRMicropay {
			if k, err := wallet.KindOf(code); err == nil && string(k) != ch {
				return in, invalidField("channel", "the payment code is a %s code", k)
			}
		}
		in.Channel = ch
	}
	if in.TerminalID, _, err = f.str("terminal_id", 0); err != nil {
		return in, err
	} else if len(in.TerminalID) > 16 {
		return in, invalidField("terminal_id", "too long")
	}
	url, hasURL, err := f.str("notify_url", 0)
	if err != nil {
		return in, err
	}
	if hasURL && !validURL(url) {
		return in, invalidField("notify_url", "want an absolute http or https URL of at most 256 characters")
	}
	in.NotifyURL = url
	if in.Subject, _, err = f.str("subject", 128); err != nil {
		return in, err
	}
	in.Hash = f.digest()
	return in, nil
}

// postQROrder serves POST /v1/qr/orders.
func (s *Server) postQROrder(w nethttp.ResponseWriter, r *nethttp.Request) {
	u := currentUser(r)
	raw, err := readFields(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	in, err := parseQROrder(raw, u.MerchantID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// The store names the new order inside its transaction.
	onAuditNote(r, func(v any) (string, any) {
		if o, ok := v.(*posguard.QROrder); ok {
			id := qr.OrderID(o.ID)
			return id, qrOrderNote{Amount: o.Amount, ID: id, OutOrderNo: o.OutOrderNo, State: o.State}
		}
		return "", nil
	})
	o, created, err := s.QR.Create(r.Context(), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	noteObject(r, qr.OrderID(o.ID))
	v, err := s.qrView(r, o, created)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	status := nethttp.StatusOK
	if created {
		status = nethttp.StatusCreated
	}
	writeJSON(w, status, v)
}

// qrOrderNote is a new QR order as its audit record shows it: the object
// {"amount", "id", "out_order_no", "state"}, its keys in the order
// json.Marshal writes a map's.
type qrOrderNote struct {
	Amount     posguard.Amount  `json:"amount"`
	ID         string           `json:"id"`
	OutOrderNo string           `json:"out_order_no"`
	State      posguard.QRState `json:"state"`
}

// qrView is o as the API shows it, with its refunds (each with its
// exchanges with the channel), notifications and, when it did not succeed,
// the explanation of its reason. An order this request created (created)
// has no refunds yet, so no refund exchanges either, and an order without
// a notify_url never has notifications: none of them is read then.
func (s *Server) qrView(r *nethttp.Request, o *posguard.QROrder, created bool) (qr.OrderView, error) {
	ctx := r.Context()
	var refunds []*posguard.QRRefund
	var notices []*posguard.QRNotice
	var err error
	var exchanges []*posguard.QRRefundExchange
	if !created {
		if refunds, err = s.QR.Store.QRRefunds(ctx, o.ID); err != nil {
			return qr.OrderView{}, err
		}
		if exchanges, err = s.QR.Store.QRRefundExchanges(ctx, o.ID); err != nil {
			return qr.OrderView{}, err
		}
	}
	if o.NotifyURL != "" {
		if notices, err = s.QR.Store.QRNotices(ctx, o.ID); err != nil {
			return qr.OrderView{}, err
		}
	}
	v := qr.ViewOrder(o, refunds, notices)
	v.AddExchanges(exchanges)
	if v.Reason != "" {
		if kb := s.knowledge(); kb != nil {
			x := kb.Explain("", v.Reason, nil)
			v.Explanation = &x
		}
	}
	return v, nil
}

// qrOrderFor returns order {id} if the user may see it; ENOTFOUND (as for a
// missing order) otherwise.
func (s *Server) qrOrderFor(r *nethttp.Request) (*posguard.QROrder, error) {
	raw := r.PathValue("id")
	id, ok := qr.ParseOrderID(raw)
	if !ok {
		return nil, posguard.Errorf(posguard.ENOTFOUND, "qr order %s not found", maskDigitRuns(raw))
	}
	o, err := s.QR.Store.QROrder(r.Context(), id)
	if err != nil {
		if posguard.ErrorCode(err) == posguard.ENOTFOUND {
			return nil, posguard.Errorf(posguard.ENOTFOUND, "qr order %s not found", raw)
		}
		return nil, err
	}
	if !sees(r, o.MerchantID) {
		return nil, posguard.Errorf(posguard.ENOTFOUND, "qr order %s not found", raw)
	}
	return o, nil
}

// getQROrder serves GET /v1/qr/orders/{id}.
func (s *Server) getQROrder(w nethttp.ResponseWriter, r *nethttp.Request) {
	o, err := s.qrOrderFor(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	v, err := s.qrView(r, o, false)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, nethttp.StatusOK, v)
}

// listQROrders serves GET /v1/qr/orders.
func (s *Server) listQROrders(w nethttp.ResponseWriter, r *nethttp.Request) {
	q := r.URL.Query()
	f := posguard.QROrderFilter{OutOrderNo: q.Get("out_order_no"), State: posguard.QRState(q.Get("state"))}
	var err error
	if f.State != "" && !validQRState(f.State) {
		s.writeError(w, r, invalidParam("state", "want paying, succeeded, failed, closed or reversed"))
		return
	}
	if u := currentUser(r); u != nil && !u.Staff() && q.Get("merchant") != "" && q.Get("merchant") != u.MerchantID {
		writeJSON(w, nethttp.StatusOK, qrOrderList{Orders: []qr.OrderView{}})
		return
	}
	f.MerchantID = scopedMerchant(r, q.Get("merchant"))
	if f.From, err = timeParam(q, "from"); err == nil {
		f.To, err = timeParam(q, "to")
	}
	if err == nil {
		f.Limit, err = limitParam(q, 50, 1000)
	}
	if err == nil && q.Get("cursor") != "" {
		f.Before, err = decodeCursor(q.Get("cursor"))
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	list, err := s.QR.Store.QROrders(r.Context(), f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := qrOrderList{Orders: []qr.OrderView{}}
	for _, o := range list {
		v, err := s.qrView(r, o, false)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		out.Orders = append(out.Orders, v)
	}
	if len(list) == f.Limit && len(list) > 0 {
		c := encodeCursor(list[len(list)-1].ID)
		out.NextCursor = &c
	}
	writeJSON(w, nethttp.StatusOK, out)
}

func validQRState(s posguard.QRState) bool {
	switch s {
	case posguard.QRPaying, posguard.QRSucceeded, posguard.QRFailed, posguard.QRClosed, posguard.QRReversed:
		return true
	}
	return false
}

// postQRRefund serves POST /v1/qr/orders/{id}/refunds.
func (s *Server) postQRRefund(w nethttp.ResponseWriter, r *nethttp.Request) {
	o, err := s.qrOrderFor(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	raw, err := readFields(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	f := &fieldReader{raw: raw}
	var in qr.RefundInput
	var ok bool
	if in.OutRefundNo, ok, err = f.str("out_refund_no", 0); err == nil && (!ok || !wallet.ValidNumber(in.OutRefundNo)) {
		err = invalidField("out_refund_no", "required: 1 to 32 characters [0-9A-Za-z_-]")
	}
	if err == nil {
		if in.Amount, ok, err = f.integer("amount"); err == nil && (!ok || !wallet.ValidAmount(in.Amount)) {
			err = invalidField("amount", "required: an integer number of fen from 1 to 10000000000")
		}
	}
	if err == nil {
		in.Reason, _, err = f.str("reason", 80)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	in.Hash = f.digest()
	onAuditNote(r, func(v any) (string, any) {
		if rf, ok := v.(*posguard.QRRefund); ok {
			return qr.RefundID(rf.ID), map[string]any{"id": qr.RefundID(rf.ID), "order_id": qr.OrderID(o.ID), "amount": rf.Amount}
		}
		return "", nil
	})
	rf, created, err := s.QR.Refund(r.Context(), o, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	noteObject(r, qr.RefundID(rf.ID))
	status := nethttp.StatusOK
	if created {
		status = nethttp.StatusCreated
	}
	writeJSON(w, status, qr.ViewRefund(rf))
}

// postQRNotify serves POST /v1/qr/notify/{channel}: a channel's payment
// notification, answered {"return_code": "SUCCESS"} once durably recorded.
func (s *Server) postQRNotify(w nethttp.ResponseWriter, r *nethttp.Request) {
	body, err := wallet.ReadBody(r.Body, r.ContentLength, wallet.MaxBody)
	if err != nil || len(body) > wallet.MaxBody {
		writeJSON(w, nethttp.StatusBadRequest, map[string]string{"return_code": "FAIL", "return_msg": "body too large or unreadable"})
		return
	}
	status, msg := s.QR.ChannelNotification(r.Context(), r.PathValue("channel"), body, r.Header.Get(wallet.SignatureHeader))
	if status == nethttp.StatusOK {
		writeJSON(w, status, map[string]string{"return_code": "SUCCESS"})
		return
	}
	if status == nethttp.StatusServiceUnavailable {
		// The channel reads return_code; the API's error shape rides along.
		writeJSON(w, status, map[string]any{"return_code": "FAIL", "return_msg": msg,
			"error": errorDetail{Code: posguard.EUNAVAILABLE, Message: msg}})
		return
	}
	writeJSON(w, status, map[string]string{"return_code": "FAIL", "return_msg": msg})
}

// getQRRecon serves GET /v1/qr/recon?date=YYYY-MM-DD.
func (s *Server) getQRRecon(w nethttp.ResponseWriter, r *nethttp.Request) {
	date := r.URL.Query().Get("date")
	if date == "" {
		s.writeError(w, r, invalidParam("date", "required: YYYY-MM-DD"))
		return
	}
	rep, err := s.QR.Reconcile(r.Context(), date)
	if err != nil {
		if posguard.ErrorCode(err) == posguard.EINVALID {
			err = invalidParam("date", "want YYYY-MM-DD")
		}
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, nethttp.StatusOK, rep)
}
