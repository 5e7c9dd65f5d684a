package http

import (
	nethttp "net/http"
	"strconv"

	"github.com/posguard/posguard"
)

// txnView is a transaction as the API shows it. It carries the journal's
// masked PAN and never the PAN hash or the stored answer.
type txnView struct {
	ID             int64  `json:"id"`
	Type           string `json:"type"`
	State          string `json:"state"`
	TerminalID     string `json:"terminal_id"`
	MerchantID     string `json:"merchant_id"`
	Batch          string `json:"batch"`
	STAN           string `json:"stan"`
	MTI            string `json:"mti"`
	PAN            string `json:"pan,omitempty"` // masked 6+4
	IssuerBIN      string `json:"issuer_bin,omitempty"`
	CardOrg        string `json:"card_org,omitempty"`
	Amount         int64  `json:"amount"`
	AmountYuan     string `json:"amount_yuan"`
	Currency       string `json:"currency,omitempty"`
	ProcCode       string `json:"proc_code,omitempty"`
	EntryMode      string `json:"entry_mode,omitempty"`
	SettlementDate string `json:"settlement_date,omitempty"`
	RRN            string `json:"rrn,omitempty"`
	AuthCode       string `json:"auth_code,omitempty"`
	ResponseCode   string `json:"response_code,omitempty"`
	Reason         string `json:"reason,omitempty"`
	OrigID         int64  `json:"orig_id,omitempty"`
	Refunded       int64  `json:"refunded_amount,omitempty"`
	RefundedYuan   string `json:"refunded_amount_yuan,omitempty"`
	UpstreamSTAN   string `json:"upstream_stan,omitempty"`
	UpstreamTime   string `json:"upstream_time,omitempty"`
	CreatedAt      string `json:"created_at"`
	UpdatedAt      string `json:"updated_at"`
}

// newTxnView renders t.
func newTxnView(t *posguard.Transaction) txnView {
	v := txnView{
		ID:             t.ID,
		Type:           string(t.Type),
		State:          string(t.State),
		TerminalID:     t.TerminalID,
		MerchantID:     t.MerchantID,
		Batch:          t.Batch,
		STAN:           t.STAN,
		MTI:            t.MTI,
		PAN:            posguard.MaskPAN(t.PANMasked), // already masked; masking again costs nothing
		IssuerBIN:      t.IssuerBIN,
		CardOrg:        t.CardOrg,
		Amount:         int64(t.Amount),
		AmountYuan:     t.Amount.String(),
		Currency:       t.Currency,
		ProcCode:       t.ProcCode,
		EntryMode:      t.EntryMode,
		SettlementDate: t.SettlementDate,
		RRN:            t.RRN,
		AuthCode:       t.AuthCode,
		ResponseCode:   t.ResponseCode,
		Reason:         t.Reason,
		OrigID:         t.OrigID,
		UpstreamSTAN:   t.UpstreamSTAN,
		UpstreamTime:   t.UpstreamTime,
		CreatedAt:      formatTime(t.CreatedAt),
		UpdatedAt:      formatTime(t.UpdatedAt),
	}
	if t.RefundedAmount != 0 {
		v.Refunded, v.RefundedYuan = int64(t.RefundedAmount), t.RefundedAmount.String()
	}
	return v
}

// txnList is the answer of GET /v1/transactions.
type txnList struct {
	Transactions []txnView `json:"transactions"`
	NextCursor   string    `json:"next_cursor,omitempty"`
}

// maxListLimit is the largest page the store returns.
const maxListLimit = 1000

// listTransactions serves GET /v1/transactions.
func (s *Server) listTransactions(w nethttp.ResponseWriter, r *nethttp.Request) {
	f, err := parseTxnFilter(r.URL.Query())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	f.MerchantID = scopedMerchant(r, f.MerchantID)
	limit := f.Limit
	// Ask for one row more than the page to know whether another page
	// follows; at the store's maximum a full page is taken to mean "maybe".
	if f.Limit < maxListLimit {
		f.Limit++
	}
	txns, err := s.Store.List(r.Context(), f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := txnList{Transactions: make([]txnView, 0, min(len(txns), limit))}
	for i, t := range txns {
		if i == limit {
			break
		}
		out.Transactions = append(out.Transactions, newTxnView(t))
	}
	if len(txns) > limit || (limit == maxListLimit && len(txns) == limit) {
		out.NextCursor = encodeCursor(txns[limit-1].ID)
	}
	writeJSON(w, nethttp.StatusOK, out)
}

// parseTxnID reads the {id} path value of a transaction.
func parseTxnID(r *nethttp.Request) (int64, error) {
	raw := r.PathValue("id")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return 0, invalidParam("id", "%q is not a transaction ID (a positive integer)", raw)
	}
	return id, nil
}
