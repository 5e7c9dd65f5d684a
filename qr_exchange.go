package posguard

import "time"

// Requests about a refund that posguard sends to a wallet channel.
const (
	QRExchangeRefund      = "refund"       // /pay/refund
	QRExchangeRefundQuery = "refund_query" // /pay/refund/query
)

// QRRefundExchange is one request posguard sent to the channel about a
// refund and the answer it got, kept for good: a refund's history is every
// exchange, not just the last answer (docs/qr.md, "Refund history").
// Answer is what the channel said in the form the refund's last_error uses:
// "refund: SUCCESS", "refund query: PROCESSING", "refund: SYSTEMERROR", or
// why there was no trusted answer ("refund: bad signature", a timeout).
type QRRefundExchange struct {
	ID         int64
	RefundID   int64
	OrderID    int64
	MerchantID string
	Request    string // QRExchangeRefund or QRExchangeRefundQuery
	Answer     string
	At         time.Time
}
