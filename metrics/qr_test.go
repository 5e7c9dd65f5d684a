package metrics_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/metrics"
	"github.com/posguard/posguard/qr"
)

// QR is the QR engine's observer.
var _ qr.Observer = (*metrics.QR)(nil)

// TestQRMetrics: final orders by channel and state, failures by reason,
// the duration histogram, refunds and notification attempts.
func TestQRMetrics(t *testing.T) {
	m := metrics.New()
	q := metrics.NewQR(m.Registry())
	t0 := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	order := func(ch string, st posguard.QRState, reason string, took time.Duration) *posguard.QROrder {
		return &posguard.QROrder{Channel: ch, Mode: posguard.QRMicropay, State: st, Reason: reason, CreatedAt: t0, UpdatedAt: t0.Add(took)}
	}
	q.QROrderFinal(order("wechat", posguard.QRSucceeded, "", 80*time.Millisecond))
	q.QROrderFinal(order("wechat", posguard.QRSucceeded, "", 3*time.Second))
	q.QROrderFinal(order("wechat", posguard.QRFailed, posguard.ReasonQRInsufficient, 90*time.Millisecond))
	q.QROrderFinal(order("alipay", posguard.QRReversed, posguard.ReasonQRNotConfirmed, 31*time.Second))
	q.QROrderFinal(order("", posguard.QRFailed, posguard.ReasonQRCodeUnknown, 0))
	q.QRRefundFinal(&posguard.QRRefund{State: posguard.QRRefundSucceeded, Amount: 300})
	q.QRRefundFinal(&posguard.QRRefund{State: posguard.QRRefundSucceeded, Amount: 1000, Internal: true})
	q.QRRefundFinal(&posguard.QRRefund{State: posguard.QRRefundFailed, Amount: 50})
	q.QRNoticeAttempt(qr.NoticeFailed)
	q.QRNoticeAttempt(qr.NoticeFailed)
	q.QRNoticeAttempt(qr.NoticeDelivered)

	got := scrape(t, m)
	for name, want := range map[string]float64{
		`posguard_qr_orders_total{channel="wechat",state="succeeded"}`:                 2,
		`posguard_qr_orders_total{channel="wechat",state="failed"}`:                    1,
		`posguard_qr_orders_total{channel="alipay",state="reversed"}`:                  1,
		`posguard_qr_orders_total{channel="none",state="failed"}`:                      1,
		`posguard_qr_order_failures_total{channel="wechat",reason="qr.insufficient"}`:  1,
		`posguard_qr_order_failures_total{channel="alipay",reason="qr.not_confirmed"}`: 1,
		`posguard_qr_order_failures_total{channel="none",reason="qr.code_unknown"}`:    1,
		`posguard_qr_order_seconds_count{mode="micropay"}`:                             5,
		`posguard_qr_order_seconds_bucket{mode="micropay",le="0.1"}`:                   3,
		`posguard_qr_order_seconds_bucket{mode="micropay",le="5"}`:                     4,
		`posguard_qr_refunds_total{kind="merchant",state="succeeded"}`:                 1,
		`posguard_qr_refunds_total{kind="internal",state="succeeded"}`:                 1,
		`posguard_qr_refunds_total{kind="merchant",state="failed"}`:                    1,
		`posguard_qr_refunded_fen_total`:                                               1300,
		`posguard_qr_notifications_total{result="failed"}`:                             2,
		`posguard_qr_notifications_total{result="delivered"}`:                          1,
	} {
		if got[name] != want {
			t.Errorf("%s = %v, want %v", name, got[name], want)
		}
	}
	if _, ok := got[`posguard_qr_order_failures_total{channel="wechat",reason=""}`]; ok {
		t.Error("a succeeded order counted as a failure")
	}
}

// queueStore answers fixed queue sizes, or an error.
type queueStore struct {
	sizes []posguard.QRQueueSize
	err   error
}

func (s queueStore) QRQueueSizes(context.Context) ([]posguard.QRQueueSize, error) {
	return s.sizes, s.err
}

// TestQRQueues: the collector reports every queue (0 when empty), the age
// of each queue's oldest item, and whether the store could be read.
func TestQRQueues(t *testing.T) {
	now := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	m := metrics.New()
	st := &queueStore{sizes: []posguard.QRQueueSize{{Queue: "reverse", Count: 3, Oldest: now.Add(-90 * time.Second)}, {Queue: "notify", Count: 1, Oldest: now.Add(-time.Hour)}}}
	m.Registry().MustRegister(&metrics.QRQueues{Store: st, Now: func() time.Time { return now }})
	got := scrape(t, m)
	for name, want := range map[string]float64{
		`posguard_qr_queue_depth{queue="reverse"}`:          3,
		`posguard_qr_queue_oldest_seconds{queue="reverse"}`: 90,
		`posguard_qr_queue_depth{queue="notify"}`:           1,
		`posguard_qr_queue_oldest_seconds{queue="notify"}`:  3600,
		`posguard_qr_queue_depth{queue="close"}`:            0,
		`posguard_qr_queue_oldest_seconds{queue="close"}`:   0,
		`posguard_qr_queue_depth{queue="query"}`:            0,
		`posguard_qr_queue_read_ok`:                         1,
	} {
		v, ok := got[name]
		if !ok || v != want {
			t.Errorf("%s = %v (present %v), want %v", name, v, ok, want)
		}
	}
	st.err = errors.New("store down")
	got = scrape(t, m)
	if got[`posguard_qr_queue_read_ok`] != 0 {
		t.Error("a failed read is not reported")
	}
	if _, ok := got[`posguard_qr_queue_depth{queue="reverse"}`]; ok {
		t.Error("a failed read still reports depths")
	}
}
