package qr

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/reversal"
	"github.com/posguard/posguard/wallet"
)

// notifyTimeout is how long a merchant's system has to answer (spec §4.5).
const notifyTimeout = 10 * time.Second

// MerchantNotification is the body posted to a merchant's notify_url.
type MerchantNotification struct {
	NotifyID  string      `json:"notify_id"`
	Event     string      `json:"event"`
	Timestamp int64       `json:"timestamp"`
	Order     OrderView   `json:"order"`
	Refund    *RefundView `json:"refund,omitempty"`
}

// RunNotices delivers merchant notifications until ctx ends.
func (e *Engine) RunNotices(ctx context.Context, poll time.Duration) {
	q := reversal.Queue[*posguard.QRNotice]{Due: e.Store.DueQRNotices, Attempt: e.deliver, Now: e.Now}
	reversal.Loop(ctx, poll, e.wakeNot, func(ctx context.Context) {
		if _, err := q.Drain(ctx); err != nil && ctx.Err() == nil {
			e.Logger.Error("qr notification queue", "err", err)
		}
	})
}

// NoticeBody builds the signed body of notification n.
func (e *Engine) NoticeBody(ctx context.Context, n *posguard.QRNotice) ([]byte, string, error) {
	o, err := e.Store.QROrder(ctx, n.OrderID)
	if err != nil {
		return nil, "", err
	}
	refunds, err := e.Store.QRRefunds(ctx, o.ID)
	if err != nil {
		return nil, "", err
	}
	m := MerchantNotification{NotifyID: NoticeID(n.ID), Event: n.Event, Timestamp: e.Now().Unix(), Order: ViewOrder(o, refunds, nil)}
	if n.RefundID != 0 {
		for _, r := range refunds {
			if r.ID == n.RefundID {
				v := ViewRefund(r)
				m.Refund = &v
			}
		}
	}
	body, err := json.Marshal(m)
	if err != nil {
		return nil, "", err
	}
	w, err := e.Store.MerchantWallet(ctx, o.MerchantID)
	if err != nil {
		return nil, "", err
	}
	return body, wallet.Sign(w.NotifyKey, body), nil
}

// deliver posts one notification and records the attempt: a 2xx within
// 10 s is a delivery; otherwise the next attempt follows the schedule, a
// case is opened after a day, and after seven days it is abandoned.
func (e *Engine) deliver(ctx context.Context, n *posguard.QRNotice) (bool, error) {
	body, sig, err := e.NoticeBody(ctx, n)
	if err != nil {
		return false, err
	}
	why := ""
	cctx, cancel := context.WithTimeout(ctx, notifyTimeout)
	req, err := http.NewRequestWithContext(cctx, http.MethodPost, n.URL, bytes.NewReader(body))
	if err == nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
		req.Header.Set(wallet.SignatureHeader, sig)
		var resp *http.Response
		resp, err = e.HTTP.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			if resp.StatusCode < 200 || resp.StatusCode > 299 {
				why = fmt.Sprintf("HTTP %d", resp.StatusCode)
			}
		}
	}
	cancel()
	if err != nil {
		why = err.Error()
	}
	if why == "" {
		if err := e.Store.QRNoticeAttempted(ctx, n.ID, true, time.Time{}, "", false, false); err != nil {
			return false, err
		}
		e.observeNotice(NoticeDelivered)
		e.changed(n.OrderID)
		return true, nil
	}
	now := e.Now()
	age := now.Sub(n.CreatedAt)
	abandon := age >= e.NotifyGiveUpAfter
	openCase := age >= e.NotifyCaseAfter && !n.CaseOpened
	next := now.Add(e.notifyDelay(n.Attempts))
	if err := e.Store.QRNoticeAttempted(ctx, n.ID, false, next, why, abandon, openCase); err != nil {
		return false, err
	}
	if abandon {
		e.observeNotice(NoticeAbandoned)
	} else {
		e.observeNotice(NoticeFailed)
	}
	e.changed(n.OrderID)
	if openCase {
		if o, err := e.Store.QROrder(ctx, n.OrderID); err == nil {
			e.openCase(ctx, o, "", fmt.Sprintf("notification %s to the merchant's notify_url undelivered for %s (last: %s); retries go on hourly",
				NoticeID(n.ID), age.Round(time.Minute), why))
		}
	}
	return false, posguard.Errorf(posguard.EUNAVAILABLE, "notification %s: %s", NoticeID(n.ID), why)
}

// notifyDelay is the wait after the (attempts+1)th failed delivery.
func (e *Engine) notifyDelay(attempts int) time.Duration {
	if attempts < len(e.NotifySchedule) {
		return e.NotifySchedule[attempts]
	}
	return e.NotifySchedule[len(e.NotifySchedule)-1]
}

// Run works the order, refund and notification queues until ctx ends.
// It first makes everything queued due at once (spec §3.6: paying orders
// resume querying, pending reversals, closes, refunds and notifications
// resume at once; a deadline passed while the host was down leads to the
// reversal at the first query).
func (e *Engine) Run(ctx context.Context) {
	if err := e.Store.ResumeQRQueues(ctx, e.Now()); err != nil {
		e.Logger.Error("qr: resume queues", "err", err)
	}
	done := make(chan struct{}, 3)
	// Due work is found within a fifth of a query interval (at most 1 s).
	poll := min(max(e.QueryEvery/5, 20*time.Millisecond), time.Second)
	go func() { e.RunOrders(ctx, poll); done <- struct{}{} }()
	go func() { e.RunRefunds(ctx, poll); done <- struct{}{} }()
	go func() { e.RunNotices(ctx, poll); done <- struct{}{} }()
	for range 3 {
		<-done
	}
}
