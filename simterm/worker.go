package simterm

import (
	"context"
	"math/rand/v2"

	"github.com/posguard/posguard"
)

// worker is one fleet terminal's transaction loop state.
type worker struct {
	f     *Fleet
	t     *Terminal
	rng   *rand.Rand
	limit posguard.Amount // merchant per-transaction limit, 0 = none
	// sales are this terminal's approved sales of the open batch not yet
	// voided (void targets); refundable are approved sales of any batch.
	sales      []*Result
	refundable []*Result
	// preauths are this terminal's approved pre-authorizations not yet
	// completed or cancelled.
	preauths []*Result
}

// maxKept bounds the void and refund target lists.
const maxKept = 32

// icShare is the share of card reads that use the chip.
const icShare = 0.15

// step draws and runs one financial transaction.
func (w *worker) step(ctx context.Context) (posguard.TxnType, *Result, error) {
	switch w.f.cfg.Mix.pick(w.rng) {
	case opInquiry:
		res, err := w.t.Inquiry(ctx, w.present(w.goodCard(), true))
		return posguard.TxnInquiry, res, err
	case opVoid:
		if len(w.sales) > 0 {
			i := w.rng.IntN(len(w.sales))
			orig := w.sales[i]
			if orig.Batch == w.t.Batch() {
				w.sales = append(w.sales[:i], w.sales[i+1:]...)
				res, err := w.t.Void(ctx, orig)
				if res.Approved() {
					w.dropRefundable(orig)
				}
				return posguard.TxnVoid, res, err
			}
			w.sales = nil // another batch: no longer voidable
		}
	case opRefund:
		if len(w.refundable) > 0 {
			orig := w.refundable[w.rng.IntN(len(w.refundable))]
			amt := orig.Amount
			if w.rng.IntN(2) == 0 && amt > 1 {
				amt = 1 + posguard.Amount(w.rng.Int64N(int64(amt)))
			}
			res, err := w.t.Refund(ctx, orig, amt)
			return posguard.TxnRefund, res, err
		}
	case opPreAuth:
		return w.preAuthStep(ctx)
	case opWrongPIN:
		c := w.goodCard()
		card := w.present(c, true)
		card.PIN = wrongPIN(c.PIN)
		res, err := w.t.Sale(ctx, card, saleAmount(w.rng, c.Balance, w.limit))
		return posguard.TxnSale, res, err
	case opBadCard:
		if len(w.f.cards.bad) > 0 {
			c := w.f.cards.bad[w.rng.IntN(len(w.f.cards.bad))]
			amt := saleAmount(w.rng, 0, w.limit)
			if c.Balance < lowBalance && c.Balance+100 > amt {
				amt = c.Balance + 100 + posguard.Amount(w.rng.Int64N(50000))
			}
			res, err := w.t.Sale(ctx, w.present(c, c.Kind == posguard.CardDebit), amt)
			return posguard.TxnSale, res, err
		}
	}
	c := w.goodCard()
	res, err := w.t.Sale(ctx, w.present(c, c.Kind == posguard.CardDebit || w.rng.IntN(2) == 0), saleAmount(w.rng, c.Balance, w.limit))
	if res.Approved() {
		w.sales = keep(w.sales, res)
		w.refundable = keep(w.refundable, res)
	}
	return posguard.TxnSale, res, err
}

func (w *worker) goodCard() posguard.Card {
	return w.f.cards.good[w.rng.IntN(len(w.f.cards.good))]
}

// present returns how the card is presented: swiped (IC sometimes), with
// its PIN when withPIN.
func (w *worker) present(c posguard.Card, withPIN bool) Card {
	card := CardOf(c)
	if !withPIN {
		card.PIN = ""
	}
	card.IC = w.rng.Float64() < icShare
	return card
}

func (w *worker) dropRefundable(r *Result) {
	for i, x := range w.refundable {
		if x == r {
			w.refundable = append(w.refundable[:i], w.refundable[i+1:]...)
			return
		}
	}
}

// keep appends r, dropping the oldest entry past maxKept.
func keep(list []*Result, r *Result) []*Result {
	list = append(list, r)
	if len(list) > maxKept {
		list = list[1:]
	}
	return list
}

// preAuthStep completes (two times in three, at 50–115 % of the amount) or
// cancels an open pre-authorization half of the time when there is one;
// otherwise it makes a new pre-authorization.
func (w *worker) preAuthStep(ctx context.Context) (posguard.TxnType, *Result, error) {
	if len(w.preauths) > 0 && w.rng.IntN(2) == 0 {
		i := w.rng.IntN(len(w.preauths))
		orig := w.preauths[i]
		w.preauths = append(w.preauths[:i], w.preauths[i+1:]...)
		if w.rng.IntN(3) == 0 {
			res, err := w.t.PreAuthCancel(ctx, orig)
			return posguard.TxnPreAuthCancel, res, err
		}
		amt := orig.Amount/2 + posguard.Amount(w.rng.Int64N(int64(orig.Amount*115/100-orig.Amount/2)+1))
		if w.limit > 0 && amt > w.limit {
			amt = w.limit
		}
		res, err := w.t.Completion(ctx, orig, max(amt, 1))
		return posguard.TxnCompletion, res, err
	}
	c := w.goodCard()
	res, err := w.t.PreAuth(ctx, w.present(c, true), saleAmount(w.rng, c.Balance, w.limit))
	if res.Approved() {
		w.preauths = keep(w.preauths, res)
	}
	return posguard.TxnPreAuth, res, err
}
