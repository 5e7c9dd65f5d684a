package qr

import (
	"context"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/wallet"
)

// What reconciliation needs of the engine: the day bills to fetch, and the
// repair of a charge a bill shows for an order posguard does not show
// succeeded (docs/reconciliation.md, "QR bills"). The repairs are journaled
// here and carried out by the engine's queues (serve's), like every other
// channel call: nothing is sent twice, nothing is abandoned.

// Outcomes of RepairCharge.
const (
	// ChargeSucceeded: the order was still paying and the channel answered
	// SUCCESS: it is succeeded now (or already was).
	ChargeSucceeded = "succeeded"
	// ChargePaying: the order is still paying and the channel did not
	// confirm a payment: the engine goes on querying until its deadline.
	ChargePaying = "paying"
	// ChargeRefund: a full internal refund (out_refund_no AUTO-Q<n>) is
	// queued for a failed or closed order.
	ChargeRefund = "refund"
	// ChargeReverse: the reversal of a reversed order is queued again.
	ChargeReverse = "reverse"
	// ChargeReversing: the order's reversal is still pending.
	ChargeReversing = "reversing"
	// ChargeReturned: the channel says it holds nothing for the order now
	// (REVOKED, CLOSED, refunded in full, never paid): the money went back
	// on another day's bill.
	ChargeReturned = "returned"
)

// BillSources returns every day bill reconciliation fetches: each
// configured channel for each merchant with a wallet.
func (e *Engine) BillSources(ctx context.Context) ([]posguard.QRBillSource, error) {
	if len(e.channels) == 0 {
		return nil, nil
	}
	ms, err := e.Merchants.Merchants(ctx)
	if err != nil {
		return nil, err
	}
	var out []posguard.QRBillSource
	for _, m := range ms {
		w, err := e.Store.MerchantWallet(ctx, m.ID)
		if posguard.ErrorCode(err) == posguard.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, ch := range e.channels {
			out = append(out, posguard.QRBillSource{Channel: ch.Name, Kind: string(ch.Kind), AppID: ch.AppID, MerchantID: m.ID, MchID: w.MchID})
		}
	}
	return out, nil
}

// FetchBill asks src's channel for the bill of date (YYYY-MM-DD, UTC+8)
// and returns its CSV text. BILL_NOT_READY (the day has not begun at the
// channel) is ENOTFOUND; no trusted answer, or another refusal, is
// EUNAVAILABLE.
func (e *Engine) FetchBill(ctx context.Context, src posguard.QRBillSource, date string) ([]byte, error) {
	_, c, ok := e.channel(src.Channel)
	if !ok {
		return nil, posguard.Errorf(posguard.ENOTFOUND, "wallet channel %q is not configured", src.Channel)
	}
	a, err := c.Bill(ctx, wallet.BillRequest{MchID: src.MchID, Date: date})
	if err == nil && a.Code() == wallet.ErrBillNotReady {
		return nil, posguard.Errorf(posguard.ENOTFOUND, "bill of %s for %s: the channel's day %s has not begun", src.Channel, src.MerchantID, date)
	}
	if err == nil && !a.OK() {
		err = a.Err()
	}
	if err != nil {
		return nil, posguard.WrapError(posguard.EUNAVAILABLE, err, "bill of %s for %s (%s)", src.Channel, src.MerchantID, date)
	}
	return []byte(a.Bill), nil
}

// RepairCharge returns to the payer the money a channel's bill shows taken
// for order id, which posguard does not show succeeded (spec §3.8), or
// makes the order succeeded when it is still paying: the channel is queried
// first; a paying order it shows paid becomes succeeded; a failed or closed
// one gets a full internal refund, a reversed one its reversal again,
// unless the channel says it holds nothing for it any more. It returns one
// of the Charge* outcomes.
func (e *Engine) RepairCharge(ctx context.Context, id int64) (string, error) {
	o, err := e.Store.QROrder(ctx, id)
	if err != nil {
		return "", err
	}
	if o.State == posguard.QRSucceeded {
		return ChargeSucceeded, nil
	}
	a, qerr := e.client(o).Query(ctx, wallet.QueryRequest{MchID: e.mchID(ctx, o), OutTradeNo: o.OutTradeNo})
	trusted := qerr == nil && a.OK()
	held := trusted && (a.TradeState == wallet.StateSuccess || a.TradeState == wallet.StateRefund && a.RefundedAmount < a.Amount)
	notHeld := trusted && !held
	switch o.State {
	case posguard.QRPaying:
		if held {
			e.succeed(ctx, o, a.TransactionID, a.PaidAt, "reconciliation")
			if now, err := e.Store.QROrder(ctx, id); err == nil && now.State == posguard.QRSucceeded {
				return ChargeSucceeded, nil
			}
		}
		return ChargePaying, nil
	case posguard.QRReversed:
		if notHeld {
			return ChargeReturned, nil
		}
		if o.ReversalState == posguard.QRReversalPending {
			return ChargeReversing, nil
		}
		if _, err := e.update(ctx, posguard.QROrderUpdate{ID: o.ID, From: posguard.QRReversed, Task: ptr(posguard.QRTaskReverse),
			ReversalState: posguard.QRReversalPending, NextAttempt: e.Now()}); err != nil {
			return "", err
		}
		e.Logger.Warn("qr reconciliation: the channel still holds money for a reversed order: reversing again", "order", o.ID)
		return ChargeReverse, nil
	default: // failed, closed
		if notHeld {
			return ChargeReturned, nil
		}
		r, created, err := e.Store.CreateQRRefund(ctx, &posguard.QRRefund{OrderID: o.ID, MerchantID: o.MerchantID,
			OutRefundNo: "AUTO-" + OrderID(o.ID), Amount: o.Amount, Internal: true, RequestHash: "internal",
			Reason: "paid after posguard showed the order " + string(o.State)}, refundPrefix(e.prefix))
		if err != nil {
			return "", err
		}
		if created {
			e.changed(o.ID)
			wake(e.wakeRef)
			e.Logger.Warn("qr reconciliation: the channel took money for an order shown "+string(o.State)+": refunding in full",
				"order", o.ID, "refund", r.ID)
		}
		return ChargeRefund, nil
	}
}

// Repair states of ChargeRepairState.
const (
	RepairDone    = "done"
	RepairPending = "pending"
	RepairFailed  = "failed"
)

// ChargeRepairState says how far the repair of RepairCharge has got for
// order id: done (succeeded, refunded, or reversed and confirmed), pending,
// or failed (the internal refund failed: a person must act).
func (e *Engine) ChargeRepairState(ctx context.Context, id int64) (string, error) {
	o, err := e.Store.QROrder(ctx, id)
	if err != nil {
		return "", err
	}
	switch o.State {
	case posguard.QRSucceeded:
		return RepairDone, nil
	case posguard.QRPaying:
		return RepairPending, nil
	case posguard.QRReversed:
		if o.ReversalState == posguard.QRReversalDone && o.Task == posguard.QRTaskNone {
			return RepairDone, nil
		}
		return RepairPending, nil
	}
	refunds, err := e.Store.QRRefunds(ctx, o.ID)
	if err != nil {
		return "", err
	}
	for _, r := range refunds {
		if !r.Internal {
			continue
		}
		switch r.State {
		case posguard.QRRefundSucceeded:
			return RepairDone, nil
		case posguard.QRRefundFailed:
			return RepairFailed, nil
		}
	}
	return RepairPending, nil
}
