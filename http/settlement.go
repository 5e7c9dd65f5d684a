package http

import (
	"context"
	nethttp "net/http"
	"net/url"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/settlement"
)

// PayoutDesk is the operator side of payouts: correcting a settlement
// account (re-verified with the bank) and re-settling held payouts.
// *payout.Runner implements it.
type PayoutDesk interface {
	UpdateAccount(ctx context.Context, mid string, a posguard.SettlementAccount) (posguard.SettlementAccount, error)
	VerifyAccount(ctx context.Context, a posguard.SettlementAccount) (string, error)
	Resettle(ctx context.Context, payoutID string) (*posguard.Payout, error)
	ResettleBatch(ctx context.Context, batchID string) ([]*posguard.Payout, error)
}

// money returns the store's money side; ENOTFOUND when it has none.
func (s *Server) money() (posguard.MoneyStore, error) {
	if m, ok := s.Store.(interface{ Money() posguard.MoneyStore }); ok {
		return m.Money(), nil
	}
	return nil, posguard.Errorf(posguard.ENOTFOUND, "this store keeps no ledger")
}

// txnSettlementView is where a transaction's money is.
type txnSettlementView struct {
	TxnID    int64  `json:"txn_id"`
	Where    string `json:"where"`
	BatchID  string `json:"batch_id,omitempty"`
	PayoutID string `json:"payout_id,omitempty"`
	PaidOn   string `json:"paid_on,omitempty"`
	Reason   string `json:"reason,omitempty"`
	CaseID   string `json:"case_id,omitempty"`
}

// getTxnSettlement serves GET /v1/transactions/{id}/settlement.
func (s *Server) getTxnSettlement(w nethttp.ResponseWriter, r *nethttp.Request) {
	id, err := parseTxnID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if _, err := s.txnFor(r, id); err != nil {
		s.writeError(w, r, err)
		return
	}
	m, err := s.money()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	st, err := settlement.StatusOf(r.Context(), m, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, nethttp.StatusOK, txnSettlementView(st))
}

// payoutView is a payout as the merchant sees it (account number masked).
type payoutView struct {
	ID          string      `json:"id"`
	State       string      `json:"state"`
	Amount      int64       `json:"amount"`
	AmountYuan  string      `json:"amount_yuan"`
	Account     accountView `json:"account"`
	Reason      string      `json:"reason,omitempty"`
	Fix         string      `json:"fix,omitempty"`
	CaseID      string      `json:"case_id,omitempty"`
	ResettledBy string      `json:"resettled_by,omitempty"`
	Resettles   string      `json:"resettles,omitempty"`
	PaidAt      string      `json:"paid_at,omitempty"`
}

// batchView is a settlement batch with its payouts.
type batchView struct {
	ID         string       `json:"id"`
	Kind       string       `json:"kind"`
	Date       string       `json:"date"`
	Items      int          `json:"items"`
	Net        int64        `json:"net"`
	NetYuan    string       `json:"net_yuan"`
	Fee        int64        `json:"fee"`
	FeeYuan    string       `json:"fee_yuan"`
	Payout     int64        `json:"payout"`
	PayoutYuan string       `json:"payout_yuan"`
	Payouts    []payoutView `json:"payouts"`
}

func newPayoutView(p *posguard.Payout) payoutView {
	return payoutView{ID: p.ID, State: string(p.State), Amount: int64(p.Amount), AmountYuan: yuan(p.Amount),
		Account: accountView{Bank: p.Account.Bank, Number: maskAccount(p.Account.Number), Name: p.Account.Name, Status: p.Account.Status},
		Reason:  p.Reason, Fix: payoutFix(p), CaseID: p.CaseID, ResettledBy: p.ResettledBy, Resettles: p.Resettles,
		PaidAt: formatTime(p.PaidAt)}
}

// payoutFix is what the merchant must do about a held payout.
func payoutFix(p *posguard.Payout) string {
	if (p.State != posguard.PayoutFailed && p.State != posguard.PayoutReturned) || p.ResettledBy != "" {
		return ""
	}
	return "correct the settlement account, then ask for re-settlement / 更正结算账户后申请重新结算"
}

