package postgres

import (
	"fmt"
	"strings"
	"testing"

	"github.com/posguard/posguard/sqlstore"
)

// TestUnpostedQRPlans checks that the ledger poster's reads, under the
// generic plan pgx's prepared statements end up with, find the queued
// orders and refunds by their primary keys among many posted ones. The
// statistics are taken while the queues are empty, as on a busy server
// between autovacuum's runs: a join of queue and table was then planned as
// a merge join walking the whole primary key of qr_orders.
func TestUnpostedQRPlans(t *testing.T) {
	s := openTest(t)
	defer s.Close()
	ctx := t.Context()
	for _, q := range []string{
		`INSERT INTO qr_orders (merchant_id, out_order_no, request_hash, mode, amount, state, created_at, updated_at)
			SELECT 'M' || (i % 20), 'o' || i, '', 'micropay', 100, 'succeeded', now(), now() FROM generate_series(1, 20000) AS i`,
		`INSERT INTO qr_refunds (order_id, merchant_id, out_refund_no, request_hash, amount, state, created_at, updated_at)
			SELECT i, 'M' || (i % 20), 'r' || i, '', 10, 'succeeded', now(), now() FROM generate_series(1, 20000) AS i`,
		`ANALYZE qr_orders; ANALYZE qr_refunds; ANALYZE qr_unposted_orders; ANALYZE qr_unposted_refunds`,
		`INSERT INTO qr_unposted_orders (id) SELECT id FROM qr_orders WHERE id > 19990`,
		`INSERT INTO qr_unposted_refunds (id) SELECT id FROM qr_refunds WHERE id > 19990`,
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
		table string
	}{
		{sqlstore.UnpostedOrdersSQL, "qr_orders"},
		{sqlstore.UnpostedRefundsSQL, "qr_refunds"},
	} {
		name := fmt.Sprintf("unposted_%d", i)
		if _, err := conn.Exec(ctx, "PREPARE "+name+" AS "+s.DB.Q(tc.query[0])); err != nil {
			t.Fatal(err)
		}
		rows, err := conn.Query(ctx, "EXPLAIN EXECUTE "+name+"(100)")
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
		if !strings.Contains(plan, "Index Scan using "+tc.table+"_pkey") || !strings.Contains(plan, "Index Cond: (id = ANY") ||
			strings.Contains(plan, "Join") || strings.Contains(plan, "Seq Scan on "+tc.table+" ") {
			t.Errorf("generic plan does not find %s rows by the queued ids in %s_pkey:\n%s", tc.table, tc.table, plan)
		}
	}
}
