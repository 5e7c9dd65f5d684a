package qr

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/reversal"
	"github.com/posguard/posguard/wallet"
)

// RefundInput is a merchant's refund request (spec §4.4), syntax checked.
type RefundInput struct {
	OutRefundNo string
	Amount      int64
	Reason      string
	Hash        string
}

// Refund journals a refund of order o (reserving its amount), sends it and
// waits up to Wait for a final state. created is false for a repeat with
// the same content (answered as it is); ECONFLICT for a repeat with other
// content, an order that is not succeeded, or an amount above what is
// refundable ("amount: …"). No refund is recorded and the channel is not
// called in those cases.
func (e *Engine) Refund(ctx context.Context, o *posguard.QROrder, in RefundInput) (*posguard.QRRefund, bool, error) {
	start := e.Now()
	r, created, err := e.Store.CreateQRRefund(ctx, &posguard.QRRefund{OrderID: o.ID, MerchantID: o.MerchantID, OutRefundNo: in.OutRefundNo,
		Amount: posguard.Amount(in.Amount), Reason: in.Reason, RequestHash: in.Hash}, refundPrefix(e.prefix))
	if err != nil {
		return nil, false, err
	}
	if !created {
		if r.OrderID != o.ID || r.RequestHash != in.Hash {
			return nil, false, posguard.Errorf(posguard.ECONFLICT, "out_refund_no %s: already used with other content", in.OutRefundNo)
		}
	} else {
		e.changed(o.ID)
		if _, err := e.attemptRefund(context.WithoutCancel(ctx), r); err != nil {
			e.Logger.Warn("qr refund not final yet", "refund", r.ID, "err", err)
		}
	}
	left := e.Wait - e.Now().Sub(start)
	if left < 0 {
		left = 0
	}
	got, err := e.WaitRefund(ctx, r, left)
	return got, created, err
}

// refundPrefix is the refund numbers' prefix: PR + the store's 6 characters.
func refundPrefix(p string) string { return "PR" + p }

// RunRefunds works the refund queue until ctx ends.
func (e *Engine) RunRefunds(ctx context.Context, poll time.Duration) {
	q := reversal.Queue[*posguard.QRRefund]{Due: e.Store.DueQRRefunds, Attempt: e.attemptRefund, Now: e.Now}
	reversal.Loop(ctx, poll, e.wakeRef, func(ctx context.Context) {
		if _, err := q.Drain(ctx); err != nil && ctx.Err() == nil {
			e.Logger.Error("qr refund queue", "err", err)
		}
	})
}

