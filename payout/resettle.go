package payout

import (
	"context"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/ledger"
)

// UpdateAccount replaces merchant mid's settlement account after verifying
// it with the bank: only an account the bank reports ok is stored (with that
// status). It returns the account as verified, and EINVALID, storing
// nothing, when the bank reports another status.
func (r *Runner) UpdateAccount(ctx context.Context, mid string, a posguard.SettlementAccount) (posguard.SettlementAccount, error) {
	if a.Number == "" || a.Name == "" {
		return a, posguard.Errorf(posguard.EINVALID, "settlement account: number and name are required")
	}
	m, err := r.Merchants.Merchant(ctx, mid)
	if err != nil {
		return a, err
	}
	st, err := r.Bank.Verify(ctx, a)
	if err != nil {
		return a, err
	}
	a.Status = st
	if st != "ok" {
		// Verified first, stored only once it passed: a rejected account
		// never replaces the one the merchant has.
		return a, posguard.Errorf(posguard.EINVALID, "settlement account of %s: the bank reports it %s; the account on file is unchanged", mid, st)
	}
	m.Account = a
	if err := r.Merchants.PutMerchant(ctx, m); err != nil {
		return a, err
	}
	return a, nil
}

// Resettle (重新结算) queues a new payout of a failed or returned payout's
// held money to the merchant's current account, after re-verifying that
// account with the bank. A payout is re-settled at most once (ECONFLICT
// the second time), so the money is paid once.
func (r *Runner) Resettle(ctx context.Context, payoutID string) (*posguard.Payout, error) {
	old, err := r.Store.Payout(ctx, payoutID)
	if err != nil {
		return nil, err
	}
	if old.ResettledBy != "" {
		return nil, posguard.Errorf(posguard.ECONFLICT, "payout %s was already re-settled by %s", old.ID, old.ResettledBy)
	}
	if old.State != posguard.PayoutFailed && old.State != posguard.PayoutReturned {
		return nil, posguard.Errorf(posguard.ECONFLICT, "payout %s is %s: only a failed or returned payout is re-settled", old.ID, old.State)
	}
	m, err := r.Merchants.Merchant(ctx, old.MerchantID)
	if err != nil {
		return nil, err
	}
	st, err := r.Bank.Verify(ctx, m.Account)
	if err != nil {
		return nil, err
	}
	if st != "ok" {
		return nil, posguard.Errorf(posguard.EINVALID, "merchant %s: settlement account is %s; correct it before re-settling", m.ID, st)
	}
	p := &posguard.Payout{ID: old.ID + "-R", BatchID: old.BatchID, MerchantID: old.MerchantID, Amount: old.Amount,
		Account: m.Account, Resettles: old.ID}
	p.Account.Status = st
	// The request's audit record (if any waits in ctx) names the new payout
	// and commits in the transaction that creates it.
	posguard.NoteAudit(ctx, p)
	post := ledger.Transfer("payout:"+old.ID+":resettle", posguard.PostResettlement, old.MerchantID,
		r.day(), p.ID, old.Amount,
		acct(posguard.AccountHeld, old.MerchantID), acct(posguard.AccountPayoutClearing, old.MerchantID))
	if err := r.Store.Resettle(ctx, p, []*posguard.Posting{post}); err != nil {
		return nil, err
	}
	return p, nil
}

// ResettleBatch re-settles every failed or returned payout of a batch not
// yet re-settled, and returns the new payouts.
func (r *Runner) ResettleBatch(ctx context.Context, batchID string) ([]*posguard.Payout, error) {
	return r.resettleAll(ctx, posguard.PayoutFilter{BatchID: batchID})
}

// ResettleMerchant re-settles every held payout of a merchant.
func (r *Runner) ResettleMerchant(ctx context.Context, mid string) ([]*posguard.Payout, error) {
	return r.resettleAll(ctx, posguard.PayoutFilter{MerchantID: mid})
}

