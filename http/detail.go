package http

import (
	"context"
	nethttp "net/http"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/recon"
)

// txnDetail is the answer of GET /v1/transactions/{id}.
type txnDetail struct {
	txnView
	Detail      map[string]string `json:"detail,omitempty"`
	Response    *responseView     `json:"response,omitempty"`
	Explanation *Explanation      `json:"explanation,omitempty"`
	History     []eventView       `json:"history"`
	// ReceiptURL is where the electronic receipt is, for an approved card
	// transaction.
	ReceiptURL string `json:"receipt_url,omitempty"`
	// Disputes are the network's retrieval requests and chargebacks about
	// it (omitted when none).
	Disputes []disputeRef  `json:"disputes,omitempty"`
	Reversal *reversalView `json:"reversal,omitempty"`
	// Recon lists the reconciliation exceptions about the transaction
	// (omitted when there are none or reconciliation is not wired).
	Recon []recon.Exception `json:"recon_exceptions,omitempty"`
}

// responseView is a field 39 code and what it means.
type responseView struct {
	Code     string `json:"code"`
	Approved bool   `json:"approved"`
	Name     *Text  `json:"name,omitempty"`
	Meaning  *Text  `json:"meaning,omitempty"`
}

// eventView is one step of a transaction's history.
type eventView struct {
	At     string `json:"at"`
	State  string `json:"state"`
	Code   string `json:"code,omitempty"`
	Reason string `json:"reason,omitempty"`
	Note   string `json:"note,omitempty"`
}

// getTransaction serves GET /v1/transactions/{id}.
func (s *Server) getTransaction(w nethttp.ResponseWriter, r *nethttp.Request) {
	id, err := parseTxnID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ctx := r.Context()
	t, err := s.txnFor(r, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	events, err := s.Store.Events(ctx, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := txnDetail{
		txnView: newTxnView(t),
		Detail:  maskDetail(t.Detail),
		History: make([]eventView, 0, len(events)),
	}
	if posguard.HasReceipt(t) {
		out.ReceiptURL = receiptPath(t.ID)
	}
	if out.Disputes, err = s.disputesOf(r, t.ID); err != nil {
		s.writeError(w, r, err)
		return
	}
	for _, e := range events {
		out.History = append(out.History, eventView{
			At: formatTime(e.At), State: string(e.State), Code: e.Code, Reason: e.Reason,
			Note: maskDigitRuns(e.Note),
		})
	}
	kb := s.knowledge()
	if t.ResponseCode != "" {
		out.Response = &responseView{Code: t.ResponseCode, Approved: posguard.ApprovedCode(t.ResponseCode)}
		if kb != nil {
			if e, ok := kb.Lookup(t.ResponseCode); ok {
				out.Response.Name, out.Response.Meaning = &e.Name, &e.Meaning
			}
		}
	}
	if kb != nil && failed(t) {
		x := kb.Explain(t.ResponseCode, t.Reason, t.Detail)
		x.Evidence = maskDetail(x.Evidence)
		out.Explanation = &x
	}
	if out.Reversal, err = s.reversalOf(ctx, t); err != nil {
		s.writeError(w, r, err)
		return
	}
	if u := currentUser(r); u != nil && u.Staff() {
		out.Recon, err = s.reconOf(ctx, t.ID)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, nethttp.StatusOK, out)
}

// failed reports whether t has an outcome that is not an approval (and so
// deserves an explanation): a non-approved field 39 code, or no code but a
// reason other than approval.
func failed(t *posguard.Transaction) bool {
	if t.ResponseCode != "" {
		return !posguard.ApprovedCode(t.ResponseCode)
	}
	return t.Reason != "" && t.Reason != posguard.ReasonApproved
}

// reversalScanLimit bounds the search of finished reversals for a
// transaction's one (the queue interface has no lookup by transaction).
const reversalScanLimit = 1000

// reversalOf returns t's upstream reversal, nil when it has none: the
// pending one if any, else, for a transaction whose state shows it went
// through the queue, the done one among the most recent.
func (s *Server) reversalOf(ctx context.Context, t *posguard.Transaction) (*reversalView, error) {
	rev, err := s.Store.PendingReversalFor(ctx, t.ID)
	switch {
	case err == nil:
		v := s.newReversalView(rev)
		return &v, nil
	case posguard.ErrorCode(err) != posguard.ENOTFOUND:
		return nil, err
	}
	switch t.State {
	case posguard.StateReversed, posguard.StateReversalFailed, posguard.StateReversalPending, posguard.StateTimedOut:
	default:
		return nil, nil
	}
	done, err := s.Store.Reversals(ctx, posguard.ReversalDone, reversalScanLimit)
	if err != nil {
		return nil, err
	}
	for _, r := range done {
		if r.TxnID == t.ID {
			v := s.newReversalView(r)
			return &v, nil
		}
	}
	return nil, nil
}
