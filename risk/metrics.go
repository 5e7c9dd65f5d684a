package risk

import "github.com/prometheus/client_golang/prometheus"

// riskHits counts recorded rule hits by rule and action (hit analytics per
// rule; the hits themselves are in the store).
var riskHits = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "posguard_risk_hits_total",
	Help: "Risk rule hits recorded, by rule and action.",
}, []string{"rule", "action"})

// Collectors returns the package's metrics for registration.
func Collectors() []prometheus.Collector { return []prometheus.Collector{riskHits} }
