package host

import (
	"github.com/posguard/posguard"
	"github.com/posguard/posguard/metrics"
	"github.com/posguard/posguard/qr"
)

// observeQR makes the QR engine tell the QR metrics (posguard_qr_*) and the
// failure analytics about each final order, refund and notification
// attempt, and registers the collector of the QR queues' sizes when the
// store can count them.
func (h *Host) observeQR(st posguard.QRStore) {
	obs := qr.Observers{metrics.NewQR(h.Metrics.Registry())}
	if h.aggregator != nil {
		obs = append(obs, h.aggregator)
	}
	h.QR.Observer = obs
	if s, ok := st.(posguard.QRSearchStore); ok {
		h.Metrics.Registry().MustRegister(&metrics.QRQueues{Store: s})
	}
}
