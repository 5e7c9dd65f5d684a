package payout

import (
	"context"
	"encoding/json"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/ledger"
)

// CaseRequest asks for an exception case about a payout.
type CaseRequest struct {
	Kind       string // "payout_failed" or "payout_returned"
	MerchantID string
	PayoutID   string
	Amount     posguard.Amount
	Reason     string // settlement.* reason key
	Fix        string // what the merchant must do
}

// CaseOpener opens exception cases (the casework package implements it;
// the lead wires it). It returns the case's ID.
type CaseOpener interface {
	OpenCase(ctx context.Context, r CaseRequest) (string, error)
}

// Runner submits payouts and handles their outcomes.
type Runner struct {
	Store     posguard.MoneyStore
	Merchants posguard.MerchantStore
	Bank      Bank
	// Cases opens a case per failed or returned payout; nil opens none.
	Cases CaseOpener
	// Audit, when set, turns on one audit record per payout outcome (user
	// "system"): paid or failed. Store writes it in the outcome's own
	// transaction (FinishPayout), so Audit must be Store's database.
	Audit posguard.AuditStore
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Calendar is the business calendar: postings are dated by its
	// calendar date, as sales are by their settlement day. The zero value
	// is UTC+8.
	Calendar posguard.Calendar
}

// day is the business date of now, for ledger postings.
func (r *Runner) day() string {
	return r.Calendar.Date(r.now())
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now().UTC()
	}
	return time.Now().UTC()
}

// accounts of a merchant.
func acct(k posguard.AccountKind, mid string) posguard.Account {
	return posguard.MerchantAccount(k, mid)
}

// Summary counts what a run did.
type Summary struct {
	Succeeded, Failed, Pending, Returned int
}

// Run submits every queued or submitted payout once and records the
// outcomes; a payout without an answer stays submitted for the next run.
func (r *Runner) Run(ctx context.Context) (Summary, error) {
	var sum Summary
	ps, err := r.Store.Payouts(ctx, posguard.PayoutFilter{States: []posguard.PayoutState{posguard.PayoutQueued, posguard.PayoutSubmitted}, Limit: 10000})
	if err != nil {
		return sum, err
	}
	for _, p := range ps {
		res, err := r.Submit(ctx, p)
		switch {
		case posguard.ErrorCode(err) == posguard.ETIMEOUT || posguard.ErrorCode(err) == posguard.EUNAVAILABLE:
			sum.Pending++
		case err != nil:
			return sum, err
		case res.Accepted:
			sum.Succeeded++
		default:
			sum.Failed++
		}
	}
	rs, err := r.Bank.Returns(ctx)
	if err != nil {
		return sum, err
	}
	for _, ret := range rs {
		if err := r.Returned(ctx, ret); err != nil {
			return sum, err
		}
		sum.Returned++
	}
	return sum, nil
}

// Submit sends payout p to the bank and records the outcome. It marks the
// payout submitted first, so a crash after the bank paid leaves it
// submitted, and the next Submit (same payout ID) gets the bank's first
// answer back instead of paying twice.
func (r *Runner) Submit(ctx context.Context, p *posguard.Payout) (Result, error) {
	now := r.now()
	if err := r.Store.MarkSubmitted(ctx, p.ID, now); err != nil {
		return Result{}, err
	}
	res, err := r.Bank.Submit(ctx, Order{PayoutID: p.ID, Account: p.Account, Amount: p.Amount})
	if err != nil {
		return res, err
	}
	return res, r.Record(ctx, p, res)
}

// Record stores the bank's answer for a submitted payout.
func (r *Runner) Record(ctx context.Context, p *posguard.Payout, res Result) error {
	now := r.now()
	date := r.day()
	from := []posguard.PayoutState{posguard.PayoutSubmitted}
	if res.Accepted {
		post := ledger.Transfer("payout:"+p.ID+":paid", posguard.PostPayout, p.MerchantID, date, p.ID, p.Amount,
			acct(posguard.AccountPayoutClearing, p.MerchantID), ledger.NetworkReceivable)
		return r.Store.FinishPayout(ctx, p.ID, from, posguard.PayoutSucceeded, "", res.BankRef, now, []*posguard.Posting{post},
			r.audit(p, posguard.PayoutSucceeded, "")...)
	}
	post := ledger.Transfer("payout:"+p.ID+":failed", posguard.PostPayoutFailed, p.MerchantID, date, p.ID, p.Amount,
		acct(posguard.AccountPayoutClearing, p.MerchantID), acct(posguard.AccountHeld, p.MerchantID))
	if err := r.Store.FinishPayout(ctx, p.ID, from, posguard.PayoutFailed, res.Reason, res.BankRef, now, []*posguard.Posting{post},
		r.audit(p, posguard.PayoutFailed, res.Reason)...); err != nil {
		return err
	}
	return r.openCase(ctx, "payout_failed", p, res.Reason)
}

// Returned records a return (退汇) of a paid payout: its money goes to held.
func (r *Runner) Returned(ctx context.Context, ret Return) error {
	p, err := r.Store.Payout(ctx, ret.PayoutID)
	if err != nil {
		return err
	}
	if p.State == posguard.PayoutReturned {
		return nil
	}
	reason := ret.Reason
	if reason == "" {
		reason = ReasonBankReturn
	}
	now := r.now()
	post := ledger.Transfer("payout:"+p.ID+":returned", posguard.PostReturn, p.MerchantID, r.day(), p.ID,
		p.Amount, ledger.NetworkReceivable, acct(posguard.AccountHeld, p.MerchantID))
	if err := r.Store.FinishPayout(ctx, p.ID, []posguard.PayoutState{posguard.PayoutSucceeded}, posguard.PayoutReturned,
		reason, "", now, []*posguard.Posting{post}); err != nil {
		return err
	}
	return r.openCase(ctx, "payout_returned", p, reason)
}

func (r *Runner) openCase(ctx context.Context, kind string, p *posguard.Payout, reason string) error {
	if r.Cases == nil {
		return nil
	}
	id, err := r.Cases.OpenCase(ctx, CaseRequest{Kind: kind, MerchantID: p.MerchantID, PayoutID: p.ID,
		Amount: p.Amount, Reason: reason, Fix: Fix(reason)})
	if err != nil {
		return err
	}
	return r.Store.SetPayoutCase(ctx, p.ID, id)
}

// audit returns the audit record of payout p's outcome, none when r.Audit
// is unset.
func (r *Runner) audit(p *posguard.Payout, state posguard.PayoutState, reason string) []*posguard.AuditRecord {
	if r.Audit == nil {
		return nil
	}
	after := map[string]any{"state": state, "merchant_id": p.MerchantID, "amount": int64(p.Amount)}
	if reason != "" {
		after["reason"] = reason
	}
	if p.Resettles != "" {
		after["resettles"] = p.Resettles
	}
	changes, _ := json.Marshal(map[string]any{"before": map[string]any{"state": posguard.PayoutSubmitted}, "after": after}) // strings and numbers always encode
	return []*posguard.AuditRecord{{At: r.now(), User: "system", Remote: "local", Action: "payout",
		Object: "payouts/" + p.ID, Outcome: string(state), Changes: string(changes)}}
}
