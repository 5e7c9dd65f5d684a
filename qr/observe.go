package qr

import (
	"github.com/posguard/posguard"
)

// Observer is told what the engine finished: each order reaching a final
// state (once, by the instance that made the change), each refund reaching
// succeeded or failed, each merchant notification attempt. Metrics and
// failure analytics implement it. Its methods are called on the engine's
// path, after the store committed: they must be quick and never block.
type Observer interface {
	// QROrderFinal sees an order just after it became final.
	QROrderFinal(o *posguard.QROrder)
	// QRRefundFinal sees a refund just after it succeeded or failed.
	QRRefundFinal(r *posguard.QRRefund)
	// QRNoticeAttempt sees one delivery attempt of a merchant
	// notification: result is "delivered", "failed" or "abandoned".
	QRNoticeAttempt(result string)
}

// Observers tells each of its observers.
type Observers []Observer

// QROrderFinal implements Observer.
func (os Observers) QROrderFinal(o *posguard.QROrder) {
	for _, x := range os {
		x.QROrderFinal(o)
	}
}

// QRRefundFinal implements Observer.
func (os Observers) QRRefundFinal(r *posguard.QRRefund) {
	for _, x := range os {
		x.QRRefundFinal(r)
	}
}

// QRNoticeAttempt implements Observer.
func (os Observers) QRNoticeAttempt(result string) {
	for _, x := range os {
		x.QRNoticeAttempt(result)
	}
}

// Notification attempt results.
const (
	NoticeDelivered = "delivered"
	NoticeFailed    = "failed"
	NoticeAbandoned = "abandoned"
)

// observeOrder tells the observer about o when update u made it final: u
// moved it from paying to a final state (every final transition names
// From paying, so exactly one update per order does).
func (e *Engine) observeOrder(o *posguard.QROrder, u *posguard.QROrderUpdate) {
	if e.Observer == nil || o == nil || !o.State.Final() {
		return
	}
	if u != nil && (u.From != posguard.QRPaying || !u.State.Final()) {
		return
	}
	e.Observer.QROrderFinal(o)
}

// observeRefund tells the observer about r when update u made it final.
func (e *Engine) observeRefund(r *posguard.QRRefund, u *posguard.QRRefundUpdate) {
	if e.Observer == nil || r == nil || u.From != posguard.QRRefundProcessing ||
		(u.State != posguard.QRRefundSucceeded && u.State != posguard.QRRefundFailed) {
		return
	}
	e.Observer.QRRefundFinal(r)
}

// observeNotice tells the observer about one notification attempt.
func (e *Engine) observeNotice(result string) {
	if e.Observer != nil {
		e.Observer.QRNoticeAttempt(result)
	}
}
