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
// names failures. An order the channel did not answer usably counts as
// Unavailable, and the Detector judges each channel kind on that share
// (incident wallet_channel_unavailable). Refunds and notification attempts are not failures of a
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
	if qrChannelUnavailable(o) {
		c.Unavailable = 1
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
	if a.Detector != nil && o.Channel != "" {
		// Only the channel is judged on QR orders: they have no card
		// prefix, and a terminal's network is judged on its reversals.
		a.Detector.observe(&dimKeys{merchant: o.MerchantID, channel: o.Channel}, c, now)
	}
}

// qrChannelUnavailable reports whether o ended unpaid because its channel
// did not answer usably: refused before processing (return_code FAIL), or
// reversed at the deadline while the channel's last answer was not the
// payer's pending confirmation (USERPAYING): a timeout, a bad signature, a
// SYSTEMERROR. These count as Unavailable (as 91/96/98 for cards) and are
// what the detector judges a channel on.
func qrChannelUnavailable(o *posguard.QROrder) bool {
	switch o.Reason {
	case posguard.ReasonQRChannelRejected:
		return true
	case posguard.ReasonQRNotConfirmed:
		e, ok := diagnosis.ChannelCodeIn(o.LastError)
		return !ok || e.Code != "USERPAYING"
	}
	return false
}

// QRRefundFinal implements the QR engine's Observer; refunds are not
// counted in failure rates.
func (a *Aggregator) QRRefundFinal(*posguard.QRRefund) {}

// QRNoticeAttempt implements the QR engine's Observer; notifications are
// not counted in failure rates.
func (a *Aggregator) QRNoticeAttempt(string) {}
