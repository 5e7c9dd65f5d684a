package casework

import (
	"context"
	"fmt"

	"github.com/posguard/posguard"
)

// PayoutProblem is a payout that failed or came back (退汇): the money is
// held for the merchant until the settlement account is fixed and the
// payout re-settled.
type PayoutProblem struct {
	Returned   bool // a return after the bank accepted it, rather than a refusal
	MerchantID string
	PayoutID   string
	Amount     posguard.Amount
	Reason     string // settlement.* reason code from the knowledge base
	Fix        string // what the merchant must do
}

// OnPayoutProblem opens a payout_failed case for p, with the cause from the
// knowledge base and the fix as the first step to take.
func (s *Service) OnPayoutProblem(ctx context.Context, p PayoutProblem) (*posguard.Case, error) {
	now := s.now()
	cause := causeOf("", p.Reason, nil)
	what := "failed"
	if p.Returned {
		what = "was returned by the bank (退汇)"
	}
	pr := PriorityFor(posguard.CasePayoutFailed, p.Amount, 0)
	c := &posguard.Case{
		Kind: posguard.CasePayoutFailed, Status: posguard.CaseOpen, Priority: pr,
		MerchantID: p.MerchantID, Amount: p.Amount, Currency: posguard.CurrencyCNY,
		Reason: p.Reason, Cause: cause, OpenedBy: System, DueAt: DueAt(pr, now),
		Title: fmt.Sprintf("payout %s of %s yuan %s; the money is held for the merchant", p.PayoutID, p.Amount, what),
	}
	entries := []posguard.CaseEntry{{Kind: posguard.EntryCause, Author: System, Text: cause, At: now}}
	if p.Fix != "" {
		entries = append(entries, posguard.CaseEntry{Kind: posguard.EntryNote, Author: System, Text: "merchant to do: " + p.Fix, At: now})
	}
	if _, err := s.Store.OpenCase(ctx, c, entries); err != nil {
		return nil, err
	}
	s.log().Info("case opened", "case", c.ID, "kind", c.Kind, "payout", p.PayoutID, "priority", pr)
	return c, nil
}