// attemptRefund sends the refund or asks for its state (spec §3.5).
func (e *Engine) attemptRefund(ctx context.Context, r *posguard.QRRefund) (bool, error) {
	o, err := e.Store.QROrder(ctx, r.OrderID)
	if err != nil {
		return false, err
	}
	c := e.client(o)
	mch := e.mchID(ctx, o)
	var a *wallet.RefundAnswer
	if r.Task == posguard.QRRefundTaskQuery {
		a, err = c.RefundQuery(ctx, wallet.RefundQueryRequest{MchID: mch, OutTradeNo: o.OutTradeNo, OutRefundNo: r.RefundNo})
		x := refundExchange(posguard.QRExchangeRefundQuery, a, err)
		switch {
		case err != nil:
		case a.OK() && a.RefundState == wallet.RefundSuccess:
			return e.refundDone(ctx, r, posguard.QRRefundSucceeded, "", a.RefundID, x)
		case a.OK() && a.RefundState == wallet.RefundFail:
			return e.refundDone(ctx, r, posguard.QRRefundFailed, posguard.ReasonQRRefundFailed, a.RefundID, x)
		case !a.OK() && !a.Rejected() && a.Code() == wallet.ErrRefundNotExist:
			// Never arrived: send the same refund again, now.
			_, err := e.updateRefund(ctx, posguard.QRRefundUpdate{ID: r.ID, From: posguard.QRRefundProcessing, Task: ptr(posguard.QRRefundTaskSend),
				Attempted: true, NextAttempt: e.Now(), LastError: ptr("refund query: REFUNDNOTEXIST"), Exchange: x})
			return false, err
		}
	} else {
		a, err = c.Refund(ctx, wallet.RefundRequest{MchID: mch, OutTradeNo: o.OutTradeNo, OutRefundNo: r.RefundNo,
			RefundAmount: int64(r.Amount), Reason: truncate(r.Reason, 80)})
		x := refundExchange(posguard.QRExchangeRefund, a, err)
		switch {
		case err != nil:
		case a.OK() && a.RefundState == wallet.RefundSuccess:
			return e.refundDone(ctx, r, posguard.QRRefundSucceeded, "", a.RefundID, x)
		case a.OK() && a.RefundState == wallet.RefundFail:
			return e.refundDone(ctx, r, posguard.QRRefundFailed, posguard.ReasonQRRefundFailed, a.RefundID, x)
		case a.Rejected():
			ok, err := e.refundDone(ctx, r, posguard.QRRefundFailed, posguard.ReasonQRChannelRejected, "", x)
			e.openCase(ctx, o, posguard.ReasonQRChannelRejected, fmt.Sprintf("the channel refused /pay/refund %s: %s %s", r.RefundNo, a.ErrCode, a.ErrMsg))
			return ok, err
		case a.Code() == wallet.ErrRefundExceeded:
			return e.refundDone(ctx, r, posguard.QRRefundFailed, posguard.ReasonQRRefundExceeds, "", x)
		case a.Code() == wallet.ErrTradeStateError || a.Code() == wallet.ErrOrderNotExist ||
			a.Code() == wallet.ErrOrderReversed || a.Code() == wallet.ErrOrderClosed:
			return e.refundDone(ctx, r, posguard.QRRefundFailed, posguard.ReasonQRRefundState, "", x)
		}
	}
	// PROCESSING, SYSTEMERROR, OUT_REFUND_NO_USED, no trusted answer: ask
	// /pay/refund/query later (2 s, 4 s, … at most 60 s).
	why := "refund: no trusted answer"
	switch {
	case err != nil:
		why = err.Error()
	case a.OK():
		why = "refund: " + a.RefundState
	default:
		why = "refund: " + a.Code()
	}
	request := posguard.QRExchangeRefund
	if r.Task == posguard.QRRefundTaskQuery {
		request = posguard.QRExchangeRefundQuery
	}
	_, uerr := e.updateRefund(ctx, posguard.QRRefundUpdate{ID: r.ID, From: posguard.QRRefundProcessing, Task: ptr(posguard.QRRefundTaskQuery),
		Attempted: true, NextAttempt: e.Now().Add(reversal.Backoff(r.Attempts+1, retryBase, retryMax, true)), LastError: &why,
		Exchange: refundExchange(request, a, err)})
	if uerr != nil {
		return false, uerr
	}
	return false, posguard.Errorf(posguard.EUNAVAILABLE, "qr refund %d: %s", r.ID, why)
}

// refundExchange is the history entry of one request about a refund and
// the channel's answer a (or err, when there was no trusted answer).
func refundExchange(request string, a *wallet.RefundAnswer, err error) *posguard.QRRefundExchange {
	label := "refund"
	if request == posguard.QRExchangeRefundQuery {
		label = "refund query"
	}
	x := &posguard.QRRefundExchange{Request: request}
	switch {
	case err != nil:
		x.Answer = label + ": " + err.Error()
	case a.OK():
		x.Answer = label + ": " + a.RefundState
	case a.Rejected():
		x.Answer = label + ": " + strings.TrimSpace("return_code FAIL "+a.ErrCode)
	default:
		x.Answer = label + ": " + a.Code()
	}
	return x
}

// refundDone records a refund's final state and the exchange that gave it.
func (e *Engine) refundDone(ctx context.Context, r *posguard.QRRefund, st posguard.QRRefundState, reason, refundID string, x *posguard.QRRefundExchange) (bool, error) {
	_, err := e.updateRefund(ctx, posguard.QRRefundUpdate{ID: r.ID, From: posguard.QRRefundProcessing, State: st, FailReason: reason,
		RefundID: refundID, Task: ptr(posguard.QRTaskNone), Attempted: true, LastError: ptr(""), Notify: true, Exchange: x})
	if posguard.ErrorCode(err) == posguard.ECONFLICT {
		return true, nil
	}
	if err == nil {
		e.Logger.Info("qr refund final", "refund", r.ID, "order", r.OrderID, "state", st, "reason", reason)
	}
	return err == nil, err
}

// updateRefund applies u and wakes the order's waiters.
func (e *Engine) updateRefund(ctx context.Context, u posguard.QRRefundUpdate) (*posguard.QRRefund, error) {
	r, err := e.Store.UpdateQRRefund(ctx, u)
	if err == nil {
		e.observeRefund(r, &u)
		e.changed(r.OrderID)
		if u.Notify {
			wake(e.wakeNot)
		}
		if u.Task != nil && *u.Task != posguard.QRTaskNone {
			wake(e.wakeRef)
		}
	}
	return r, err
}
