package qr

import (
	"context"
	"fmt"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/wallet"
)

// ChannelNotification takes one notification of channel (spec §2.6) and
// returns the HTTP status and return_msg to answer: 200 only once the
// payment is durably recorded (a repeat is a no-op, still 200); 401 for a
// signature that does not verify, 404 for an unknown channel or order, 400
// for a body that is not a notification or whose mch_id or amount differ
// from the order's (that opens a case); 503 when the store fails.
func (e *Engine) ChannelNotification(ctx context.Context, channel string, body []byte, sig string) (int, string) {
	// The channels are read from the store (one seeded after start is
	// known here too); a store that does not answer is a 503, whatever
	// the channel.
	chs, err := e.Store.WalletChannels(ctx)
	if err != nil {
		return 503, "store unavailable"
	}
	var ch wallet.Channel
	for _, c := range chs {
		if c.Name == channel {
			ch = wallet.Channel{Name: c.Name, Kind: wallet.Kind(c.Kind), URL: c.URL, AppID: c.AppID, Key: wallet.Key(c.Key)}
		}
	}
	if ch.Name == "" {
		return 404, "unknown channel"
	}
	n, err := wallet.DecodeNotification(ch.Key, body, sig)
	if err != nil {
		if posguard.ErrorCode(err) == posguard.EUNAUTHORIZED {
			return 401, "signature missing or wrong"
		}
		return 400, posguard.ErrorMessage(err)
	}
	if n.AppID != ch.AppID {
		return 400, "app_id is not this channel's"
	}
	o, err := e.Store.QROrderByTradeNo(ctx, n.OutTradeNo)
	if err != nil && posguard.ErrorCode(err) != posguard.ENOTFOUND {
		return 503, "store unavailable"
	}
	if posguard.ErrorCode(err) == posguard.ENOTFOUND || (err == nil && o.ChannelName != channel) {
		return 404, "unknown out_trade_no"
	}
	if err != nil {
		return 503, "store unavailable"
	}
	if mch := e.mchID(ctx, o); n.MchID != mch || n.Amount != int64(o.Amount) {
		e.openCase(ctx, o, "", fmt.Sprintf("a payment notification disagrees with the order (mch_id %s, amount %d fen; the order: %s, %d fen)",
			n.MchID, n.Amount, mch, o.Amount))
		return 400, "mch_id or amount differ from the order's"
	}
	for range 3 {
		switch o.State {
		case posguard.QRSucceeded:
			return 200, ""
		case posguard.QRPaying:
			_, err := e.update(ctx, posguard.QROrderUpdate{ID: o.ID, From: posguard.QRPaying, State: posguard.QRSucceeded,
				TransactionID: n.TransactionID, PaidAt: e.paidAt(n.PaidAt), Task: ptr(posguard.QRTaskNone), LastError: ptr(""), Notify: true})
			if err == nil {
				e.Logger.Info("qr order succeeded", "order", o.ID, "out_trade_no", o.OutTradeNo, "by", "notification")
				return 200, ""
			}
			if posguard.ErrorCode(err) != posguard.ECONFLICT {
				return 503, "store unavailable"
			}
			if o, err = e.Store.QROrder(ctx, o.ID); err != nil {
				return 503, "store unavailable"
			}
		default:
			if err := e.latePayment(ctx, o, n); err != nil {
				return 503, "store unavailable"
			}
			return 200, ""
		}
	}
	return 503, "order changing; try again"
}

// latePayment handles a trusted payment notification for an order posguard
// shows closed, failed or reversed (spec §3.4): a case is opened and the
// money goes back to the payer, by a full refund (closed, failed) or by the
// reversal, sent again (reversed).
func (e *Engine) latePayment(ctx context.Context, o *posguard.QROrder, n *wallet.Notification) error {
	if o.State == posguard.QRReversed {
		if o.Task != posguard.QRTaskReverse {
			if _, err := e.update(ctx, posguard.QROrderUpdate{ID: o.ID, From: posguard.QRReversed, Task: ptr(posguard.QRTaskReverse),
				ReversalState: posguard.QRReversalPending, NextAttempt: e.Now()}); err != nil {
				return err
			}
		}
	} else {
		r, created, err := e.Store.CreateQRRefund(ctx, &posguard.QRRefund{OrderID: o.ID, MerchantID: o.MerchantID,
			OutRefundNo: "AUTO-" + OrderID(o.ID), Amount: o.Amount, Internal: true, RequestHash: "internal",
			Reason: "paid after posguard showed the order " + string(o.State)}, refundPrefix(e.prefix))
		if err != nil {
			return err
		}
		if created {
			e.changed(o.ID)
			wake(e.wakeRef)
			e.Logger.Warn("qr payment notified for an order shown "+string(o.State)+": refunding in full", "order", o.ID, "refund", r.ID)
		}
	}
	if !o.CaseOpened {
		if _, err := e.update(ctx, posguard.QROrderUpdate{ID: o.ID, CaseOpened: true}); err == nil {
			e.openCase(ctx, o, "", fmt.Sprintf("the channel notified a payment (%s) for an order shown %s; the money is being returned to the payer",
				n.TransactionID, o.State))
		}
	}
	return nil
}
