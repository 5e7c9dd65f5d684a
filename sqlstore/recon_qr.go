package sqlstore

import (
	"context"
	"time"

	"github.com/posguard/posguard"
)

// QR reconciliation reads (posguard.ReconQRStore) over the QR tables of
// migration 0050: orders by their number at the channel (index
// qr_orders_trade), refunds by order (qr_refunds_order), and two scans of a
// day — succeeded orders by paid_at, succeeded refunds by their last change —
// made once per run, whatever the number of bills.

var _ posguard.ReconQRStore = (*Store)(nil)

// ReconQR returns the store's QR reconciliation side.
func (s *Store) ReconQR() posguard.ReconQRStore { return s }

// QROrdersByTradeNo implements posguard.ReconQRStore.
func (s *Store) QROrdersByTradeNo(ctx context.Context, nos []string) ([]*posguard.QROrder, error) {
	return queryIn(ctx, s.DB, "qr orders by number", scanQROrder, `SELECT `+QROrderColumns+` FROM qr_orders WHERE out_trade_no IN (`, nos)
}

// PaidQROrders implements posguard.ReconQRStore.
func (s *Store) PaidQROrders(ctx context.Context, from, to time.Time, f func(*posguard.QROrder) error) error {
	return eachRow(ctx, s.DB, "paid qr orders", scanQROrder, f, `SELECT `+QROrderColumns+` FROM qr_orders WHERE state = 'succeeded' AND paid_at >= ? AND paid_at < ?`,
		s.T(from.UTC()), s.T(to.UTC()))
}

// QRRefundsOf implements posguard.ReconQRStore.
func (s *Store) QRRefundsOf(ctx context.Context, orderIDs []int64) ([]*posguard.QRRefund, error) {
	return queryIn(ctx, s.DB, "qr refunds of orders", scanQRRefund, `SELECT `+QRRefundColumns+` FROM qr_refunds WHERE order_id IN (`, orderIDs)
}

// SucceededQRRefunds implements posguard.ReconQRStore.
func (s *Store) SucceededQRRefunds(ctx context.Context, from, to time.Time, f func(*posguard.QRRefund) error) error {
	return eachRow(ctx, s.DB, "succeeded qr refunds", scanQRRefund, f, `SELECT `+QRRefundColumns+` FROM qr_refunds WHERE state = 'succeeded' AND updated_at >= ? AND updated_at < ?`,
		s.T(from.UTC()), s.T(to.UTC()))
}
