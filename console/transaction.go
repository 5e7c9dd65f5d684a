package console

import (
	"net/http"
	"sort"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/diagnosis"
	"github.com/posguard/posguard/settlement"
)

// explained is a cause and what to do, in the page's language.
type explained struct {
	Name, Meaning, Summary string
	Actor, Category        string
	Todo                   []string
}

// explainIn explains a code and reason (and evidence) in lang.
func explainIn(lang, code, reason string, detail map[string]string) *explained {
	x := diagnosis.Explain(code, reason, detail)
	out := &explained{Summary: maskDigitRuns(x.Summary.In(lang))}
	if x.Known {
		out.Name, out.Meaning = x.Entry.Name.In(lang), x.Entry.Meaning.In(lang)
		out.Actor, out.Category = x.Entry.Actor, x.Entry.Category
		for _, r := range x.Entry.Remedy {
			out.Todo = append(out.Todo, maskDigitRuns(r.In(lang)))
		}
	}
	return out
}

// evidenceItem is one key of a transaction's evidence (staff only).
type evidenceItem struct{ Key, Value string }

// moneyWhere is where a transaction's money is, with the reason and what
// to do when it is held.
type moneyWhere struct {
	settlement.TxnSettlement
	Payout *posguard.Payout
	Held   *explained
}

// txnData is the transaction page's data.
type txnData struct {
	Txn      *posguard.Transaction
	Events   []posguard.Event
	Failed   bool
	Why      *explained
	Money    *moneyWhere
	Reversal *posguard.Reversal
	Cases    []*posguard.Case
	Evidence []evidenceItem
	// CanComplain is set for a merchant user (the complaint form).
	CanComplain bool
}

// transaction serves GET /transactions/{id}: the state history as a
// timeline, what happened and whether the cardholder was charged, the
// cause and what to do, where the money is, the reversal, the cases, and
// for staff the evidence.
func (s *Server) transaction(q *request) error {
	t, err := q.ownTxn(q.r.PathValue("id"))
	if err != nil {
		return err
	}
	ctx := q.r.Context()
	d := &txnData{Txn: t, Failed: failed(t), CanComplain: !q.user.Staff() && s.Cases != nil}
	if d.Events, err = s.Store.Events(ctx, t.ID); err != nil {
		return err
	}
	if d.Failed {
		d.Why = explainIn(q.lang, t.ResponseCode, t.Reason, t.Detail)
	}
	if err := s.txnExtras(q, d); err != nil {
		return err
	}
	if m := s.money(); m != nil && t.Type.MovesMoney() {
		st, err := settlement.StatusOf(ctx, m, t.ID)
		if err != nil {
			return err
		}
		if st.Where == settlement.WhereNotPosted && t.State != posguard.StateApproved {
			// Nothing moved (declined, rejected, reversed…): no money to follow.
			return q.renderTxn(d)
		}
		d.Money = &moneyWhere{TxnSettlement: st}
		if st.PayoutID != "" {
			if p, err := m.Payout(ctx, st.PayoutID); err == nil {
				d.Money.Payout = p
			}
		}
		if st.Reason != "" {
			d.Money.Held = explainIn(q.lang, "", st.Reason, nil)
		}
	}
	return q.renderTxn(d)
}

// renderTxn renders the transaction page.
func (q *request) renderTxn(d *txnData) error {
	return q.render(http.StatusOK, "transaction", "txn.title", d)
}

// txnExtras adds the pending reversal, the cases and (staff) the evidence.
func (s *Server) txnExtras(q *request, d *txnData) error {
	ctx, t := q.r.Context(), d.Txn
	var err error
	if rev, err := s.Store.PendingReversalFor(ctx, t.ID); err == nil {
		d.Reversal = rev
	} else if posguard.ErrorCode(err) != posguard.ENOTFOUND {
		return err
	}
	if s.Cases != nil {
		if d.Cases, err = s.Cases.List(ctx, posguard.CaseFilter{TxnID: t.ID, Limit: 20}); err != nil {
			return err
		}
	}
	if q.user.Staff() {
		for k, v := range t.Detail {
			d.Evidence = append(d.Evidence, evidenceItem{Key: k, Value: maskDigitRuns(v)})
		}
		sort.Slice(d.Evidence, func(i, j int) bool { return d.Evidence[i].Key < d.Evidence[j].Key })
	}
	return nil
}

// StateText is what a state means for the merchant, in the page's language.
func (q *request) StateText(st posguard.State) string { return q.T("state." + string(st)) }

// MoneyText says whether the cardholder was charged in state st.
func (q *request) MoneyText(st posguard.State) string {
	if _, ok := catalog[q.lang]["charged."+string(st)]; ok {
		return q.T("charged." + string(st))
	}
	return q.T("charged.unknown")
}

// WhatText says what happened to a transaction in state st.
func (q *request) WhatText(st posguard.State) string {
	if _, ok := catalog[q.lang]["what."+string(st)]; ok {
		return q.T("what." + string(st))
	}
	return q.T("what.unknown")
}
