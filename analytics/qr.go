package analytics

import (
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/diagnosis"
)

// QR orders in the failure analytics. The Aggregator is the QR engine's
// Observer (qr.Observer): each order that becomes final counts once, like
// one answered card request, under its merchant, its terminal (when the
// order names one), its channel kind (DimChannel), its cause category and,
// when it was not paid, its reason under DimCode (qr.insufficient,
// qr.code_expired, merchant.frozen…: each channel error code maps to one
// reason, spec §4.6). A paid order has no code key, as the code dimension
// names failures. Refunds and notification attempts are not failures of a
// payment and are not counted here (metrics count them).

// QRCategory returns the cause category of a final QR order: success when
// paid, else its reason's entry in the knowledge base ("unknown" when the
// reason has none).
func QRCategory(o *posguard.QROrder) string {
	if o.State == posguard.QRSucceeded {
		return diagnosis.CategorySuccess
	}
	if e, ok := diagnosis.Lookup(o.Reason); ok && o.Reason != "" {
		return e.Category
	}
	return "unknown"
}

// QROrderFinal counts an order that just became final. It never blocks on
// the store.
func (a *Aggregator) QROrderFinal(o *posguard.QROrder) {
	now := a.now()
	c := posguard.Counts{Total: 1}
	keys := dimKeys{merchant: o.MerchantID, terminal: o.TerminalID, channel: o.Channel, category: QRCategory(o)}
	if o.State != posguard.QRSucceeded {
		c.Failed = 1
		keys.code = o.Reason
		if keys.code == "" {
			keys.code = "unknown"
		}
	}
	ak := answerKey{keys, posguard.WindowMinute.Bucket(now).Unix()}
	a.mu.Lock()
	if a.pending == nil {
		a.pending = map[answerKey]*posguard.Counts{}
		a.seen = map[string]time.Time{}
	}
	p := a.pending[ak]
	if p == nil {
		p = &posguard.Counts{}
		a.pending[ak] = p
	}
	p.Add(c)
	a.mu.Unlock()
}

// QRRefundFinal implements the QR engine's Observer; refunds are not
// counted in failure rates.
func (a *Aggregator) QRRefundFinal(*posguard.QRRefund) {}

// QRNoticeAttempt implements the QR engine's Observer; notifications are
// not counted in failure rates.
func (a *Aggregator) QRNoticeAttempt(string) {}
