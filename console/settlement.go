package console

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/posguard/posguard"
)

// heldPayout is a failed or returned payout not yet re-settled, with why
// and what to do.
type heldPayout struct {
	*posguard.Payout
	AccountMasked string
	Why           *explained
}

// batchRow is one settlement batch and its payouts.
type batchRow struct {
	*posguard.Batch
	Payouts []*posguard.Payout
}

// settlementsData is the settlements page's data.
type settlementsData struct {
	Enabled   bool
	From, To  string
	Merchant  string
	Held      []heldPayout
	HeldTotal posguard.Amount
	Batches   []batchRow
	More      bool // more batches than shown: narrow the dates
	// CanResettle: the user re-settles (finance, admin); others request.
	CanResettle bool
	// Changes are settlement-account change requests: the merchant's own,
	// or for staff the pending ones.
	Changes []changeRow
	// CanRequest shows the account change form; CanDecide the approve and
	// reject buttons (finance).
	CanRequest, CanDecide bool
}

// heldStates are the payout states whose money is held (挂账).
var heldStates = []posguard.PayoutState{posguard.PayoutFailed, posguard.PayoutReturned}

// settlements serves GET /settlements?from=&to=&merchant=: held payouts
// with why and the re-settlement button, then the batches of the span
// (default: the last 30 days) with their payouts.
func (s *Server) settlements(q *request) error {
	d := &settlementsData{CanResettle: is(q.user, resettlers...),
		CanRequest: is(q.user, changeRequesters...) && s.Changes != nil && s.Payouts != nil,
		CanDecide:  is(q.user, changeDeciders...) && s.Changes != nil && s.Payouts != nil}
	m := s.money()
	if m == nil {
		return q.render(http.StatusOK, "settlements", "nav.settlements", d)
	}
	d.Enabled = true
	ctx := q.r.Context()
	mid := q.user.MerchantID
	if q.user.Staff() {
		mid = strings.TrimSpace(q.Query("merchant"))
		d.Merchant = mid
	}
	today := s.todayStart()
	d.From, d.To = day(today.AddDate(0, 0, -30)), day(today)
	for _, p := range []struct {
		name string
		to   *string
	}{{"from", &d.From}, {"to", &d.To}} {
		if v := q.Query(p.name); v != "" {
			if _, ok := parseDay(v); !ok {
				return posguard.Errorf(posguard.EINVALID, "%s: YYYY-MM-DD", p.name)
			}
			*p.to = v
		}
	}
	var err error
	if d.Changes, err = q.accountChanges(mid); err != nil {
		return err
	}
	ps, err := m.Payouts(ctx, posguard.PayoutFilter{MerchantID: mid, States: heldStates, Limit: 500})
	if err != nil {
		return err
	}
	for _, p := range ps {
		if p.ResettledBy != "" {
			continue
		}
		d.HeldTotal += p.Amount
		if len(d.Held) < pageSize {
			d.Held = append(d.Held, heldPayout{Payout: p, AccountMasked: maskAccount(p.Account.Number),
				Why: explainIn(q.lang, "", p.Reason, nil)})
		}
	}
	bs, err := m.Batches(ctx, mid, d.From, d.To)
	if err != nil {
		return err
	}
	if len(bs) > pageSize {
		bs, d.More = bs[:pageSize], true
	}
	for _, b := range bs {
		ps, err := m.Payouts(ctx, posguard.PayoutFilter{BatchID: b.ID})
		if err != nil {
			return err
		}
		d.Batches = append(d.Batches, batchRow{Batch: b, Payouts: ps})
	}
	return q.render(http.StatusOK, "settlements", "nav.settlements", d)
}

// resettle serves POST /settlements/resettle (field payout). Finance and
// admin re-settle the held payout through the payout service (its account
// is re-verified with the bank first; a payout is re-settled once). A
// merchant user, or an operator, requests it instead: the request is
// written on the payout's case, where finance picks it up.
func (s *Server) resettle(q *request) error {
	m := s.money()
	if m == nil {
		return posguard.Errorf(posguard.ENOTFOUND, "no ledger")
	}
	ctx := q.r.Context()
	p, err := m.Payout(ctx, strings.TrimSpace(q.r.PostFormValue("payout")))
	if err != nil {
		return err
	}
	if !q.user.Staff() && p.MerchantID != q.user.MerchantID {
		return posguard.Errorf(posguard.ENOTFOUND, "no payout %s", p.ID)
	}
	q.object = "payout/" + p.ID
	if is(q.user, posguard.RoleFinance, posguard.RoleAdmin) {
		if s.Payouts == nil {
			return posguard.Errorf(posguard.ENOTFOUND, "payouts are not enabled")
		}
		q.auditFill(func(v any) (string, string) { // the new payout the re-settlement creates
			if np, ok := v.(*posguard.Payout); ok {
				return "", `{"resettled_by":` + strconv.Quote(np.ID) + `}`
			}
			return "", ""
		})
		np, err := s.Payouts.Resettle(ctx, p.ID)
		if err != nil {
			return err
		}
		q.changes = `{"resettled_by":` + strconv.Quote(np.ID) + `}`
		return q.redirect("/settlements", "resettled")
	}
	if p.ResettledBy != "" || (p.State != posguard.PayoutFailed && p.State != posguard.PayoutReturned) {
		return posguard.Errorf(posguard.ECONFLICT, "payout %s is not held", p.ID)
	}
	if s.Cases == nil || p.CaseID == "" {
		return posguard.Errorf(posguard.ECONFLICT, "payout %s has no case to carry the request", p.ID)
	}
	var caseID int64
	if _, err := fmt.Sscan(p.CaseID, &caseID); err != nil {
		return posguard.Errorf(posguard.EINTERNAL, "payout %s: case %q", p.ID, p.CaseID)
	}
	q.changes = `{"resettle_requested_on_case":` + strconv.Quote(p.CaseID) + `}`
	note := "申请重新结算出款 " + p.ID + " / re-settlement requested for payout " + p.ID
	if _, err := s.Cases.AddEntry(ctx, caseID, posguard.EntryNote, q.user.Name, note); err != nil {
		return err
	}
	return q.redirect("/settlements", "resettle_requested")
}
