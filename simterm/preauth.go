package simterm

import (
	"context"

	"github.com/posguard/posguard"
)

// PreAuth makes a pre-authorization of amount fen (0100, 3 = 030000, 25 =
// 06, 60.1 = 10): the issuer holds the amount. It must be reversed when
// it fails.
func (t *Terminal) PreAuth(ctx context.Context, card Card, amount posguard.Amount, opts ...Option) (*Result, error) {
	return t.financial(ctx, request{typ: posguard.TxnPreAuth, mti: "0100", proc: "030000", cond: "06", type60: "10", card: card,
		amount: amount, hasAmount: true}, opts)
}

// PreAuthCancel cancels an approved pre-authorization for its full
// amount (0100, 3 = 200000, 25 = 06, 60.1 = 11) with its 37 and 38 and 61
// = its batch, STAN and date. The card is swiped again without PIN.
// EINVALID when orig is not a pre-authorization.
func (t *Terminal) PreAuthCancel(ctx context.Context, orig *Result, opts ...Option) (*Result, error) {
	if orig == nil || orig.Type != posguard.TxnPreAuth {
		return nil, posguard.Errorf(posguard.EINVALID, "simterm: terminal %s: cancel: original is not a pre-authorization", t.ID)
	}
	card := orig.card
	card.PIN = ""
	card.IC = false
	return t.financial(ctx, request{typ: posguard.TxnPreAuthCancel, mti: "0100", proc: "200000", cond: "06", type60: "11", card: card,
		amount: orig.Amount, hasAmount: true, rrn: orig.RRN, auth: orig.AuthCode, f61: orig.Batch + orig.STAN + dateOf(orig)}, opts)
}

// Completion completes an approved pre-authorization for amount fen
// (0200, 3 = 000000, 25 = 06, 60.1 = 20): 38 of the pre-auth and 61.3 its
// date (61.1 and 61.2 zero, as any terminal of the merchant may complete
// it). The host allows up to 115 % of the pre-auth. EINVALID when orig is
// not a pre-authorization.
func (t *Terminal) Completion(ctx context.Context, orig *Result, amount posguard.Amount, opts ...Option) (*Result, error) {
	if orig == nil || orig.Type != posguard.TxnPreAuth {
		return nil, posguard.Errorf(posguard.EINVALID, "simterm: terminal %s: completion: original is not a pre-authorization", t.ID)
	}
	return t.financial(ctx, request{typ: posguard.TxnCompletion, mti: "0200", proc: "000000", cond: "06", type60: "20", card: orig.card,
		amount: amount, hasAmount: true, auth: orig.AuthCode, f61: "000000000000" + dateOf(orig)}, opts)
}

// dateOf is the original answer's field 13, "0000" when it had none.
func dateOf(orig *Result) string {
	if digitsN(orig.LocalDate, 4) {
		return orig.LocalDate
	}
	return "0000"
}
