package qr

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/reversal"
	"github.com/posguard/posguard/wallet"
)

// micropayReasons are the final refusals of /pay/micropay (spec §3.2).
var micropayReasons = map[string]string{
	wallet.ErrAuthCodeExpire:  posguard.ReasonQRCodeExpired,
	wallet.ErrAuthCodeInvalid: posguard.ReasonQRCodeInvalid,
	wallet.ErrNotEnough:       posguard.ReasonQRInsufficient,
	wallet.ErrTradeError:      posguard.ReasonQRRefused,
	wallet.ErrOrderClosed:     posguard.ReasonQRClosedByChannel,
	wallet.ErrOrderReversed:   posguard.ReasonQRClosedByChannel,
}

// afterMicropay records the outcome of the one /pay/micropay of o and
// returns the order as recorded (nil when the record failed).
func (e *Engine) afterMicropay(ctx context.Context, o *posguard.QROrder, a *wallet.MicropayAnswer, err error) *posguard.QROrder {
	switch {
	case err != nil:
		return e.queryLater(ctx, o, err.Error())
	case a.OK():
		return e.succeed(ctx, o, a.TransactionID, a.PaidAt, "micropay")
	case a.Rejected():
		got := e.fail(ctx, o, posguard.ReasonQRChannelRejected)
		e.openCase(ctx, o, posguard.ReasonQRChannelRejected, fmt.Sprintf("the channel refused /pay/micropay: %s %s", a.ErrCode, a.ErrMsg))
		return got
	case micropayReasons[a.Code()] != "":
		return e.fail(ctx, o, micropayReasons[a.Code()])
	default: // USERPAYING, SYSTEMERROR, OUT_TRADE_NO_USED, other codes
		return e.queryLater(ctx, o, "micropay: "+a.Code())
	}
}

// queryLater keeps o paying with a query one interval from now.
func (e *Engine) queryLater(ctx context.Context, o *posguard.QROrder, why string) *posguard.QROrder {
	got, err := e.update(ctx, posguard.QROrderUpdate{ID: o.ID, From: posguard.QRPaying, Task: ptr(posguard.QRTaskQuery),
		NextAttempt: e.Now().Add(e.QueryEvery), LastError: &why, Known: o})
	e.logUpdate(o, err)
	return got
}

// succeed makes o succeeded (a trusted SUCCESS).
func (e *Engine) succeed(ctx context.Context, o *posguard.QROrder, txID, paidAt, how string) *posguard.QROrder {
	got, err := e.update(ctx, posguard.QROrderUpdate{ID: o.ID, From: posguard.QRPaying, State: posguard.QRSucceeded,
		TransactionID: txID, PaidAt: e.paidAt(paidAt), Task: ptr(posguard.QRTaskNone), LastError: ptr(""), Notify: true, Known: o})
	if err == nil {
		// Typed attributes: no value boxed, and nothing built when the
		// logger does not write Info.
		e.Logger.LogAttrs(ctx, slog.LevelInfo, "qr order succeeded", slog.Int64("order", o.ID), slog.String("out_trade_no", o.OutTradeNo), slog.String("by", how))
	}
	e.logUpdate(o, err)
	return got
}

// fail makes o failed with reason.
func (e *Engine) fail(ctx context.Context, o *posguard.QROrder, reason string) *posguard.QROrder {
	got, err := e.update(ctx, posguard.QROrderUpdate{ID: o.ID, From: posguard.QRPaying, State: posguard.QRFailed,
		Reason: reason, Task: ptr(posguard.QRTaskNone), Notify: true, Known: o})
	e.logUpdate(o, err)
	return got
}

func (e *Engine) logUpdate(o *posguard.QROrder, err error) {
	if err != nil && posguard.ErrorCode(err) != posguard.ECONFLICT {
		e.Logger.Error("qr: record order outcome", "order", o.ID, "err", err)
	}
}

