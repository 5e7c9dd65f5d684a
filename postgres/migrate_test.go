package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/posguard/posguard/storetest"
)

// TestLedgerTimesMigration upgrades a schema holding ledger rows written
// while the ledger's times were BIGINT Unix nanoseconds (migrations
// 0001–0005) and checks that migration 0007 turns them into the same
// instants as timestamptz, and 0 ("none") into the zero time.
func TestLedgerTimesMigration(t *testing.T) {
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
	at := time.Date(2026, 12, 6, 10, 0, 0, 123456000, time.UTC)
	exec(`INSERT INTO ledger_postings (seq, key, kind, item, txn_id, orig_id, merchant_id, date, gross, fee, net,
		card_kind, ref, debits, credits, prev_hash, hash, at)
		VALUES (1, 'k1', 'approval', 1, 7, 0, 'M1', '2026-12-06', 100, 1, 99, 'debit', '', 100, 100, '', 'h1', $1)`, at.UnixNano())
	exec(`INSERT INTO payouts (id, batch_id, merchant_id, amount, account_bank, account_number, account_name,
		account_status, state, reason, bank_ref, attempts, resettled_by, resettles, case_id, created_at, updated_at, paid_at)
		VALUES ('P1', 'B1', 'M1', 99, '', '', '', '', 'queued', '', '', 0, '', '', '', $1, $1, 0)`, at.UnixNano())

	s, err := Open(ctx, u, storetest.NewSealer())
	if err != nil {
		t.Fatalf("open (migrate): %v", err)
	}
	defer s.Close()
	ps, err := s.Money().Postings(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 || !ps[0].At.Equal(at) {
		t.Fatalf("postings after 0007: %+v, want one at %v", ps, at)
	}
	p, err := s.Money().Payout(ctx, "P1")
	if err != nil {
		t.Fatal(err)
	}
	if !p.CreatedAt.Equal(at) || !p.PaidAt.IsZero() {
		t.Fatalf("payout after 0007: created %v paid %v, want %v and the zero time", p.CreatedAt, p.PaidAt, at)
	}
}
