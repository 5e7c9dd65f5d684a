package sqlstore

import (
	"context"

	"github.com/posguard/posguard"
)

// UnpostedQR returns succeeded orders and refunds not posted yet (see
// posguard.QRStore).
func (s *Store) UnpostedQR(ctx context.Context, limit int) ([]*posguard.QROrder, []*posguard.QRRefund, error) {
	orders, err := queryAll(ctx, s.DB, "unposted qr orders", scanQROrder, `SELECT `+QROrderColumns+` FROM qr_orders
		WHERE state = 'succeeded' AND posted = ? ORDER BY id LIMIT ?`, false, pageLimit(limit, 50, 1000))
	if err != nil {
		return nil, nil, err
	}
	refunds, err := queryAll(ctx, s.DB, "unposted qr refunds", scanQRRefund, `SELECT `+QRRefundColumns+` FROM qr_refunds
		WHERE state = 'succeeded' AND posted = ? ORDER BY id LIMIT ?`, false, pageLimit(limit, 50, 1000))
	return orders, refunds, err
}

// MarkQRPosted records that the ledger posted these orders and refunds.
// On PostgreSQL each table takes one statement (id = ANY of the list): a
// statement per row cost a round trip each on the committer's connection.
// SQLite runs its prepared statement per row (no round trip to save).
func (s *Store) MarkQRPosted(ctx context.Context, orderIDs, refundIDs []int64) error {
	return s.InGroupTx(ctx, "mark qr posted", func(ctx context.Context, tx *Tx) error {
		if s.DB.D.Name == "postgres" {
			for _, m := range []struct {
				table string
				ids   []int64
			}{{"qr_orders", orderIDs}, {"qr_refunds", refundIDs}} {
				if len(m.ids) == 0 {
					continue
				}
				if _, err := tx.Exec(ctx, "mark qr posted", `UPDATE `+m.table+` SET posted = ? WHERE id = ANY(?)`, true, m.ids); err != nil {
					return err
				}
			}
			return nil
		}
		for _, id := range orderIDs {
			if _, err := tx.Exec(ctx, "mark qr posted", `UPDATE qr_orders SET posted = ? WHERE id = ?`, true, id); err != nil {
				return err
			}
		}
		for _, id := range refundIDs {
			if _, err := tx.Exec(ctx, "mark qr posted", `UPDATE qr_refunds SET posted = ? WHERE id = ?`, true, id); err != nil {
				return err
			}
		}
		return nil
	})
}
