package sqlstore

import (
	"context"
	"time"

	"github.com/posguard/posguard"
)

// QRDailyUsage sums a merchant's succeeded and paying orders created in
// [from, to) (see posguard.QRStore).
func (s *Store) QRDailyUsage(ctx context.Context, merchantID string, from, to time.Time) (posguard.Amount, int, error) {
	used, n, err := s.qrDailyUsage(ctx, s.DB, merchantID, from, to)
	if err != nil {
		return 0, 0, s.DB.Err(err, "qr daily usage")
	}
	return used, n, nil
}

// qrDailyUsage is QRDailyUsage on q (inside a transaction: what it sees).
func (s *Store) qrDailyUsage(ctx context.Context, q Reader, merchantID string, from, to time.Time) (posguard.Amount, int, error) {
	var sum int64
	var n int
	err := q.QueryRow(ctx, `SELECT coalesce(sum(amount), 0), count(*) FROM qr_orders
		WHERE merchant_id = ? AND state IN (?, ?) AND created_at >= ? AND created_at < ?`,
		merchantID, string(posguard.QRSucceeded), string(posguard.QRPaying), s.T(from.UTC()), s.T(to.UTC())).Scan(&sum, &n)
	if err != nil {
		return 0, 0, err
	}
	return posguard.Amount(sum), n, nil
}
