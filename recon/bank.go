package recon

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"sort"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/recon/clearing"
)

// BankStatusApplier applies the bank's final status of a payout (S paid, F
// failed, R returned) to posguard's payout, moving the money as for any
// payout outcome: failed and returned money goes to held with a case; a
// payout the bank paid is no longer re-settled. payout.Runner implements it.
type BankStatusApplier interface {
	ApplyBankStatus(ctx context.Context, payoutID, status, bankRef, reason string) error
}

// PayoutApplier is what reconciliation needs of payouts.
type PayoutApplier = BankStatusApplier

// bankInput is a read bank payout result file.
type bankInput struct {
	name, sha string
	lines     []*clearing.BankLine
}

// readBank reads and checks a whole bank file (one line per payout of a
// batch or a few: it is small).
func readBank(name string, r io.Reader) (*bankInput, error) {
	h := sha256.New()
	br := clearing.NewBankReader(io.TeeReader(r, h), baseName(name))
	in := &bankInput{name: name}
	for {
		l, err := br.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		in.lines = append(in.lines, l)
	}
	io.Copy(io.Discard, io.TeeReader(r, h))
	in.sha = hex.EncodeToString(h.Sum(nil))
	return in, nil
}

// bankState maps a bank status to the payout state it means.
func bankState(s string) posguard.PayoutState {
	switch s {
	case clearing.BankPaid:
		return posguard.PayoutSucceeded
	case clearing.BankFailed:
		return posguard.PayoutFailed
	}
	return posguard.PayoutReturned
}

// matchBank matches the bank file against the payouts (§4.2): every line
// against its payout, every payout of the batches the file names against
// its line.
func (r *Reconciler) matchBank(ctx context.Context, date string, in *bankInput, m *matcher) error {
	if r.Money == nil {
		return posguard.Errorf(posguard.EINTERNAL, "reconciliation of a bank file needs the payout store")
	}
	rep := m.report
	lines, matched := 0, 0
	batches := map[string]bool{}
	inFile := map[string]bool{}
	for _, l := range in.lines {
		lines++
		batches[l.BatchID] = true
		inFile[l.PayoutID] = true
		p, err := r.Money.Payout(ctx, l.PayoutID)
		if posguard.ErrorCode(err) == posguard.ENOTFOUND {
			m.bankException(date, posguard.ReconBankOnly, posguard.ActionInvestigate, l, nil)
			continue
		}
		if err != nil {
			return err
		}
		batches[p.BatchID] = true
		if p.Amount != l.Amount {
			f := m.bankException(date, posguard.ReconPayoutAmountMismatch, posguard.ActionHold, l, p)
			f.holdAmt = int64(p.Amount)
			continue
		}
		note := func(n Note) {
			n.RRN, n.Merchant, n.Line, n.PayoutID, n.BatchID = "", p.MerchantID, ptr(l.No), ptr(p.ID), ptr(p.BatchID)
			rep.Notes = append(rep.Notes, n)
		}
		want := bankState(l.Status)
		switch p.State {
		case posguard.PayoutQueued, posguard.PayoutSubmitted:
			// Outcome unknown to posguard: the bank's status is applied.
			matched++
			note(Note{Class: "payout_applied", Status: l.Status})
			l := l
			m.applies = append(m.applies, func(ctx context.Context) error {
				return r.applyBank(ctx, l)
			})
		case want:
			matched++
		default:
			f := m.bankException(date, posguard.ReconPayoutStatusMismatch, posguard.ActionApplyBankStatus, l, p)
			f.apply = func(ctx context.Context) error { return r.applyBank(ctx, l) }
			continue
		}
		if l.BatchID != p.BatchID {
			note(Note{Class: "data_mismatch", Field: "batch_id", File: ptr(l.BatchID), Journal: ptr(p.BatchID)})
		}
		if l.AccountNumber != p.Account.Number {
			note(Note{Class: "data_mismatch", Field: "account_number", File: ptr(clearing.MaskAccount(l.AccountNumber)),
				Journal: ptr(clearing.MaskAccount(p.Account.Number))})
		}
		if l.AccountName != p.Account.Name {
			note(Note{Class: "data_mismatch", Field: "account_name", File: ptr(l.AccountName), Journal: ptr(p.Account.Name)})
		}
	}
	ids := make([]string, 0, len(batches))
	for b := range batches {
		ids = append(ids, b)
	}
	sort.Strings(ids)
	for _, b := range ids {
		ps, err := r.Money.Payouts(ctx, posguard.PayoutFilter{BatchID: b, Limit: 10000})
		if err != nil {
			return err
		}
		for _, p := range ps {
			if inFile[p.ID] || p.State == posguard.PayoutQueued {
				continue
			}
			f := m.bankException(date, posguard.ReconPayoutNotInBank, posguard.ActionQueryBank, nil, p)
			f.FileAmount = nil
		}
	}
	rep.BankLines, rep.BankMatched = ptr(lines), ptr(matched)
	return nil
}

// bankException starts an exception of the payout side.
func (m *matcher) bankException(date, class, action string, l *clearing.BankLine, p *posguard.Payout) *finding {
	f := &finding{Exception: Exception{Class: class, Action: action}}
	id := ""
	if l != nil {
		f.Line, f.FileAmount, f.PayoutID, f.BatchID = ptr(l.No), ptr(int64(l.Amount)), ptr(l.PayoutID), ptr(l.BatchID)
		id = l.PayoutID
	}
	if p != nil {
		f.Merchant, f.merchant = p.MerchantID, p.MerchantID
		f.Amount, f.JournalState, f.PayoutID, f.BatchID = ptr(int64(p.Amount)), ptr(string(p.State)), ptr(p.ID), ptr(p.BatchID)
		id = p.ID
	}
	f.ident = date + "|" + class + "|" + id
	m.found = append(m.found, f)
	return f
}

// applyBank applies a bank line's status to its payout.
func (r *Reconciler) applyBank(ctx context.Context, l *clearing.BankLine) error {
	if r.Payouts == nil {
		return nil
	}
	return r.Payouts.ApplyBankStatus(ctx, l.PayoutID, l.Status, l.BankRef, l.Reason)
}
