package casework

import (
	"strconv"

	"context"

	"github.com/posguard/posguard"
)

// QRProblem is a QR order that needs a person: a reversal past its attempt
// limit (retries go on), a channel that refused a request (configuration),
// a payment notified for an order posguard had closed or failed (refunded
// in full), a notification that disagrees with the order, or a merchant
// notification undelivered for a day.
type QRProblem struct {
	Order  *posguard.QROrder
	Reason string // a qr.* reason of the knowledge base, when there is one
	Title  string // what happened, in English
}

// OnQRProblem opens a qr_exception case for p's order and merchant, with
// the cause from the knowledge base when p names a reason.
func (s *Service) OnQRProblem(ctx context.Context, p QRProblem) (*posguard.Case, error) {
	now := s.now()
	cause := p.Title
	if p.Reason != "" {
		cause = causeOf("", p.Reason, nil)
	}
	o := p.Order
	pr := PriorityFor(posguard.CaseQRException, o.Amount, 0)
	c := &posguard.Case{
		Kind: posguard.CaseQRException, Status: posguard.CaseOpen, Priority: pr,
		MerchantID: o.MerchantID, TerminalID: o.TerminalID, Amount: o.Amount, Currency: posguard.CurrencyCNY,
		Reason: p.Reason, Cause: cause, OpenedBy: System, DueAt: DueAt(pr, now),
		Title: posguard.MaskFreeText("QR order Q" + strconv.FormatInt(o.ID, 10) + " (" + o.OutTradeNo + "): " + p.Title),
	}
	entries := []posguard.CaseEntry{{Kind: posguard.EntryCause, Author: System, Text: cause, At: now}}
	if _, err := s.Store.OpenCase(ctx, c, entries); err != nil {
		return nil, err
	}
	s.log().Info("case opened", "case", c.ID, "kind", c.Kind, "qr_order", o.ID, "priority", pr)
	return c, nil
}
