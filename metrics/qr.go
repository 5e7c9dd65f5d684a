package metrics

import (
	"context"
	"time"

	"github.com/posguard/posguard"
	"github.com/prometheus/client_golang/prometheus"
)

// QROrderBuckets are the upper bounds, in seconds, of the QR order
// duration histogram: from a quick micropay (tens of milliseconds) to a
// native order paid or closed after two hours (the longest expiry).
var QROrderBuckets = []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 7200}

// QR holds the QR payment metrics (posguard_qr_*). It implements the QR
// engine's Observer (qr.Observer): each final order, refund and
// notification attempt is counted where it happens, with no store access.
// Create it with NewQR; its methods are safe for concurrent use.
type QR struct {
	orders        *prometheus.CounterVec
	failures      *prometheus.CounterVec
	orderSeconds  *prometheus.HistogramVec
	refunds       *prometheus.CounterVec
	refundAmount  prometheus.Counter
	notifications *prometheus.CounterVec
}

// NewQR registers the QR metrics in reg and returns them.
func NewQR(reg prometheus.Registerer) *QR {
	q := &QR{
		orders: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "posguard_qr_orders_total",
			Help: "QR orders that reached a final state, by channel kind (wechat, alipay, unionpay, none when refused before routing) and state (succeeded, failed, closed, reversed).",
		}, []string{"channel", "state"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "posguard_qr_order_failures_total",
			Help: "QR orders that ended without payment (failed, closed, reversed), by channel kind and reason (qr.*, merchant.*, limit.*: the knowledge base's names).",
		}, []string{"channel", "reason"}),
		orderSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "posguard_qr_order_seconds",
			Help:    "Time from a QR order's creation to its final state, by mode.",
			Buckets: QROrderBuckets,
		}, []string{"mode"}),
		refunds: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "posguard_qr_refunds_total",
			Help: "QR refunds that reached a final state, by state (succeeded, failed) and kind (merchant, internal: money posguard returned on its own).",
		}, []string{"state", "kind"}),
		refundAmount: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "posguard_qr_refunded_fen_total",
			Help: "Money returned by succeeded QR refunds, in fen.",
		}),
		notifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "posguard_qr_notifications_total",
			Help: "Merchant notification delivery attempts, by result (delivered, failed, abandoned after 7 days).",
		}, []string{"result"}),
	}
	reg.MustRegister(q.orders, q.failures, q.orderSeconds, q.refunds, q.refundAmount, q.notifications)
	return q
}

// QROrderFinal counts an order that just became final.
func (q *QR) QROrderFinal(o *posguard.QROrder) {
	ch := o.Channel
	if ch == "" {
		ch = "none"
	}
	q.orders.WithLabelValues(ch, string(o.State)).Inc()
	if o.State != posguard.QRSucceeded {
		reason := o.Reason
		if reason == "" {
			reason = "unknown"
		}
		q.failures.WithLabelValues(ch, reason).Inc()
	}
	if !o.CreatedAt.IsZero() && !o.UpdatedAt.IsZero() {
		q.orderSeconds.WithLabelValues(string(o.Mode)).Observe(max(o.UpdatedAt.Sub(o.CreatedAt), 0).Seconds())
	}
}

// QRRefundFinal counts a refund that just succeeded or failed.
func (q *QR) QRRefundFinal(r *posguard.QRRefund) {
	kind := "merchant"
	if r.Internal {
		kind = "internal"
	}
	q.refunds.WithLabelValues(string(r.State), kind).Inc()
	if r.State == posguard.QRRefundSucceeded {
		q.refundAmount.Add(float64(r.Amount))
	}
}

// QRNoticeAttempt counts one merchant notification attempt.
func (q *QR) QRNoticeAttempt(result string) {
	q.notifications.WithLabelValues(result).Inc()
}

// QRQueues is a collector of the QR queues' sizes, read from the store at
// each scrape (a few indexed counts): posguard_qr_queue_depth{queue} and
// posguard_qr_queue_oldest_seconds{queue}, queue being query (paying
// orders waiting for their outcome), native, reverse (pending reversals),
// close (pending closes), refund (processing refunds) and notify (pending
// merchant notifications). Every instance sharing a database reports the
// same values.
type QRQueues struct {
	Store interface {
		QRQueueSizes(ctx context.Context) ([]posguard.QRQueueSize, error)
	}
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// Timeout bounds the store read of one scrape (default 2 s).
	Timeout time.Duration
}

// QRQueueNames are the queues QRQueues always reports (0 when empty).
var QRQueueNames = []string{"query", "native", "reverse", "close", "refund", "notify"}

var (
	qrQueueDepth = prometheus.NewDesc("posguard_qr_queue_depth",
		"QR work still to do at the channels or the merchants: orders by task (query, native, reverse, close), processing refunds (refund), pending merchant notifications (notify).",
		[]string{"queue"}, nil)
	qrQueueOldest = prometheus.NewDesc("posguard_qr_queue_oldest_seconds",
		"Age of the oldest item of a QR queue (from its creation), 0 when it is empty.", []string{"queue"}, nil)
	qrQueueUp = prometheus.NewDesc("posguard_qr_queue_read_ok",
		"1 when the last scrape could read the QR queues from the store, 0 when it failed.", nil, nil)
)

// Describe implements prometheus.Collector.
func (c *QRQueues) Describe(ch chan<- *prometheus.Desc) {
	ch <- qrQueueDepth
	ch <- qrQueueOldest
	ch <- qrQueueUp
}

// Collect implements prometheus.Collector.
func (c *QRQueues) Collect(ch chan<- prometheus.Metric) {
	to := c.Timeout
	if to <= 0 {
		to = 2 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), to)
	defer cancel()
	sizes, err := c.Store.QRQueueSizes(ctx)
	if err != nil {
		ch <- prometheus.MustNewConstMetric(qrQueueUp, prometheus.GaugeValue, 0)
		return
	}
	now := time.Now()
	if c.Now != nil {
		now = c.Now()
	}
	by := map[string]posguard.QRQueueSize{}
	for _, z := range sizes {
		by[z.Queue] = z
	}
	for _, name := range QRQueueNames {
		z := by[name]
		age := 0.0
		if z.Count > 0 && !z.Oldest.IsZero() {
			age = max(now.Sub(z.Oldest), 0).Seconds()
		}
		ch <- prometheus.MustNewConstMetric(qrQueueDepth, prometheus.GaugeValue, float64(z.Count), name)
		ch <- prometheus.MustNewConstMetric(qrQueueOldest, prometheus.GaugeValue, age, name)
	}
	ch <- prometheus.MustNewConstMetric(qrQueueUp, prometheus.GaugeValue, 1)
}
