package settlement_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/ledger"
)

// BenchmarkSettle1M settles one day of 1,000,000 approved sales across 1,000
// merchants (real SQLite): the timed part is one Settle run (batches, item
// assignment, settlement postings, payouts). Run with -benchtime=1x; the
// setup appends the million postings first and takes longer than the run.
func BenchmarkSettle1M(b *testing.B) {
	n, merchants := benchN(), 1000
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		f := newFixture(b)
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
		b.StartTimer()
		rep, err := f.settler.Settle(ctx, "2026-03-01")
		if err != nil {
			b.Fatal(err)
		}
		if rep.Items != n || len(rep.Batches) != merchants {
			b.Fatalf("settled %s", rep)
		}
	}
}

// benchN is the number of sales BenchmarkSettle1M settles: 1,000,000, or
// POSGUARD_BENCH_SALES for a quicker look.
func benchN() int {
	if v, err := strconv.Atoi(os.Getenv("POSGUARD_BENCH_SALES")); err == nil && v > 0 {
		return v
	}
	return 1_000_000
}