// listMerchantSettlements serves GET /v1/merchants/{id}/settlements?from=&to=.
func (s *Server) listMerchantSettlements(w nethttp.ResponseWriter, r *nethttp.Request) {
	mid := r.PathValue("id")
	if _, _, err := dateRange(r.URL.Query()); err != nil {
		s.writeError(w, r, err)
		return
	}
	if _, err := s.merchantFor(r, mid); err != nil {
		s.writeError(w, r, err)
		return
	}
	m, err := s.money()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	from, to, err := dateRange(r.URL.Query())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	bs, err := m.Batches(r.Context(), mid, from, to)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := settlementList{MerchantID: mid, Batches: []batchView{}}
	for _, b := range bs {
		ps, err := m.Payouts(r.Context(), posguard.PayoutFilter{BatchID: b.ID})
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		v := batchView{ID: b.ID, Kind: string(b.Kind), Date: b.Date, Items: b.Count, Net: int64(b.Net), NetYuan: yuan(b.Net),
			Fee: int64(b.Fee), FeeYuan: yuan(b.Fee), Payout: int64(b.Payout), PayoutYuan: yuan(b.Payout), Payouts: []payoutView{}}
		for _, p := range ps {
			v.Payouts = append(v.Payouts, newPayoutView(p))
		}
		out.Batches = append(out.Batches, v)
	}
	writeJSON(w, nethttp.StatusOK, out)
}

// settlementList is the answer of GET /v1/merchants/{id}/settlements.
type settlementList struct {
	MerchantID string      `json:"merchant_id"`
	Batches    []batchView `json:"batches"`
}

// resettleAnswer is the answer of the resettle routes: the new payouts.
type resettleAnswer struct {
	Payouts []payoutView `json:"payouts"`
}

// postResettle serves POST /v1/payouts/{id}/resettle and
// POST /v1/settlements/{id}/resettle (a batch).
func (s *Server) postResettle(w nethttp.ResponseWriter, r *nethttp.Request) {
	if s.Payouts == nil {
		s.writeError(w, r, posguard.Errorf(posguard.ENOTFOUND, "payouts are not enabled"))
		return
	}
	// Each new payout's record commits with it (payout.Runner notes it
	// inside the change): one record per payout of a batch.
	onAuditNote(r, func(v any) (string, any) {
		if p, ok := v.(*posguard.Payout); ok {
			return "", resettleAnswer{Payouts: []payoutView{newPayoutView(p)}}
		}
		return "", nil
	})
	var ps []*posguard.Payout
	var err error
	if r.Pattern == "POST /v1/payouts/{id}/resettle" {
		var p *posguard.Payout
		if p, err = s.Payouts.Resettle(r.Context(), r.PathValue("id")); err == nil {
			ps = append(ps, p)
		}
	} else {
		ps, err = s.Payouts.ResettleBatch(r.Context(), r.PathValue("id"))
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := resettleAnswer{Payouts: []payoutView{}}
	for _, p := range ps {
		out.Payouts = append(out.Payouts, newPayoutView(p))
	}
	noteChanges(r, nil, out)
	writeJSON(w, nethttp.StatusOK, out)
}

// dateRange reads the optional ?from=&to= business dates (YYYY-MM-DD, both
// included) of a settlement list; EINVALID naming the parameter for a bad
// date or a to before from.
func dateRange(q url.Values) (from, to string, err error) {
	from, to = q.Get("from"), q.Get("to")
	for _, p := range []struct{ name, v string }{{"from", from}, {"to", to}} {
		if p.v == "" {
			continue
		}
		if _, err := time.Parse(time.DateOnly, p.v); err != nil {
			return "", "", invalidParam(p.name, "want YYYY-MM-DD, got %q", p.v)
		}
	}
	if from != "" && to != "" && to < from {
		return "", "", invalidParam("to", "%s is before from %s", to, from)
	}
	return from, to, nil
}
