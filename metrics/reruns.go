package metrics

import "github.com/prometheus/client_golang/prometheus"

// AuthReruns is posguard_api_version_reruns_total, read from count: the
// API requests served at the instance's last known cache version that were
// run again because a change had moved the version on (access.Auth.Reruns;
// docs/qr.md, "Caches").
func AuthReruns(count func() uint64) prometheus.Collector {
	return prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "posguard_api_version_reruns_total",
		Help: "API requests served at the instance's last known cache version (QR orders and refunds) that were run again from the start because the cache version had moved on; nothing of the first run was written.",
	}, func() float64 { return float64(count()) })
}
