package sqlite

import (
	"context"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestQRUnpostedMigration upgrades a database whose QR orders and refunds
// carry the posted flag to migration 0127 and checks that exactly the
// succeeded, unposted ones are queued for the ledger, and that the flag
// and its partial indexes are gone.
func TestQRUnpostedMigration(t *testing.T) {
	ctx := context.Background()
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	var before []string
	for _, n := range names {
		v := strings.TrimSuffix(filepath.Base(n), ".sql")
		if v >= "0127" {
			break
		}
		before = append(before, v)
	}
	db, s := migratedTo(t, before)
	mustExec(t, db, `INSERT INTO qr_orders (id, merchant_id, out_order_no, request_hash, mode, amount, state, posted, created_at, updated_at)
		VALUES (1, 'M1', 'a', '', 'micropay', 100, 'succeeded', 1, 1, 1), (2, 'M1', 'b', '', 'micropay', 100, 'succeeded', 0, 1, 1),
		(3, 'M1', 'c', '', 'micropay', 100, 'paying', 0, 1, 1), (4, 'M1', 'd', '', 'micropay', 100, 'failed', 0, 1, 1),
		(5, 'M1', 'e', '', 'micropay', 100, 'succeeded', 0, 1, 1)`)
	mustExec(t, db, `INSERT INTO qr_refunds (id, order_id, merchant_id, out_refund_no, request_hash, amount, state, posted, created_at, updated_at)
		VALUES (1, 1, 'M1', 'r1', '', 10, 'succeeded', 0, 1, 1), (2, 1, 'M1', 'r2', '', 10, 'succeeded', 1, 1, 1),
		(3, 2, 'M1', 'r3', '', 10, 'processing', 0, 1, 1)`)

	applied, err := s.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) == 0 || applied[0] != "0127_qr_unposted" {
		t.Fatalf("applied %v, want 0127_qr_unposted first", applied)
	}
	for q, want := range map[string]string{
		`SELECT coalesce(group_concat(id, ' '), '') FROM (SELECT id FROM qr_unposted_orders ORDER BY id)`:  "2 5",
		`SELECT coalesce(group_concat(id, ' '), '') FROM (SELECT id FROM qr_unposted_refunds ORDER BY id)`: "1",
		`SELECT count(*) FROM qr_orders`: "5",
		`SELECT coalesce(group_concat(name, ' '), '') FROM pragma_table_info('qr_orders') WHERE name = 'posted'`:          "",
		`SELECT coalesce(group_concat(name, ' '), '') FROM pragma_table_info('qr_refunds') WHERE name = 'posted'`:         "",
		`SELECT coalesce(group_concat(name, ' '), '') FROM sqlite_master WHERE name LIKE '%unposted%' AND type = 'index'`: "",
	} {
		var got string
		if err := db.QueryRowContext(ctx, q).Scan(&got); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if got != want {
			t.Errorf("%s = %q, want %q", q, got, want)
		}
	}
}