// sendNative sends /pay/native for o (first time or again, same number).
func (e *Engine) sendNative(ctx context.Context, o *posguard.QROrder) {
	a, err := e.client(o).Native(ctx, wallet.NativeRequest{MchID: e.mchID(ctx, o), OutTradeNo: o.OutTradeNo, Amount: int64(o.Amount),
		Subject: o.Subject, ExpireSeconds: o.ExpireSeconds, NotifyURL: e.notifyURL(o.ChannelName)})
	now := e.Now()
	switch {
	case err == nil && a.OK():
		exp := o.ExpiresAt
		if t, err := time.Parse(time.RFC3339, a.ExpiresAt); err == nil {
			exp = t.UTC()
		}
		_, err := e.update(ctx, posguard.QROrderUpdate{ID: o.ID, From: posguard.QRPaying, CheckTask: true, FromTask: posguard.QRTaskNative,
			CodeURL: a.CodeURL, ExpiresAt: exp, Task: ptr(posguard.QRTaskQuery), NextAttempt: e.nativeNextQuery(exp), LastError: ptr("")})
		e.logUpdate(o, err)
	case err == nil && a.Rejected():
		e.fail(ctx, o, posguard.ReasonQRChannelRejected)
		e.openCase(ctx, o, posguard.ReasonQRChannelRejected, fmt.Sprintf("the channel refused /pay/native: %s %s", a.ErrCode, a.ErrMsg))
	case err == nil && a.Code() == wallet.ErrOrderPaid:
		_, err := e.update(ctx, posguard.QROrderUpdate{ID: o.ID, From: posguard.QRPaying, Task: ptr(posguard.QRTaskQuery), NextAttempt: now})
		e.logUpdate(o, err)
	case err == nil && (a.Code() == wallet.ErrOrderClosed || a.Code() == wallet.ErrOrderReversed):
		e.fail(ctx, o, posguard.ReasonQRClosedByChannel)
	default: // no trusted answer, SYSTEMERROR, OUT_TRADE_NO_USED…: send again
		why := "native: no trusted answer"
		if err != nil {
			why = err.Error()
		} else {
			why = "native: " + a.Code()
		}
		if !now.Before(o.ExpiresAt) {
			e.decideClose(ctx, o, why)
			return
		}
		_, err := e.update(ctx, posguard.QROrderUpdate{ID: o.ID, From: posguard.QRPaying, CheckTask: true, FromTask: posguard.QRTaskNative,
			Attempted: true, NextAttempt: now.Add(e.QueryEvery), LastError: &why})
		e.logUpdate(o, err)
	}
}

// nativeNextQuery is when a native order with a code_url is queried next:
// every three intervals while payable (notifications may be lost), and at
// its expiry.
func (e *Engine) nativeNextQuery(exp time.Time) time.Time {
	next := e.Now().Add(3 * e.QueryEvery)
	if !exp.IsZero() && exp.Before(next) {
		return exp
	}
	return next
}

// decideClose commits the decision to close o (it stays paying until the
// channel answers).
func (e *Engine) decideClose(ctx context.Context, o *posguard.QROrder, why string) {
	_, err := e.update(ctx, posguard.QROrderUpdate{ID: o.ID, From: posguard.QRPaying, Task: ptr(posguard.QRTaskClose),
		NextAttempt: e.Now(), LastError: &why})
	e.logUpdate(o, err)
}

// RunOrders works the order queue until ctx ends.
func (e *Engine) RunOrders(ctx context.Context, poll time.Duration) {
	q := reversal.Queue[*posguard.QROrder]{Due: e.Store.DueQROrders, Attempt: e.attemptOrder, Now: e.Now}
	reversal.Loop(ctx, poll, e.wakeOrd, func(ctx context.Context) {
		if _, err := q.Drain(ctx); err != nil && ctx.Err() == nil {
			e.Logger.Error("qr order queue", "err", err)
		}
	})
}

// attemptOrder does o's task once.
func (e *Engine) attemptOrder(ctx context.Context, o *posguard.QROrder) (bool, error) {
	switch o.Task {
	case posguard.QRTaskQuery:
		return e.query(ctx, o)
	case posguard.QRTaskNative:
		if !e.Now().Before(o.ExpiresAt) {
			e.decideClose(ctx, o, "expired before the channel gave a code_url")
			return false, nil
		}
		e.sendNative(ctx, o)
		return false, nil
	case posguard.QRTaskReverse:
		return e.reverse(ctx, o)
	case posguard.QRTaskClose:
		return e.close(ctx, o)
	}
	return false, nil
}

