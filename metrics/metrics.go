package metrics

import (
	nethttp "net/http"
	"time"

	"github.com/posguard/posguard"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// DurationBuckets are the upper bounds, in seconds, of the answer latency
// histogram: from half a millisecond to thirty seconds (beyond any upstream
// timeout).
var DurationBuckets = []float64{
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
	0.25, 0.5, 1, 2.5, 5, 10, 30,
}

// Metrics holds posguard's collectors and the registry they are registered
// in. Create it with New; its methods are safe for concurrent use.
type Metrics struct {
	reg *prometheus.Registry

	transactions *prometheus.CounterVec
	duration     *prometheus.HistogramVec

	connections      prometheus.Gauge
	connectionsTotal prometheus.Counter

	upstreamConns       prometheus.Gauge
	upstreamOutstanding prometheus.Gauge

	reversalAttempts *prometheus.CounterVec
	reversalDepth    prometheus.Gauge
	reversalOldest   prometheus.Gauge

	frameErrors *prometheus.CounterVec
}

// New returns Metrics registered in a fresh registry, which also carries the
// Go runtime and process collectors.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		transactions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "posguard_transactions_total",
			Help: "Terminal requests answered, by transaction type and field 39 response code.",
		}, []string{"type", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "posguard_transaction_duration_seconds",
			Help:    "Time from receiving a terminal request to having its answer, by transaction type.",
			Buckets: DurationBuckets,
		}, []string{"type"}),
		connections: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "posguard_terminal_connections",
			Help: "Terminal TCP connections currently open.",
		}),
		connectionsTotal: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "posguard_terminal_connections_total",
			Help: "Terminal TCP connections accepted since start.",
		}),
		upstreamConns: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "posguard_upstream_connections",
			Help: "Connections to the card network currently up.",
		}),
		upstreamOutstanding: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "posguard_upstream_outstanding",
			Help: "Requests sent to the card network and still waiting for an answer.",
		}),
		reversalAttempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "posguard_reversal_attempts_total",
			Help: "Upstream reversal attempts, by result (acknowledged, or the error code of a failed attempt).",
		}, []string{"result"}),
		reversalDepth: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "posguard_reversal_queue_depth",
			Help: "Reversals pending in the store-and-forward queue.",
		}),
		reversalOldest: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "posguard_reversal_oldest_seconds",
			Help: "Age of the oldest pending reversal, 0 when the queue is empty.",
		}),
		frameErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "posguard_frame_errors_total",
			Help: "Terminal frames that could not be read or decoded, by kind.",
		}, []string{"kind"}),
	}
	m.reg.MustRegister(
		m.transactions, m.duration,
		m.connections, m.connectionsTotal,
		m.upstreamConns, m.upstreamOutstanding,
		m.reversalAttempts, m.reversalDepth, m.reversalOldest,
		m.frameErrors,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// Registry returns the registry the metrics live in, so other components
// may register collectors of their own.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus exposition format.
func (m *Metrics) Handler() nethttp.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Answered counts one answered terminal request and observes its latency.
// It implements the switch's Observer. A missing response counts with code
// "none"; a missing request with type "unknown".
func (m *Metrics) Answered(req *posguard.TerminalRequest, resp *posguard.TerminalResponse, elapsed time.Duration) {
	typ := "unknown"
	if req != nil && req.Type != "" {
		typ = string(req.Type)
	}
	code := "none"
	if resp != nil && resp.Code != "" {
		code = resp.Code
	}
	m.transactions.WithLabelValues(typ, code).Inc()
	m.duration.WithLabelValues(typ).Observe(elapsed.Seconds())
}

// ConnState records a terminal connection opening (open true: the gauge
// rises and the total counts it) or closing (the gauge falls).
func (m *Metrics) ConnState(open bool) {
	if open {
		m.connections.Inc()
		m.connectionsTotal.Inc()
		return
	}
	m.connections.Dec()
}

// UpstreamState sets the number of live card-network connections and of
// requests waiting for an answer.
func (m *Metrics) UpstreamState(connected, outstanding int) {
	m.upstreamConns.Set(float64(connected))
	m.upstreamOutstanding.Set(float64(outstanding))
}

// ReversalAttempt counts one upstream reversal attempt: result
// "acknowledged" when err is nil, otherwise err's posguard error code
// (timeout, unavailable, internal…), which keeps the label set small.
func (m *Metrics) ReversalAttempt(err error) {
	result := "acknowledged"
	if err != nil {
		result = posguard.ErrorCode(err)
	}
	m.reversalAttempts.WithLabelValues(result).Inc()
}

// ReversalQueue sets the reversal queue's depth and the age of its oldest
// pending entry.
func (m *Metrics) ReversalQueue(depth int, oldest time.Duration) {
	if depth <= 0 {
		oldest = 0
	}
	m.reversalDepth.Set(float64(depth))
	m.reversalOldest.Set(oldest.Seconds())
}

// FrameError counts a terminal frame that failed, by kind (for example
// "length", "tpdu", "decode", "mac"). Callers must use a small fixed set of
// kinds: each distinct kind is a new series.
func (m *Metrics) FrameError(kind string) {
	if kind == "" {
		kind = "unknown"
	}
	m.frameErrors.WithLabelValues(kind).Inc()
}
