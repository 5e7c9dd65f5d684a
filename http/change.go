package http

import (
	"context"
	"encoding/json"
	nethttp "net/http"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/payout"
)

// Settlement-account changes are maker-checker: PUT
// /v1/merchants/{id}/settlement-account (staff, or a merchant user for its
// own merchant) verifies the new account with the bank and stores a pending
// request that changes nothing; a finance user other than the requester
// approves it (the account is verified again and only then replaces the old
// one) or rejects it.

// accountRequest is the body of PUT /v1/merchants/{id}/settlement-account.
type accountRequest struct {
	Bank   string `json:"bank"`
	Number string `json:"number"`
	Name   string `json:"name"`
}

// changeView is a settlement-account change request as the API shows it
// (account number masked).
type changeView struct {
	ID          int64       `json:"id"`
	MerchantID  string      `json:"merchant_id"`
	Account     accountView `json:"account"`
	State       string      `json:"state"`
	RequestedBy string      `json:"requested_by"`
	RequestedAt string      `json:"requested_at"`
	DecidedBy   string      `json:"decided_by,omitempty"`
	DecidedAt   string      `json:"decided_at,omitempty"`
	Note        string      `json:"note,omitempty"`
}

func newChangeView(c *posguard.AccountChange) changeView {
	return changeView{ID: c.ID, MerchantID: c.MerchantID, Account: newAccountView(c.Account), State: string(c.State),
		RequestedBy: c.RequestedBy, RequestedAt: formatTime(c.RequestedAt), DecidedBy: c.DecidedBy,
		DecidedAt: formatTime(c.DecidedAt), Note: c.Note}
}

// newAccountView masks a settlement account.
func newAccountView(a posguard.SettlementAccount) accountView {
	return accountView{Bank: a.Bank, Number: maskAccount(a.Number), Name: a.Name, Status: a.Status}
}

// changeList is the answer of GET /v1/account-changes.
type changeList struct {
	Changes []changeView `json:"changes"`
}

// putSettlementAccount serves PUT /v1/merchants/{id}/settlement-account:
// 202 with a pending change request once the bank reports the account ok
// (400, nothing stored, otherwise).
func (s *Server) putSettlementAccount(w nethttp.ResponseWriter, r *nethttp.Request) {
	if s.Payouts == nil {
		s.writeError(w, r, posguard.Errorf(posguard.ENOTFOUND, "payouts are not enabled"))
		return
	}
	m, err := s.merchantFor(r, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in accountRequest
	if err := json.NewDecoder(nethttp.MaxBytesReader(w, r.Body, 4096)).Decode(&in); err != nil {
		s.writeError(w, r, invalidParam("body", "want JSON {bank, number, name}"))
		return
	}
	noteChanges(r, map[string]any{"merchant_id": m.ID, "account": newAccountView(m.Account)}, nil)
	onAuditNote(r, func(v any) (string, any) {
		c, ok := v.(*posguard.AccountChange)
		if !ok {
			return "", nil
		}
		return "account-changes/" + itoa(c.ID), newChangeView(c)
	})
	c, err := s.changes().Request(r.Context(), m.ID, posguard.SettlementAccount{Bank: in.Bank, Number: in.Number, Name: in.Name}, currentUser(r).Name)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, nethttp.StatusAccepted, newChangeView(c))
}

// changes is the maker-checker flow shared with the console.
func (s *Server) changes() payout.Changes {
	return payout.Changes{Bank: s.Payouts, Store: s.Access}
}

// changeFor returns change request {id} if the user may see it; ENOTFOUND
// (as for a missing one) otherwise.
func (s *Server) changeFor(r *nethttp.Request) (*posguard.AccountChange, error) {
	return scopedByID(r, "account change", s.Access.AccountChange, func(c *posguard.AccountChange) string { return c.MerchantID })
}

// listAccountChanges serves GET /v1/account-changes?merchant=&state=.
func (s *Server) listAccountChanges(w nethttp.ResponseWriter, r *nethttp.Request) {
	serveRequestList(s, w, r, func(ctx context.Context, mid, state string) ([]*posguard.AccountChange, error) {
		return s.Access.AccountChanges(ctx, posguard.AccountChangeFilter{MerchantID: mid, State: posguard.ChangeState(state)})
	}, newChangeView, func(v []changeView) any { return changeList{Changes: v} })
}

// getAccountChange serves GET /v1/account-changes/{id}.
func (s *Server) getAccountChange(w nethttp.ResponseWriter, r *nethttp.Request) {
	serveOne(s, w, r, s.changeFor, newChangeView)
}

// approveAccountChange serves POST /v1/account-changes/{id}/approve: a
// finance user other than the requester (403 otherwise) approves; the
// account is verified again and then replaces the merchant's.
func (s *Server) approveAccountChange(w nethttp.ResponseWriter, r *nethttp.Request) {
	if s.Payouts == nil {
		s.writeError(w, r, posguard.Errorf(posguard.ENOTFOUND, "payouts are not enabled"))
		return
	}
	c, err := s.changeFor(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	m, err := s.Store.Merchant(r.Context(), c.MerchantID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// The merchant's new account, the change's decision and the audit
	// record commit in one transaction (the bank verifies the account first).
	applied := posguard.SettlementAccount{Bank: c.Account.Bank, Number: c.Account.Number, Name: c.Account.Name, Status: "ok"}
	noteChanges(r, map[string]any{"merchant_id": c.MerchantID, "account": newAccountView(m.Account)},
		map[string]any{"merchant_id": c.MerchantID, "account": newAccountView(applied), "state": posguard.ChangeApproved})
	if _, err := s.changes().Approve(r.Context(), c, currentUser(r).Name); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeChange(w, r, c.ID)
}

// rejectRequest is the body of POST /v1/account-changes/{id}/reject.
type rejectRequest struct {
	Reason string `json:"reason"`
}

// rejectAccountChange serves POST /v1/account-changes/{id}/reject
// {"reason"}: the request is closed and nothing changes.
func (s *Server) rejectAccountChange(w nethttp.ResponseWriter, r *nethttp.Request) {
	c, err := s.changeFor(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in rejectRequest
	if r.ContentLength != 0 {
		if err := readBody(r, &in); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	noteChanges(r, map[string]any{"state": c.State}, map[string]any{"state": posguard.ChangeRejected, "reason": in.Reason})
	if err := s.changes().Reject(r.Context(), c.ID, currentUser(r).Name, in.Reason); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeChange(w, r, c.ID)
}

// writeChange answers with change id as stored now.
func (s *Server) writeChange(w nethttp.ResponseWriter, r *nethttp.Request, id int64) {
	c, err := s.Access.AccountChange(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, nethttp.StatusOK, newChangeView(c))
}
