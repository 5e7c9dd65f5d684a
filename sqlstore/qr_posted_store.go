package sqlstore

import (
	"context"
	"strconv"

	"github.com/posguard/posguard"
)

// UnpostedOrdersSQL and UnpostedRefundsSQL are the poster's reads, for
// PostgreSQL [0] and SQLite [1]: a page of ids from qr_unposted_orders or
// qr_unposted_refunds, oldest first, and their rows found by primary key.
// On PostgreSQL the ids are an array (= ANY(ARRAY(…))), so the rows are
// always an index scan keyed by the ids: written as a join, the generic
// plan merged the queue with qr_orders_pkey walked from the first order
// ever made (10 ms a poll within a 10 s bench, growing with the table).
// SQLite searches the rowid for each id of the IN list.
var (
	UnpostedOrdersSQL = [2]string{
		`SELECT id, merchant_id, amount, paid_at, updated_at FROM qr_orders
		WHERE id = ANY(ARRAY(SELECT id FROM qr_unposted_orders ORDER BY id LIMIT ?)) ORDER BY id`,
		`SELECT id, merchant_id, amount, paid_at, updated_at FROM qr_orders
		WHERE id IN (SELECT id FROM qr_unposted_orders ORDER BY id LIMIT ?) ORDER BY id`,
	}
	UnpostedRefundsSQL = [2]string{
		`SELECT id, order_id, merchant_id, amount, internal, updated_at FROM qr_refunds
		WHERE id = ANY(ARRAY(SELECT id FROM qr_unposted_refunds ORDER BY id LIMIT ?)) ORDER BY id`,
		`SELECT id, order_id, merchant_id, amount, internal, updated_at FROM qr_refunds
		WHERE id IN (SELECT id FROM qr_unposted_refunds ORDER BY id LIMIT ?) ORDER BY id`,
	}
)

// dialectSQL is q[0] on PostgreSQL, q[1] on SQLite.
func (s *Store) dialectSQL(q [2]string) string {
	if s.DB.D.Name == "postgres" {
		return q[0]
	}
	return q[1]
}

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
	}, s.dialectSQL(UnpostedOrdersSQL), pageLimit(limit, 50, 1000))
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
	}, s.dialectSQL(UnpostedRefundsSQL), pageLimit(limit, 50, 1000))
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
