package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/posguard/posguard/storetest"
)

// TestTimesMigration upgrades a schema holding rows written while times
// were timestamptz (migrations 0001–0005) and checks that migration 0007
// turns them into the same instants in Unix nanoseconds, and NULL ("none")
// into the zero time.
func TestTimesMigration(t *testing.T) {
	u := withSchema(t, testURL(t))
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := conn.Exec(ctx, q, args...); err != nil {
			t.Fatalf("%.60s: %v", q, err)
		}
	}
	exec(`CREATE TABLE schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL)`)
	for _, v := range []string{"0001_init", "0002_settings", "0003_cases", "0004_ledger", "0005_journal_indexes"} {
		body, err := migrationFS.ReadFile("migrations/" + v + ".sql")
		if err != nil {
			t.Fatal(err)
		}
		exec(string(body))
		exec(`INSERT INTO schema_migrations (version, applied_at) VALUES ($1, now())`, v)
	}
	updated := time.Date(2026, 12, 6, 10, 0, 0, 123456000, time.UTC)
	exec(`INSERT INTO terminals (id, merchant_id, key_scheme, mac, model, firmware, status, signed_on, batch, updated_at)
		VALUES ('T1', 'M1', '', '', '', '', 'active', false, '000001', $1)`, updated)

	s, err := Open(ctx, u, storetest.NewSealer())
	if err != nil {
		t.Fatalf("open (migrate): %v", err)
	}
	defer s.Close()
	term, err := s.Terminal(ctx, "T1")
	if err != nil {
		t.Fatal(err)
	}
	if !term.UpdatedAt.Equal(updated) || !term.SignedOnAt.IsZero() || !term.LastSeen.IsZero() {
		t.Fatalf("after 0007: updated %v signed on %v last seen %v, want %v and zero times",
			term.UpdatedAt, term.SignedOnAt, term.LastSeen, updated)
	}
	var typ string
	if err := conn.QueryRow(ctx, `SELECT data_type FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = 'transactions' AND column_name = 'created_at'`).Scan(&typ); err != nil {
		t.Fatal(err)
	}
	if typ != "bigint" {
		t.Fatalf("transactions.created_at is %s, want bigint", typ)
	}
}
