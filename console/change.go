package console

import (
	"strconv"
	"strings"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/payout"
)

// Who may ask for and decide settlement-account changes (as the API).
var (
	changeRequesters = []posguard.Role{posguard.RoleAdmin, posguard.RoleOperator, posguard.RoleFinance, posguard.RoleMerchant}
	changeDeciders   = []posguard.Role{posguard.RoleFinance}
)

// changeRow is a settlement-account change request as shown (account
// number masked).
type changeRow struct {
	*posguard.AccountChange
	AccountMasked string
}

// changeFlow is the maker-checker flow the API uses too; ok is false when
// the console has no payouts or no change store.
func (s *Server) changeFlow() (payout.Changes, bool) {
	if s.Payouts == nil || s.Changes == nil {
		return payout.Changes{}, false
	}
	return payout.Changes{Bank: s.Payouts, Store: s.Changes}, true
}

// accountChanges lists the change requests the settlements page shows:
// a merchant user's own, or for staff the pending ones (of one merchant
// when mid is set).
func (q *request) accountChanges(mid string) ([]changeRow, error) {
	if q.s.Changes == nil {
		return nil, nil
	}
	f := posguard.AccountChangeFilter{MerchantID: mid}
	if q.user.Staff() {
		f.State = posguard.ChangePending
	}
	list, err := q.s.Changes.AccountChanges(q.r.Context(), f)
	if err != nil {
		return nil, err
	}
	var out []changeRow
	for _, c := range list {
		if len(out) == pageSize {
			break
		}
		out = append(out, changeRow{AccountChange: c, AccountMasked: maskAccount(c.Account.Number)})
	}
	return out, nil
}

// requestAccountChange serves POST /settlements/account (fields merchant
// (staff), bank, number, name): the bank verifies the account, and a
// pending request is stored; nothing changes until finance approves.
func (s *Server) requestAccountChange(q *request) error {
	flow, ok := s.changeFlow()
	if !ok {
		return posguard.Errorf(posguard.ENOTFOUND, "account changes are not enabled")
	}
	f := q.r.PostForm
	if f == nil {
		_ = q.r.ParseForm()
		f = q.r.PostForm
	}
	mid := q.user.MerchantID
	if q.user.Staff() {
		mid = strings.TrimSpace(f.Get("merchant"))
	}
	if _, err := s.Store.Merchant(q.r.Context(), mid); err != nil {
		return err
	}
	q.object = "merchant/" + mid
	a := posguard.SettlementAccount{Bank: strings.TrimSpace(f.Get("bank")), Number: strings.TrimSpace(f.Get("number")),
		Name: strings.TrimSpace(f.Get("name"))}
	changes := `{"merchant_id":` + strconv.Quote(mid) + `,"account":{"bank":` + strconv.Quote(a.Bank) +
		`,"number_masked":` + strconv.Quote(maskAccount(a.Number)) + `},"state":"pending"}`
	q.auditFill(func(v any) (string, string) { // the change the request's transaction stores
		if c, ok := v.(*posguard.AccountChange); ok && c.ID != 0 {
			return "account-changes/" + strconv.FormatInt(c.ID, 10), changes
		}
		return "", changes
	})
	c, err := flow.Request(q.r.Context(), mid, a, q.user.Name)
	if err != nil {
		return err
	}
	q.object = "account-changes/" + strconv.FormatInt(c.ID, 10)
	q.changes = changes
	return q.redirect("/settlements", "change_requested")
}

// decideAccountChange serves POST /settlements/changes/{id}/approve and
// …/reject (field reason; finance): the same rules as the API (a second
// finance user approves, the account is verified again).
func (s *Server) decideAccountChange(q *request) error {
	flow, ok := s.changeFlow()
	if !ok {
		return posguard.Errorf(posguard.ENOTFOUND, "account changes are not enabled")
	}
	id, err := strconv.ParseInt(q.r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return posguard.Errorf(posguard.ENOTFOUND, "no account change %q", q.r.PathValue("id"))
	}
	c, err := s.Changes.AccountChange(q.r.Context(), id)
	if err != nil {
		return err
	}
	q.object = "account-changes/" + strconv.FormatInt(c.ID, 10)
	if strings.HasSuffix(q.r.URL.Path, "/approve") {
		q.auditFill(func(any) (string, string) {
			return "", `{"state":"approved","merchant_id":` + strconv.Quote(c.MerchantID) + `}`
		})
		if _, err := flow.Approve(q.r.Context(), c, q.user.Name); err != nil {
			return err
		}
		q.changes = `{"state":"approved","merchant_id":` + strconv.Quote(c.MerchantID) + `}`
		return q.redirect("/settlements", "change_approved")
	}
	q.auditFill(func(any) (string, string) { return "", `{"state":"rejected"}` })
	if err := flow.Reject(q.r.Context(), c.ID, q.user.Name, q.r.PostFormValue("reason")); err != nil {
		return err
	}
	q.changes = `{"state":"rejected"}`
	return q.redirect("/settlements", "change_rejected")
}
