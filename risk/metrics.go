package risk

import "github.com/prometheus/client_golang/prometheus"

// riskHits counts recorded rule hits.
var riskHits = prometheus.NewCounter(prometheus.CounterOpts{
	Name: "posguard_risk_hits_total",
	Help: "Risk rule hits recorded.",
})

// Collectors returns the package's metrics for registration.
func Collectors() []prometheus.Collector { return []prometheus.Collector{riskHits} }
