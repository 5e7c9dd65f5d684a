package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/storetest"
)

// TestQROrderKeysMigration upgrades a schema with queued and paid QR
// orders to migration 0128 and checks that the store finds the queued ones (one row each in qr_order_keys)
// due at their next attempt and the paid ones by the channel's transaction
// id through the new tables, that the two indexes they replace are gone,
// and that qr_orders leaves room in its pages for HOT updates.
func TestQROrderKeysMigration(t *testing.T) {
	ctx := context.Background()
	u, conn, exec := schemaBefore(t, "0128")
	defer conn.Close(ctx)
	t0 := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	exec(`INSERT INTO qr_orders (id, merchant_id, out_order_no, request_hash, mode, amount, state, task, next_attempt, transaction_id, created_at, updated_at)
		VALUES (1, 'M1', 'a', '', 'micropay', 100, 'paying', 'query', $1::timestamptz + interval '50 seconds', '', now(), now()),
		(2, 'M1', 'b', '', 'micropay', 100, 'succeeded', '', NULL, 'T2', now(), now()),
		(3, 'M1', 'c', '', 'micropay', 100, 'reversed', 'reverse', $1::timestamptz + interval '40 seconds', 'T3', now(), now()),
		(4, 'M1', 'd', '', 'micropay', 100, 'failed', '', NULL, '', now(), now())`, t0)

	s, err := Open(ctx, u, storetest.NewSealer())
	if err != nil {
		t.Fatalf("open (migrate): %v", err)
	}
	defer s.Close()
	q := s.QR()
	due, err := q.DueQROrders(ctx, t0.Add(time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 2 || due[0].ID != 3 || due[1].ID != 1 {
		t.Fatalf("due after 0128: %d orders, want 3 then 1", len(due))
	}
	if due, err = q.DueQROrders(ctx, t0.Add(45*time.Second), 10); err != nil || len(due) != 1 || due[0].ID != 3 {
		t.Fatalf("due at +45s after 0128: %d orders, %v; want 3", len(due), err)
	}
	for no, want := range map[string]int64{"T2": 2, "T3": 3} {
		got, err := q.(posguard.QRSearchStore).QROrdersByChannelNo(ctx, "", no, 10)
		if err != nil || len(got) != 1 || got[0].ID != want {
			t.Fatalf("search %s after 0128: %d orders, %v; want %d", no, len(got), err, want)
		}
	}
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema()
		AND indexname IN ('qr_orders_due', 'qr_orders_transaction')`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("%d of the replaced indexes left", n)
	}
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM qr_order_keys`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 4 {
		t.Fatalf("qr_order_keys has %d rows, want one per order (4)", n)
	}
	var opts []string
	if err := conn.QueryRow(ctx, `SELECT coalesce(reloptions, '{}') FROM pg_class WHERE oid = 'qr_orders'::regclass`).Scan(&opts); err != nil {
		t.Fatal(err)
	}
	if len(opts) != 1 || opts[0] != "fillfactor=50" {
		t.Fatalf("qr_orders' options = %v, want fillfactor=50", opts)
	}
}
