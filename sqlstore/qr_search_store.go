package sqlstore

import (
	"context"
	"time"

	"github.com/posguard/posguard"
)

// The QR search store (posguard.QRSearchStore): orders by a channel
// number, orders and refunds by id in bulk, the QR queues' sizes.

// QROrdersByChannelNo returns the orders whose transaction_id or
// out_trade_no is no (see posguard.QRSearchStore). Both numbers are read
// by indexes (QROrdersByChannelNoSQL), and the merchant's condition is
// written so that no database prefers the merchant's index, which would
// read every order of the merchant (SQLite has no statistics to know
// better); a channel number matches a handful of orders at most.
func (s *Store) QROrdersByChannelNo(ctx context.Context, merchantID, no string, limit int) ([]*posguard.QROrder, error) {
	if no == "" {
		return []*posguard.QROrder{}, nil
	}
	a := Args{List: []any{no, no}}
	q := s.dialectSQL(QROrdersByChannelNoSQL)
	if merchantID != "" {
		q += ` AND merchant_id || '' = ` + a.Add(merchantID)
	}
	return queryAll(ctx, s.DB, "qr orders by channel number", scanQROrder, q+` ORDER BY id DESC LIMIT `+a.Add(pageLimit(limit, 50, 1000)), a.List...)
}

// QROrdersByChannelNoSQL is QROrdersByChannelNo's read without its
// merchant, order and limit, for PostgreSQL [0] and SQLite [1]. On
// PostgreSQL the transaction id is looked up in qr_order_keys (its partial
// index; migration 0128 took it out of qr_orders' indexes) and the
// out_trade_no in qr_orders_trade, and the orders are found by primary
// key, the ids an array (= ANY(ARRAY(…))) so that the plan is an index
// scan keyed by them whatever the statistics. On SQLite the
// transaction_id term repeats the partial index qr_orders_transaction's
// condition (a bound value does not prove it).
var QROrdersByChannelNoSQL = [2]string{
	`SELECT ` + QROrderColumns + ` FROM qr_orders WHERE id = ANY(ARRAY(SELECT id FROM qr_order_keys
		WHERE transaction_id = ? AND transaction_id <> '' UNION ALL SELECT id FROM qr_orders WHERE out_trade_no = ?))`,
	`SELECT ` + QROrderColumns + ` FROM qr_orders WHERE ((transaction_id = ? AND transaction_id <> '') OR out_trade_no = ?)`,
}

// QROrdersByIDs returns the orders with these ids, keyed by id.
func (s *Store) QROrdersByIDs(ctx context.Context, ids []int64) (map[int64]*posguard.QROrder, error) {
	return queryByKey(ctx, s.DB, "qr orders by id", scanQROrder, `SELECT `+QROrderColumns+` FROM qr_orders WHERE id IN (`, ids,
		func(o *posguard.QROrder) int64 { return o.ID })
}

// QRRefundsByIDs returns the refunds with these ids, keyed by id.
func (s *Store) QRRefundsByIDs(ctx context.Context, ids []int64) (map[int64]*posguard.QRRefund, error) {
	return queryByKey(ctx, s.DB, "qr refunds by id", scanQRRefund, `SELECT `+QRRefundColumns+` FROM qr_refunds WHERE id IN (`, ids,
		func(r *posguard.QRRefund) int64 { return r.ID })
}

// QRQueueSizes counts the QR queues' work (see posguard.QRSearchStore).
// The reads use the queues' partial indexes (on PostgreSQL the orders'
// is qr_order_keys_due, on SQLite qr_orders_due; the refunds' task <> ”,
// the notices' state pending).
func (s *Store) QRQueueSizes(ctx context.Context) ([]posguard.QRQueueSize, error) {
	out := []posguard.QRQueueSize{}
	read := func(op, q string, args ...any) error {
		got, err := queryAll(ctx, s.DB, op, func(r Row) (z posguard.QRQueueSize, err error) {
			return z, r.Scan(&z.Queue, &z.Count, TimeCol(&z.Oldest))
		}, q, args...)
		out = append(out, got...)
		return err
	}
	if err := read("qr order queues", s.dialectSQL(qrOrderQueuesSQL)); err != nil {
		return nil, err
	}
	if err := read("qr refund queue", `SELECT 'refund', count(*), min(created_at) FROM qr_refunds WHERE task <> '' AND state = ?`,
		string(posguard.QRRefundProcessing)); err != nil {
		return nil, err
	}
	if err := read("qr notice queue", `SELECT 'notify', count(*), min(created_at) FROM qr_notices WHERE state = ?`,
		posguard.QRNoticePending); err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Count == 0 {
			out[i].Oldest = time.Time{}
		}
	}
	return out, nil
}

// qrOrderQueuesSQL counts the orders by task, for PostgreSQL [0] and
// SQLite [1].
var qrOrderQueuesSQL = [2]string{
	`SELECT o.task, count(*), min(o.created_at) FROM qr_order_keys k JOIN qr_orders o ON o.id = k.id
		WHERE k.due IS NOT NULL AND o.task <> '' GROUP BY o.task ORDER BY o.task`,
	`SELECT task, count(*), min(created_at) FROM qr_orders WHERE task <> '' GROUP BY task ORDER BY task`,
}

var _ posguard.QRSearchStore = (*Store)(nil)
