package recon

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are reconciliation's Prometheus metrics (posguard_recon_*).
type Metrics struct {
	Runs       prometheus.Counter
	Lines      prometheus.Counter
	Matched    prometheus.Counter
	Exceptions *prometheus.CounterVec // by class
	Duration   prometheus.Histogram
}

// NewMetrics registers the metrics with reg (nil: not registered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Runs:    prometheus.NewCounter(prometheus.CounterOpts{Name: "posguard_recon_runs_total", Help: "Reconciliation runs made (re-runs of the same files not counted)."}),
		Lines:   prometheus.NewCounter(prometheus.CounterOpts{Name: "posguard_recon_lines_total", Help: "Clearing file lines reconciled."}),
		Matched: prometheus.NewCounter(prometheus.CounterOpts{Name: "posguard_recon_matched_total", Help: "Clearing file lines matched."}),
		Exceptions: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "posguard_recon_exceptions_total",
			Help: "Reconciliation exceptions found by new runs, by class."}, []string{"class"}),
		Duration: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "posguard_recon_run_seconds",
			Help: "Time to parse, match and report one run.", Buckets: prometheus.ExponentialBuckets(0.01, 4, 8)}),
	}
	if reg != nil {
		reg.MustRegister(m.Runs, m.Lines, m.Matched, m.Exceptions, m.Duration)
	}
	return m
}

func (m *Metrics) observe(r *Report, d time.Duration) {
	if m == nil {
		return
	}
	m.Runs.Inc()
	m.Lines.Add(float64(r.Lines))
	m.Matched.Add(float64(r.Matched))
	for _, e := range r.Exceptions {
		m.Exceptions.WithLabelValues(e.Class).Inc()
	}
	m.Duration.Observe(d.Seconds())
}
