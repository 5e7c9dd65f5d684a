package settlement_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/posguard/posguard"
	"github.com/posguard/posguard/ledger"
	"github.com/posguard/posguard/postgres"
	"github.com/posguard/posguard/settlement"
	"github.com/posguard/posguard/storetest"
)

// BenchmarkSettle1M settles one day of 1,000,000 approved sales across 1,000
// merchants (real SQLite): the timed part is one Settle run (holds, batches,
// item assignment, settlement postings, payouts, in one store transaction).
// Run with -benchtime=1x; the setup appends the million postings first and
// takes longer than the run. With POSGUARD_BENCH_TEMPLATE=FILE the set-up
// database is kept in FILE and copied for later runs (a quicker look at the
// run alone). cpu-s/op is the process's CPU time during the run.
func BenchmarkSettle1M(b *testing.B) {
	n, merchants := benchN(), 1000
	ctx := context.Background()
	var cpu time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		f := settleFixture(b, n, merchants)
		runtime.GC()
		before := cpuTime()
		b.StartTimer()
		rep, err := f.settler.Settle(ctx, "2026-03-01")
		b.StopTimer()
		cpu += cpuTime() - before
		if err != nil {
			b.Fatal(err)
		}
		if rep.Items != n || len(rep.Batches) != merchants {
			b.Fatalf("settled %s", rep)
		}
	}
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
}

// settleFixture returns a fixture holding n approved sales of 2026-03-01
// across merchants merchants, appended as the poster appends them.
func settleFixture(b *testing.B, n, merchants int) *fixture {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "posguard.db")
	tmpl := os.Getenv("POSGUARD_BENCH_TEMPLATE")
	if tmpl != "" {
		if body, err := os.ReadFile(tmpl); err == nil {
			if err := os.WriteFile(path, body, 0o600); err != nil {
				b.Fatal(err)
			}
			return newFixtureAt(b, path)
		}
	}
	f := newFixtureAt(b, path)
	ps := make([]*posguard.Posting, 0, 10000)
	for k := 1; k <= n; k++ {
		mid := fmt.Sprintf("M%014d", k%merchants)
		ps = append(ps, ledger.Approval(&posguard.Transaction{ID: int64(k), MerchantID: mid,
			SettlementDate: "2026-03-01", Amount: posguard.Amount(1000 + k%50000)}, posguard.Amount(5+k%200), posguard.CardDebit))
		if len(ps) == cap(ps) {
			if _, err := f.m.AppendPostings(ctx, ps); err != nil {
				b.Fatal(err)
			}
			ps = ps[:0]
		}
	}
	if len(ps) > 0 {
		if _, err := f.m.AppendPostings(ctx, ps); err != nil {
			b.Fatal(err)
		}
	}
	if tmpl != "" {
		f.st.Close()
		body, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(tmpl, body, 0o600); err != nil {
			b.Fatal(err)
		}
		return newFixtureAt(b, path)
	}
	return f
}

// benchN is the number of sales BenchmarkSettle1M settles: 1,000,000, or
// POSGUARD_BENCH_SALES for a quicker look.
func benchN() int {
	if v, err := strconv.Atoi(os.Getenv("POSGUARD_BENCH_SALES")); err == nil && v > 0 {
		return v
	}
	return 1_000_000
}

// BenchmarkSettle1MPostgres is BenchmarkSettle1M on PostgreSQL
// (TEST_DATABASE_URL), in a schema of its own dropped at the end. The
// million postings (and their entries) are written by one INSERT … SELECT
// over generate_series, with the same merchants, amounts and fees as the
// SQLite benchmark; the chain's hashes are placeholders (the run appends
// after the head and does not read them). The timed part is one Settle.
func BenchmarkSettle1MPostgres(b *testing.B) {
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		b.Skip("TEST_DATABASE_URL not set: skipping the PostgreSQL benchmark")
	}
	n, merchants := benchN(), 1000
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		var rb [6]byte
		rand.Read(rb[:])
		schema := "posguard_bench_" + hex.EncodeToString(rb[:])
		admin, err := sql.Open("pgx", base)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
			b.Fatal(err)
		}
		u, err := url.Parse(base)
		if err != nil {
			b.Fatal(err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		st, err := postgres.Open(ctx, u.String(), storetest.NewSealer())
		if err != nil {
			b.Fatal(err)
		}
		db, err := sql.Open("pgx", u.String())
		if err != nil {
			b.Fatal(err)
		}
		for _, stmt := range []string{
			`INSERT INTO ledger_postings (seq, key, kind, item, txn_id, orig_id, merchant_id, date, gross, fee, net,
				card_kind, ref, debits, credits, prev_hash, hash, at)
			SELECT k, 'txn:' || k || ':approval', 'approval', 1, k, 0, 'M' || lpad((k % 1000)::text, 14, '0'), '2026-03-01',
				1000 + k % 50000, 5 + k % 200, 1000 + k % 50000 - (5 + k % 200), 'debit', '', 1000 + k % 50000, 1000 + k % 50000,
				md5((k - 1)::text), md5(k::text), now() FROM generate_series(1, $1::bigint) k`,
			`INSERT INTO ledger_entries (seq, idx, account, merchant_id, date, amount)
			SELECT seq, 0, 'network_receivable', '', date, gross FROM ledger_postings
			UNION ALL SELECT seq, 1, 'merchant_payable:' || merchant_id, merchant_id, date, -net FROM ledger_postings
			UNION ALL SELECT seq, 2, 'fee_income', '', date, -fee FROM ledger_postings`,
			`UPDATE ledger_head SET seq = $1::bigint, hash = md5($1::bigint::text) WHERE id = 1`,
			`ANALYZE`,
		} {
			var args []any
			if strings.Contains(stmt, "$1") {
				args = append(args, n)
			}
			if _, err := db.ExecContext(ctx, stmt, args...); err != nil {
				b.Fatal(err)
			}
		}
		db.Close()
		fees := &settlement.FeeBook{Store: st.Money(), Merchants: st}
		settler := &settlement.Settler{Store: st.Money(), Merchants: st, Fees: fees}
		b.StartTimer()
		rep, err := settler.Settle(ctx, "2026-03-01")
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		if rep.Items != n || len(rep.Batches) != merchants {
			b.Fatalf("settled %s", rep)
		}
		st.Close()
		admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE")
		admin.Close()
	}
}
