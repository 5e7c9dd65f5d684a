package simbank

import (
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/payout"
	"github.com/posguard/posguard/recon/clearing"
)

// ResultKnobs change the simulated bank's payout result file so that
// reconciliation's payout classes can be tested: leave a payout out, change
// its amount, write another status (and reason) than the bank's.
type ResultKnobs struct {
	Leave  map[string]bool            // payout ID → left out of the file
	Amount map[string]posguard.Amount // payout ID → added to the amount
	Status map[string]string          // payout ID → S, F or R written instead
	Reason map[string]string          // payout ID → reason written with a changed status
}

// ResultFile returns the bank's payout result lines (spec/clearing-file.md
// §3) for the given payouts of one or more batches that the bank handled,
// each with its latest status (S paid, F refused, R returned), as of at,
// changed by k. Write them with clearing.WriteBankFile.
func (b *Bank) ResultFile(payouts []*posguard.Payout, k ResultKnobs, at time.Time) []*clearing.BankLine {
	b.mu.Lock()
	defer b.mu.Unlock()
	at = at.In(posguard.ChinaStandardTime).Truncate(time.Second)
	var out []*clearing.BankLine
	for _, p := range payouts {
		r, ok := b.results[p.ID]
		if !ok || k.Leave[p.ID] {
			continue
		}
		o := b.orders[p.ID]
		l := &clearing.BankLine{BatchID: p.BatchID, PayoutID: p.ID, AccountNumber: o.Account.Number,
			AccountName: o.Account.Name, Amount: o.Amount + k.Amount[p.ID], Status: clearing.BankPaid, BankRef: r.BankRef, Time: at}
		switch reason, back := b.returned[p.ID]; {
		case !r.Accepted:
			l.Status, l.Reason = clearing.BankFailed, r.Reason
		case back:
			l.Status, l.Reason = clearing.BankReturned, reason
		}
		if st, ok := k.Status[p.ID]; ok {
			l.Status, l.Reason = st, k.Reason[p.ID]
			if st != clearing.BankPaid && l.Reason == "" {
				l.Reason = payout.ReasonBankReturn
			}
		}
		out = append(out, l)
	}
	return out
}