func (r *Runner) resettleAll(ctx context.Context, f posguard.PayoutFilter) ([]*posguard.Payout, error) {
	f.States = []posguard.PayoutState{posguard.PayoutFailed, posguard.PayoutReturned}
	f.Limit = 10000
	ps, err := r.Store.Payouts(ctx, f)
	if err != nil {
		return nil, err
	}
	var out []*posguard.Payout
	for _, p := range ps {
		if p.ResettledBy != "" {
			continue
		}
		n, err := r.Resettle(ctx, p.ID)
		if err != nil {
			return out, err
		}
		out = append(out, n)
	}
	return out, nil
}

// ApplyBankStatus applies the bank's final status of a payout from its
// result file (S paid, F failed, R returned; reconciliation's
// apply_bank_status): the bank's word wins and the money follows it. A
// submitted payout is recorded as the bank says; one posguard holds as
// succeeded that the bank failed or returned goes to held with a case; one
// posguard holds as failed or returned that the bank paid leaves held (paid)
// and can no longer be re-settled, so it is never paid twice. ECONFLICT
// when the payout was already re-settled and the bank says it paid.
func (r *Runner) ApplyBankStatus(ctx context.Context, id, status, bankRef, reason string) error {
	p, err := r.Store.Payout(ctx, id)
	if err != nil {
		return err
	}
	if reason == "" && status != "S" {
		reason = ReasonBankReturn
	}
	now, date := r.now(), r.day()
	switch status {
	case "S":
		switch p.State {
		case posguard.PayoutQueued, posguard.PayoutSubmitted:
			if p.State == posguard.PayoutQueued {
				if err := r.Store.MarkSubmitted(ctx, id, now); err != nil {
					return err
				}
			}
			return r.Record(ctx, p, Result{Accepted: true, BankRef: bankRef})
		case posguard.PayoutFailed, posguard.PayoutReturned:
			if p.ResettledBy != "" {
				return posguard.Errorf(posguard.ECONFLICT, "payout %s was paid by the bank and re-settled by %s: paid twice, recover it", id, p.ResettledBy)
			}
			post := ledger.Transfer("payout:"+p.ID+":bank_paid", posguard.PostPayout, p.MerchantID, date, p.ID, p.Amount,
				acct(posguard.AccountHeld, p.MerchantID), ledger.NetworkReceivable)
			return r.Store.FinishPayout(ctx, id, []posguard.PayoutState{p.State}, posguard.PayoutSucceeded, "", bankRef, now, []*posguard.Posting{post})
		}
	case "F", "R":
		switch p.State {
		case posguard.PayoutQueued, posguard.PayoutSubmitted:
			if p.State == posguard.PayoutQueued {
				if err := r.Store.MarkSubmitted(ctx, id, now); err != nil {
					return err
				}
			}
			if status == "F" {
				return r.Record(ctx, p, Result{Accepted: false, Reason: reason, BankRef: bankRef})
			}
			if err := r.Record(ctx, p, Result{Accepted: true, BankRef: bankRef}); err != nil {
				return err
			}
			return r.Returned(ctx, Return{PayoutID: id, Reason: reason})
		case posguard.PayoutSucceeded:
			return r.Returned(ctx, Return{PayoutID: id, Reason: reason})
		case posguard.PayoutFailed, posguard.PayoutReturned:
			// Not paid either way; the money is already held.
			return nil
		}
	}
	return posguard.Errorf(posguard.EINVALID, "payout %s: bank status %q", id, status)
}

// VerifyAccount asks the bank about account a without storing anything and
// returns its status ("ok", "frozen", "closed", "name_mismatch").
func (r *Runner) VerifyAccount(ctx context.Context, a posguard.SettlementAccount) (string, error) {
	if a.Number == "" || a.Name == "" {
		return "", posguard.Errorf(posguard.EINVALID, "settlement account: number and name are required")
	}
	return r.Bank.Verify(ctx, a)
}
