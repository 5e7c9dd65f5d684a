package http

import (
	nethttp "net/http"
	"strconv"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/receipt"
)

// receiptView is the answer of GET /v1/transactions/{id}/receipt: the
// electronic sales slip (电子签购单), card masked 6 + 4, time in UTC+8.
type receiptView struct {
	TxnID             int64           `json:"txn_id"`
	MerchantID        string          `json:"merchant_id"`
	MerchantName      string          `json:"merchant_name,omitempty"`
	TerminalID        string          `json:"terminal_id"`
	Card              string          `json:"card"`
	CardOrg           string          `json:"card_org,omitempty"`
	IssuerBIN         string          `json:"issuer_bin,omitempty"`
	CardKind          string          `json:"card_kind,omitempty"`
	Type              string          `json:"type"`
	TypeName          Text            `json:"type_name"`
	Batch             string          `json:"batch"`
	STAN              string          `json:"stan"`
	RRN               string          `json:"rrn"`
	AuthCode          string          `json:"auth_code"`
	Time              string          `json:"time"` // RFC 3339 in UTC+8
	Amount            int64           `json:"amount"`
	AmountYuan        string          `json:"amount_yuan"`
	Currency          string          `json:"currency"`
	State             string          `json:"state"`
	Original          *receiptRefView `json:"original,omitempty"`
	SignatureRequired bool            `json:"signature_required"`
	Text              string          `json:"text"`
}

// receiptRefView names a void's or refund's original.
type receiptRefView struct {
	TxnID    int64  `json:"txn_id"`
	Batch    string `json:"batch"`
	STAN     string `json:"stan"`
	RRN      string `json:"rrn"`
	AuthCode string `json:"auth_code,omitempty"`
	Date     string `json:"date"`
}

// newReceiptView returns r as the API shows it.
func newReceiptView(r *posguard.Receipt) receiptView {
	v := receiptView{
		TxnID: r.TxnID, MerchantID: r.MerchantID, MerchantName: r.MerchantName, TerminalID: r.TerminalID,
		Card: posguard.MaskPAN(r.CardMasked), CardOrg: r.CardOrg, IssuerBIN: r.IssuerBIN, CardKind: string(r.CardKind),
		Type: string(r.Type), TypeName: Text{ZH: receipt.TypeName(r.Type, "zh"), EN: receipt.TypeName(r.Type, "en")},
		Batch: r.Batch, STAN: r.STAN, RRN: r.RRN, AuthCode: r.AuthCode,
		Time:   r.At.In(posguard.ChinaStandardTime).Format("2006-01-02T15:04:05-07:00"),
		Amount: int64(r.Amount), AmountYuan: r.Amount.String(), Currency: r.Currency, State: string(r.State),
		SignatureRequired: r.SignatureRequired, Text: receipt.Text(r),
	}
	if o := r.Orig; o != nil {
		v.Original = &receiptRefView{TxnID: o.TxnID, Batch: o.Batch, STAN: o.STAN, RRN: o.RRN, AuthCode: o.AuthCode, Date: o.Date}
	}
	return v
}

// receipts returns the receipt builder over the server's store.
func (s *Server) receipts() *receipt.Builder {
	b := &receipt.Builder{Store: s.Store}
	if m, err := s.money(); err == nil {
		b.Ledger = m
	}
	return b
}

// receiptPath is where a transaction's receipt is served.
func receiptPath(id int64) string {
	return "/v1/transactions/" + strconv.FormatInt(id, 10) + "/receipt"
}

// getReceipt serves GET /v1/transactions/{id}/receipt: JSON, or the
// bilingual slip as plain text with format=text. A transaction that was not
// approved has none (404), as has another merchant's.
func (s *Server) getReceipt(w nethttp.ResponseWriter, r *nethttp.Request) {
	id, err := parseTxnID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	format := r.URL.Query().Get("format")
	if format != "" && format != "json" && format != "text" {
		s.writeError(w, r, posguard.Errorf(posguard.EINVALID, "format: want json or text, not %q", format))
		return
	}
	t, err := s.txnFor(r, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rc, err := s.receipts().For(r.Context(), t)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if format == "text" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(nethttp.StatusOK)
		w.Write([]byte(receipt.Text(rc)))
		return
	}
	writeJSON(w, nethttp.StatusOK, newReceiptView(rc))
}
