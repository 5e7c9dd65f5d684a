package postgres

import (
	"context"
	"path"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/posguard/posguard"
	"github.com/posguard/posguard/storetest"
)

// TestLedgerTimesMigration upgrades a schema holding ledger rows written
// while the ledger's times were BIGINT Unix nanoseconds (migrations
// 0001–0005) and checks that migration 0007 turns them into the same
// instants as timestamptz, and 0 ("none") into the zero time.
func TestLedgerTimesMigration(t *testing.T) {
	ctx := context.Background()
	u, conn, exec := schemaBefore(t, "0007")
	defer conn.Close(ctx)
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

// schemaBefore makes a fresh schema with every migration older than
// version applied (and recorded) and returns its URL, a connection to it
// and an exec that fails t on error.
func schemaBefore(t *testing.T, version string) (string, *pgx.Conn, func(q string, args ...any)) {
	t.Helper()
	u := withSchema(t, testURL(t))
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := conn.Exec(ctx, q, args...); err != nil {
			t.Fatalf("%.60s: %v", q, err)
		}
	}
	exec(`CREATE TABLE schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL)`)
	names, _ := migrationFS.ReadDir("migrations")
	var vs []string
	for _, n := range names {
		if v := strings.TrimSuffix(n.Name(), ".sql"); v < version {
			vs = append(vs, v)
		}
	}
	sort.Strings(vs)
	for _, v := range vs {
		body, err := migrationFS.ReadFile(path.Join("migrations", v+".sql"))
		if err != nil {
			t.Fatal(err)
		}
		exec(string(body))
		exec(`INSERT INTO schema_migrations (version, applied_at) VALUES ($1, now())`, v)
	}
	return u, conn, exec
}

// TestReconTimesMigration upgrades a schema holding reconciliation rows
// written while their times were BIGINT Unix nanoseconds (migration 0020)
// and checks that migration 0040 turns them into the same instants as
// timestamptz, and that the store reads and orders them.
func TestReconTimesMigration(t *testing.T) {
	ctx := context.Background()
	u, conn, exec := schemaBefore(t, "0040")
	defer conn.Close(ctx)
	at := time.Date(2026, 11, 24, 1, 0, 0, 123456789, time.UTC)
	for i, id := range []string{"rr_1", "rr_2"} {
		exec(`INSERT INTO recon_runs (id, date, clearing_file, clearing_sha, bank_file, bank_sha, report, idents, superseded_by, created_at)
			VALUES ($1, '2026-11-23', 'f', $2, '', '', '{}', '["x"]', '', $3)`, id, id, at.Add(time.Duration(i)*time.Second).UnixNano())
	}
	exec(`INSERT INTO recon_exceptions (ident, date, class, status, run_id, txn_id, payout_id, merchant_id, hold_amount,
		case_id, repair_txn_id, body, updated_at) VALUES ('x', '2026-11-23', 'journal_only', 'awaiting', 'rr_1', 7, '', 'M1', 300, 0, 0, '{}', $1)`,
		at.UnixNano())

	s, err := Open(ctx, u, storetest.NewSealer())
	if err != nil {
		t.Fatalf("open (migrate): %v", err)
	}
	defer s.Close()
	want := at.Truncate(time.Microsecond)
	runs, err := s.Recon().ReconRuns(ctx, "2026-11-23", "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || runs[0].ID != "rr_2" || !runs[1].CreatedAt.Equal(want) || !runs[0].CreatedAt.Equal(want.Add(time.Second)) {
		t.Fatalf("runs after 0040: %+v, want rr_2 then rr_1 at %v", runs, want)
	}
	exs, err := s.Recon().Exceptions(ctx, posguard.ReconFilter{Date: "2026-11-23"})
	if err != nil {
		t.Fatal(err)
	}
	if len(exs) != 1 || !exs[0].UpdatedAt.Equal(want) || exs[0].HoldAmount != 300 {
		t.Fatalf("exceptions after 0040: %+v, want one updated at %v", exs, want)
	}
	var typ string
	if err := conn.QueryRow(ctx, `SELECT data_type FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = 'recon_runs' AND column_name = 'created_at'`).Scan(&typ); err != nil {
		t.Fatal(err)
	}
	if typ != "timestamp with time zone" {
		t.Fatalf("recon_runs.created_at is %s", typ)
	}
}

// TestOnboardingTimesMigration upgrades a schema holding onboarding and risk
// rows written while their times were BIGINT Unix nanoseconds (migration
// 0035) and checks that migration 0041 turns them into the same instants.
func TestOnboardingTimesMigration(t *testing.T) {
	ctx := context.Background()
	u, conn, exec := schemaBefore(t, "0041")
	defer conn.Close(ctx)
	at := time.Date(2026, 11, 24, 1, 0, 0, 123456789, time.UTC)
	n := at.UnixNano()
	exec(`INSERT INTO applications (id, kind, state, created_by, created_at, updated_at) VALUES (1, 'company', 'draft', 'ops', $1, $1)`, n)
	exec(`INSERT INTO application_events (application_id, at, actor, from_state, to_state) VALUES (1, $1, 'ops', '', 'draft')`, n)
	exec(`INSERT INTO merchant_events (merchant_id, at, actor, action) VALUES ('M1', $1, 'ops', 'frozen')`, n)
	exec(`INSERT INTO terminal_bindings (terminal_id, serial_no, merchant_id, bound_at) VALUES ('T1', 'SN1', 'M1', $1)`, n)
	exec(`INSERT INTO risk_rule_versions (version, rules, created_by, created_at) VALUES (1, '[]', 'risk', $1)`, n)
	exec(`INSERT INTO risk_hits (at, rule, rule_version, action, merchant_id) VALUES ($1, 'r', 1, 'review', 'M1')`, n)

	s, err := Open(ctx, u, storetest.NewSealer())
	if err != nil {
		t.Fatalf("open (migrate): %v", err)
	}
	defer s.Close()
	o := s.Onboarding()
	want := at.Truncate(time.Microsecond)
	a, err := o.Application(ctx, 1)
	if err != nil || !a.CreatedAt.Equal(want) || !a.UpdatedAt.Equal(want) {
		t.Fatalf("application after 0041: %+v, %v", a, err)
	}
	hist, err := o.ApplicationHistory(ctx, 1)
	if err != nil || len(hist) != 1 || !hist[0].At.Equal(want) {
		t.Fatalf("history after 0041: %+v, %v", hist, err)
	}
	ev, err := o.MerchantEvents(ctx, "M1", 10)
	if err != nil || len(ev) != 1 || !ev[0].At.Equal(want) {
		t.Fatalf("merchant events after 0041: %+v, %v", ev, err)
	}
	b, err := o.Binding(ctx, "T1")
	if err != nil || !b.BoundAt.Equal(want) {
		t.Fatalf("binding after 0041: %+v, %v", b, err)
	}
	rs, err := o.RiskRules(ctx)
	if err != nil || !rs.CreatedAt.Equal(want) {
		t.Fatalf("risk rules after 0041: %+v, %v", rs, err)
	}
	hits, err := o.RiskHits(ctx, posguard.RiskHitFilter{From: want, To: want.Add(time.Microsecond)})
	if err != nil || len(hits) != 1 || !hits[0].At.Equal(want) {
		t.Fatalf("risk hits after 0041: %+v, %v", hits, err)
	}
}