// query asks the channel for o's state (spec §3.3, §3.4).
func (e *Engine) query(ctx context.Context, o *posguard.QROrder) (bool, error) {
	if o.State != posguard.QRPaying {
		_, err := e.update(ctx, posguard.QROrderUpdate{ID: o.ID, Task: ptr(posguard.QRTaskNone)})
		return true, err
	}
	a, err := e.client(o).Query(ctx, wallet.QueryRequest{MchID: e.mchID(ctx, o), OutTradeNo: o.OutTradeNo})
	why := ""
	switch {
	case err != nil:
		why = err.Error()
	case a.OK():
		switch a.TradeState {
		case wallet.StateSuccess, wallet.StateRefund:
			e.succeed(ctx, o, a.TransactionID, a.PaidAt, "query")
			return true, nil
		case wallet.StatePayError:
			e.fail(ctx, o, posguard.ReasonQRRefused)
			return true, nil
		case wallet.StateClosed, wallet.StateRevoked:
			e.fail(ctx, o, posguard.ReasonQRClosedByChannel)
			return true, nil
		}
		why = "query: " + a.TradeState
	default:
		why = "query: " + a.Code()
	}
	now := e.Now()
	if o.Mode == posguard.QRMicropay {
		if !now.Before(o.Deadline) {
			// The deadline: from now on no answer makes it succeeded.
			_, err := e.update(ctx, posguard.QROrderUpdate{ID: o.ID, From: posguard.QRPaying, State: posguard.QRReversed,
				Reason: posguard.ReasonQRNotConfirmed, Task: ptr(posguard.QRTaskReverse), ReversalState: posguard.QRReversalPending,
				NextAttempt: now, LastError: &why, Notify: true})
			if err == nil {
				e.Logger.Warn("qr order not confirmed by its deadline: reversing", "order", o.ID, "out_trade_no", o.OutTradeNo, "last", why)
			}
			return false, err
		}
		_, err := e.update(ctx, posguard.QROrderUpdate{ID: o.ID, From: posguard.QRPaying, Attempted: true,
			NextAttempt: now.Add(e.QueryEvery), LastError: &why})
		return false, err
	}
	if !now.Before(o.ExpiresAt) {
		e.decideClose(ctx, o, why)
		return false, nil
	}
	_, err = e.update(ctx, posguard.QROrderUpdate{ID: o.ID, From: posguard.QRPaying, Attempted: true,
		NextAttempt: e.nativeNextQuery(o.ExpiresAt), LastError: &why})
	return false, err
}

// reverse sends /pay/reverse until the channel says it is done.
func (e *Engine) reverse(ctx context.Context, o *posguard.QROrder) (bool, error) {
	a, err := e.client(o).Reverse(ctx, wallet.ReverseRequest{MchID: e.mchID(ctx, o), OutTradeNo: o.OutTradeNo})
	if err == nil && a.Done() {
		_, err := e.update(ctx, posguard.QROrderUpdate{ID: o.ID, CheckTask: true, FromTask: posguard.QRTaskReverse,
			Task: ptr(posguard.QRTaskNone), Attempted: true, ReversalState: posguard.QRReversalDone, LastError: ptr("")})
		if err == nil {
			e.Logger.Info("qr reversal done", "order", o.ID, "out_trade_no", o.OutTradeNo, "attempts", o.Attempts+1)
		}
		return err == nil, err
	}
	why := "reverse: recall Y"
	if err != nil {
		why = err.Error()
	} else if !a.OK() {
		why = "reverse: " + a.Code()
	}
	return false, e.retry(ctx, o, posguard.QRTaskReverse, why, "reversal not confirmed by the channel after %d attempts; retries go on")
}

// close sends /pay/close until a trusted answer.
func (e *Engine) close(ctx context.Context, o *posguard.QROrder) (bool, error) {
	a, err := e.client(o).Close(ctx, wallet.CloseRequest{MchID: e.mchID(ctx, o), OutTradeNo: o.OutTradeNo})
	switch {
	case err == nil && (a.OK() || a.Code() == wallet.ErrOrderReversed):
		_, err := e.update(ctx, posguard.QROrderUpdate{ID: o.ID, From: posguard.QRPaying, CheckTask: true, FromTask: posguard.QRTaskClose,
			State: posguard.QRClosed, Reason: posguard.ReasonQRExpired, Task: ptr(posguard.QRTaskNone), Attempted: true, LastError: ptr(""), Notify: true})
		return err == nil, err
	case err == nil && a.Code() == wallet.ErrOrderPaid:
		_, err := e.update(ctx, posguard.QROrderUpdate{ID: o.ID, From: posguard.QRPaying, Task: ptr(posguard.QRTaskQuery), NextAttempt: e.Now(),
			LastError: ptr("close: ORDERPAID")})
		return false, err
	}
	why := "close: no trusted answer"
	if err != nil {
		why = err.Error()
	} else {
		why = "close: " + a.Code()
	}
	return false, e.retry(ctx, o, posguard.QRTaskClose, why, "close not confirmed by the channel after %d attempts; retries go on")
}

// retry records a failed reverse or close attempt with the next try after
// 2 s, 4 s, 8 s… at most 60 s, and opens a case once at MaxAttempts.
func (e *Engine) retry(ctx context.Context, o *posguard.QROrder, task posguard.QRTask, why, caseTitle string) error {
	n := o.Attempts + 1
	u := posguard.QROrderUpdate{ID: o.ID, CheckTask: true, FromTask: task, Attempted: true,
		NextAttempt: e.Now().Add(reversal.Backoff(n, retryBase, retryMax, true)), LastError: &why}
	if n >= e.MaxAttempts && !o.CaseOpened {
		u.CaseOpened = true
	}
	got, err := e.update(ctx, u)
	if err != nil {
		return err
	}
	if u.CaseOpened {
		e.openCase(ctx, got, "", fmt.Sprintf(caseTitle, n)+" (last: "+why+")")
	}
	return posguard.Errorf(posguard.EUNAVAILABLE, "qr order %d: %s", o.ID, why)
}
