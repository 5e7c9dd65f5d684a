package postgres

import (
	"context"
	"testing"

	"github.com/posguard/posguard/storetest"
)

// TestQRUnpostedMigration upgrades a schema whose QR orders and refunds
// carry the posted flag to migration 0127 and checks that exactly the
// succeeded, unposted ones are what the ledger's poster reads, and that
// the flag and its partial indexes are gone.
func TestQRUnpostedMigration(t *testing.T) {
	ctx := context.Background()
	u, conn, exec := schemaBefore(t, "0127")
	defer conn.Close(ctx)
	exec(`INSERT INTO qr_orders (id, merchant_id, out_order_no, request_hash, mode, amount, state, posted, created_at, updated_at)
		VALUES (1, 'M1', 'a', '', 'micropay', 100, 'succeeded', true, now(), now()), (2, 'M1', 'b', '', 'micropay', 100, 'succeeded', false, now(), now()),
		(3, 'M1', 'c', '', 'micropay', 100, 'paying', false, now(), now()), (4, 'M1', 'd', '', 'micropay', 100, 'failed', false, now(), now()),
		(5, 'M1', 'e', '', 'micropay', 100, 'succeeded', false, now(), now())`)
	exec(`INSERT INTO qr_refunds (id, order_id, merchant_id, out_refund_no, request_hash, amount, state, posted, created_at, updated_at)
		VALUES (1, 1, 'M1', 'r1', '', 10, 'succeeded', false, now(), now()), (2, 1, 'M1', 'r2', '', 10, 'succeeded', true, now(), now()),
		(3, 2, 'M1', 'r3', '', 10, 'processing', false, now(), now())`)

	s, err := Open(ctx, u, storetest.NewSealer())
	if err != nil {
		t.Fatalf("open (migrate): %v", err)
	}
	defer s.Close()
	uo, ur, err := s.QR().UnpostedQR(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(uo) != 2 || uo[0].ID != 2 || uo[1].ID != 5 || len(ur) != 1 || ur[0].ID != 1 {
		t.Fatalf("unposted after 0127: %d orders, %d refunds; want orders 2 and 5, refund 1", len(uo), len(ur))
	}
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name IN ('qr_orders', 'qr_refunds') AND column_name = 'posted'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("%d posted columns left", n)
	}
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() AND indexname LIKE '%unposted'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("%d unposted partial indexes left", n)
	}
}
