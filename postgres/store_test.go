package postgres

import (
	"context"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/postgres/pgtest"
	"github.com/posguard/posguard/storetest"
)

// testURL returns TEST_DATABASE_URL or skips t.
func testURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("TEST_DATABASE_URL")
	if u == "" {
		t.Skip("TEST_DATABASE_URL not set: skipping PostgreSQL conformance")
	}
	return u
}

// withSchema returns a URL for a fresh schema of TEST_DATABASE_URL's
// database, dropped when t ends (base is the skip-checked URL).
func withSchema(t testing.TB, base string) string {
	t.Helper()
	return pgtest.URL(t)
}

// openTest opens a store in a fresh schema.
func openTest(t testing.TB) *Store {
	t.Helper()
	s, err := Open(context.Background(), withSchema(t, testURL(t)), storetest.NewSealer())
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return s
}

// rawContains reports whether needle occurs, as text or as bytea hex, in any
// row of any posguard table.
func rawContains(t *testing.T, st posguard.Store, needle []byte) bool {
	t.Helper()
	s := st.(*Store)
	hexNeedle := hex.EncodeToString(needle)
	for _, table := range []string{"merchants", "terminals", "transactions", "txn_events", "reversals", "settings"} {
		rows, err := s.pool.Query(context.Background(), "SELECT r::text FROM "+table+" r")
		if err != nil {
			t.Fatalf("scan %s: %v", table, err)
		}
		for rows.Next() {
			var text string
			if err := rows.Scan(&text); err != nil {
				t.Fatalf("scan %s: %v", table, err)
			}
			if strings.Contains(text, string(needle)) || strings.Contains(strings.ToLower(text), hexNeedle) {
				rows.Close()
				return true
			}
		}
		rows.Close()
	}
	return false
}

func TestConformance(t *testing.T) {
	testURL(t)
	storetest.Run(t, func(t *testing.T) posguard.Store { return openTest(t) },
		storetest.WithRawContains(rawContains))
}

func TestOpenNeedsSealer(t *testing.T) {
	_, err := Open(context.Background(), "postgres://127.0.0.1:1/x", nil)
	if posguard.ErrorCode(err) != posguard.EINVALID {
		t.Fatalf("nil sealer: %v, want EINVALID", err)
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	u := withSchema(t, testURL(t))
	ctx := context.Background()
	sealer := storetest.NewSealer()
	s, err := Open(ctx, u, sealer)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Migrated(); len(got) == 0 || got[0] != "0001_init" {
		t.Fatalf("first open applied %v", got)
	}
	s.Close()
	s, err = Open(ctx, u, sealer)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := s.Migrated(); len(got) != 0 {
		t.Fatalf("reopen applied %v again", got)
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
}
