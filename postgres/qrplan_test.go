package postgres

import (
	"fmt"
	"strings"
	"testing"

	"github.com/posguard/posguard/sqlstore"
)

// TestUnpostedQRPlans checks that the ledger poster's reads of succeeded,
// unposted QR orders and refunds use their partial indexes under the
// generic plan pgx's prepared statements end up with: with the posted flag
// as a parameter, PostgreSQL could not prove the index's predicate and
// walked the primary key over every order ever made.
func TestUnpostedQRPlans(t *testing.T) {
	s := openTest(t)
	defer s.Close()
	ctx := t.Context()
	if _, err := s.pool.Exec(ctx, `INSERT INTO qr_orders (merchant_id, out_order_no, request_hash, mode, amount, state, posted, created_at, updated_at)
		SELECT 'M' || (i % 20), 'o' || i, '', 'micropay', 100, 'succeeded', i < 19990, now(), now() FROM generate_series(1, 20000) AS i`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO qr_refunds (order_id, merchant_id, out_refund_no, request_hash, amount, state, posted, created_at, updated_at)
		SELECT i, 'M' || (i % 20), 'r' || i, '', 10, 'succeeded', i < 19990, now(), now() FROM generate_series(1, 20000) AS i`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.pool.Exec(ctx, `ANALYZE qr_orders; ANALYZE qr_refunds`); err != nil {
		t.Fatal(err)
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SET plan_cache_mode = force_generic_plan`); err != nil {
		t.Fatal(err)
	}
	for i, tc := range []struct{ query, index string }{
		{sqlstore.UnpostedOrdersSQL, "qr_orders_unposted"},
		{sqlstore.UnpostedRefundsSQL, "qr_refunds_unposted"},
	} {
		q := s.DB.Q(fmt.Sprintf(tc.query, s.DB.D.False))
		name := fmt.Sprintf("unposted_%d", i)
		if _, err := conn.Exec(ctx, "PREPARE "+name+" AS "+q); err != nil {
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
		if plan := strings.Join(lines, "\n"); !strings.Contains(plan, tc.index) {
			t.Errorf("generic plan does not use %s:\n%s", tc.index, plan)
		}
	}
}
