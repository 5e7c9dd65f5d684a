package posguard

import (
	"context"
	"time"
)

// QRSearchStore finds QR orders by the numbers people quote (the channel's
// transaction id or posguard's out_trade_no), reads orders and refunds by
// id in bulk (statements), and sizes the QR queues (metrics). sqlstore
// implements it beside QRStore.
type QRSearchStore interface {
	// QROrdersByChannelNo returns the orders whose channel transaction_id
	// or out_trade_no is no, newest first, at most limit; only merchant
	// merchantID's when it is not empty. An empty no finds nothing.
	QROrdersByChannelNo(ctx context.Context, merchantID, no string, limit int) ([]*QROrder, error)
	// QROrdersByIDs returns the orders with these ids (missing ones are
	// left out), keyed by id.
	QROrdersByIDs(ctx context.Context, ids []int64) (map[int64]*QROrder, error)
	// QRRefundsByIDs returns the refunds with these ids, keyed by id.
	QRRefundsByIDs(ctx context.Context, ids []int64) (map[int64]*QRRefund, error)
	// QRQueueSizes counts the work the QR queues still have: orders by
	// task (query, native, reverse, close), processing refunds and pending
	// notifications, with the creation time of the oldest of each (zero
	// when none).
	QRQueueSizes(ctx context.Context) ([]QRQueueSize, error)
}

// QRQueueSize is the size of one QR queue: Queue is "query", "native",
// "reverse", "close" (orders' tasks), "refund" or "notify".
type QRQueueSize struct {
	Queue  string
	Count  int
	Oldest time.Time
}
