package postgres

import (
	"fmt"
	"strings"
	"testing"

	"github.com/posguard/posguard/sqlstore"
)

// TestQROrderKeysPlans checks that the reads through qr_order_keys
// (migration 0128: the order queue and the search by channel transaction
// id), under the generic plan pgx's prepared statements end up with, take
// their ids from qr_order_keys' partial indexes and find the orders by
// primary key, never scanning qr_orders, among 20,000 orders of which a
// few are queued, with statistics taken before any was.
func TestQROrderKeysPlans(t *testing.T) {
	s := openTest(t)
	defer s.Close()
	ctx := t.Context()
	for _, q := range []string{
		`INSERT INTO qr_orders (merchant_id, out_order_no, request_hash, mode, amount, state, out_trade_no, transaction_id, created_at, updated_at)
			SELECT 'M' || (i % 20), 'o' || i, '', 'micropay', 100, 'succeeded', 'PG' || lpad(i::text, 12, '0'), '42' || i, now(), now()
			FROM generate_series(1, 20000) AS i`,
		`INSERT INTO qr_order_keys (id, transaction_id) SELECT id, transaction_id FROM qr_orders`,
		`ANALYZE qr_orders; ANALYZE qr_order_keys`,
		`UPDATE qr_orders SET task = 'query', next_attempt = now() WHERE id > 19990`,
		`UPDATE qr_order_keys SET due = now() WHERE id > 19990`,
	} {
		if _, err := s.pool.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SET plan_cache_mode = force_generic_plan`); err != nil {
		t.Fatal(err)
	}
	for i, tc := range []struct {
		query [2]string
		args  string
		uses  []string
	}{
		{sqlstore.DueQROrdersSQL, "(now(), 100)", []string{"qr_order_keys_due", "Index Scan using qr_orders_pkey"}},
		{sqlstore.QROrdersByChannelNoSQL, "('4219995', '4219995')", []string{"qr_order_keys_transaction", "qr_orders_trade", "Index Scan using qr_orders_pkey"}},
	} {
		name := fmt.Sprintf("keys_%d", i)
		if _, err := conn.Exec(ctx, "PREPARE "+name+" AS "+s.DB.Q(tc.query[0])); err != nil {
			t.Fatal(err)
		}
		rows, err := conn.Query(ctx, "EXPLAIN EXECUTE "+name+tc.args)
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			lines = append(lines, line)
		}
		rows.Close()
		plan := strings.Join(lines, "\n")
		for _, u := range tc.uses {
			if !strings.Contains(plan, u) {
				t.Errorf("generic plan of query %d does not use %s:\n%s", i, u, plan)
			}
		}
		if strings.Contains(plan, "Seq Scan on qr_orders ") || strings.Contains(plan, "Join") {
			t.Errorf("generic plan of query %d scans or joins qr_orders:\n%s", i, plan)
		}
	}
}
