package sqlstore

import (
	"context"
	"fmt"
	"strconv"

	"github.com/posguard/posguard"
)

// UnpostedOrdersSQL and UnpostedRefundsSQL are the poster's reads; %s is
// the dialect's False. The condition is the partial indexes' predicate
// (qr_orders_unposted, qr_refunds_unposted) written with literals: with a
// parameter for the flag, PostgreSQL's generic plan walked the primary key
// over every order ever made, and the read grew with the table.
const (
	UnpostedOrdersSQL = `SELECT id, merchant_id, amount, paid_at, updated_at FROM qr_orders
		WHERE state = 'succeeded' AND posted = %s ORDER BY id LIMIT ?`
	UnpostedRefundsSQL = `SELECT id, order_id, merchant_id, amount, internal, updated_at FROM qr_refunds
		WHERE state = 'succeeded' AND posted = %s ORDER BY id LIMIT ?`
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
	}, fmt.Sprintf(UnpostedOrdersSQL, s.DB.D.False), pageLimit(limit, 50, 1000))
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
	}, fmt.Sprintf(UnpostedRefundsSQL, s.DB.D.False), pageLimit(limit, 50, 1000))
	return orders, refunds, err
}

// MarkQRPosted records that the ledger posted these orders and refunds,
// one statement per table: on PostgreSQL id = ANY of the list (a statement
// per row cost a round trip each on the committer's connection), on SQLite
// id IN the list's json_each (one prepared statement whatever the list's
// length, where a statement per row cost the driver's bind and step for
// each).
func (s *Store) MarkQRPosted(ctx context.Context, orderIDs, refundIDs []int64) error {
	return s.InGroupTx(ctx, "mark qr posted", func(ctx context.Context, tx *Tx) error {
		for _, m := range []struct {
			table string
			ids   []int64
		}{{"qr_orders", orderIDs}, {"qr_refunds", refundIDs}} {
			if len(m.ids) == 0 {
				continue
			}
			q, arg := `UPDATE `+m.table+` SET posted = ? WHERE id = ANY(?)`, any(m.ids)
			if s.DB.D.Name != "postgres" {
				q, arg = `UPDATE `+m.table+` SET posted = ? WHERE id IN (SELECT value FROM json_each(?))`, jsonIDs(m.ids)
			}
			if _, err := tx.Exec(ctx, "mark qr posted", q, true, arg); err != nil {
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
