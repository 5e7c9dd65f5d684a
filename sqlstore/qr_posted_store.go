package sqlstore

import (
	"context"
	"strconv"

	"github.com/posguard/posguard"
)

// UnpostedOrdersSQL and UnpostedRefundsSQL are the poster's reads: the ids
// in qr_unposted_orders and qr_unposted_refunds, oldest first, with each
// one's row found by its primary key.
const (
	UnpostedOrdersSQL = `SELECT o.id, o.merchant_id, o.amount, o.paid_at, o.updated_at FROM qr_unposted_orders u
		JOIN qr_orders o ON o.id = u.id ORDER BY u.id LIMIT ?`
	UnpostedRefundsSQL = `SELECT r.id, r.order_id, r.merchant_id, r.amount, r.internal, r.updated_at FROM qr_unposted_refunds u
		JOIN qr_refunds r ON r.id = u.id ORDER BY u.id LIMIT ?`
)

// Inserts of an order's and a refund's id in the poster's queue, by the
// transaction that makes it succeeded. A second insert of an id still
// queued does nothing.
const (
	queueUnpostedOrderSQL  = `INSERT INTO qr_unposted_orders (id) VALUES (?) ON CONFLICT (id) DO NOTHING`
	queueUnpostedRefundSQL = `INSERT INTO qr_unposted_refunds (id) VALUES (?) ON CONFLICT (id) DO NOTHING`
)

// UnpostedQR returns succeeded orders and refunds not posted yet (see
// posguard.QRStore), with the fields a posting needs only: the poster
// reads every order once, and the other two thirds of a row's columns were
// most of what reading it cost (SQLite's driver fetches a row column by
// column).
func (s *Store) UnpostedQR(ctx context.Context, limit int) ([]*posguard.QROrder, []*posguard.QRRefund, error) {
	orders, err := queryAll(ctx, s.DB, "unposted qr orders", func(r Row) (*posguard.QROrder, error) {
		o := posguard.QROrder{State: posguard.QRSucceeded}
		var amount int64
		if err := r.Scan(&o.ID, &o.MerchantID, &amount, TimeCol(&o.PaidAt), TimeCol(&o.UpdatedAt)); err != nil {
			return nil, err
		}
		o.Amount = posguard.Amount(amount)
		return &o, nil
	}, UnpostedOrdersSQL, pageLimit(limit, 50, 1000))
	if err != nil {
		return nil, nil, err
	}
	refunds, err := queryAll(ctx, s.DB, "unposted qr refunds", func(r Row) (*posguard.QRRefund, error) {
		v := posguard.QRRefund{State: posguard.QRRefundSucceeded}
		var amount int64
		if err := r.Scan(&v.ID, &v.OrderID, &v.MerchantID, &amount, &v.Internal, TimeCol(&v.UpdatedAt)); err != nil {
			return nil, err
		}
		v.Amount = posguard.Amount(amount)
		return &v, nil
	}, UnpostedRefundsSQL, pageLimit(limit, 50, 1000))
	return orders, refunds, err
}

// MarkQRPosted records that the ledger posted these orders and refunds:
// their ids leave the poster's queue, one statement per table (on
// PostgreSQL id = ANY of the list, on SQLite id IN the list's json_each:
// one prepared statement whatever the list's length). The orders' and
// refunds' own rows are not written.
func (s *Store) MarkQRPosted(ctx context.Context, orderIDs, refundIDs []int64) error {
	return s.InGroupTx(ctx, "mark qr posted", func(ctx context.Context, tx *Tx) error {
		for _, m := range []struct {
			table string
			ids   []int64
		}{{"qr_unposted_orders", orderIDs}, {"qr_unposted_refunds", refundIDs}} {
			if len(m.ids) == 0 {
				continue
			}
			q, arg := `DELETE FROM `+m.table+` WHERE id = ANY(?)`, any(m.ids)
			if s.DB.D.Name != "postgres" {
				q, arg = `DELETE FROM `+m.table+` WHERE id IN (SELECT value FROM json_each(?))`, jsonIDs(m.ids)
			}
			if _, err := tx.Exec(ctx, "mark qr posted", q, arg); err != nil {
				return err
			}
		}
		return nil
	})
}

// jsonIDs is ids as a JSON array.
func jsonIDs(ids []int64) string {
	b := make([]byte, 0, len(ids)*8+2)
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(append(b, ']'))
}
