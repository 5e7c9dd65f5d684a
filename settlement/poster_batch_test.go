package settlement_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/ledger"
	"github.com/posguard/posguard/postgres"
	"github.com/posguard/posguard/postgres/pgtest"
	"github.com/posguard/posguard/storetest"
)

// TestPosterBatchMatchesOneByOne journals sales with voids, refunds and
// reversals of sales journaled just before them, and posts them twice: on
// one store after every journal write, on another in one drain (the poster
// appends the postings of consecutive events in one transaction). Both
// ledgers must hold the same postings: an event derived from an earlier
// posting of the same batch sees it.
func TestPosterBatchMatchesOneByOne(t *testing.T) {
	ctx := context.Background()
	run := func(eachStep bool) []string {
		f := newFixture(t)
		step := func() {
			if eachStep {
				f.post()
			}
		}
		const date = "2026-03-02"
		var sales []*posguard.Transaction
		for i := range 12 {
			mid, bin := shop, debit
			if i%2 == 1 {
				mid, bin = stall, cred
			}
			s := f.sale(mid, bin, date, posguard.Amount(10000+i*1000))
			sales = append(sales, s)
			step()
			switch i % 4 {
			case 0:
				f.journal(posguard.TxnVoid, s.MerchantID, s.IssuerBIN, date, s.Amount, s.ID)
			case 1:
				f.journal(posguard.TxnRefund, s.MerchantID, s.IssuerBIN, date, s.Amount/3, s.ID)
				step()
				f.journal(posguard.TxnRefund, s.MerchantID, s.IssuerBIN, date, s.Amount/4, s.ID)
			case 2:
				f.reverse(s)
			}
			step()
		}
		f.post()
		f.positions()
		ps, err := f.m.Postings(ctx, 0, 100000)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, p := range ps {
			out = append(out, fmt.Sprintf("%s %s txn=%d orig=%d gross=%d fee=%d net=%d kind=%s entries=%v",
				p.Key, p.Kind, p.TxnID, p.OrigID, p.Gross, p.Fee, p.Net, p.CardKind, p.Entries))
		}
		return out
	}
	one, batch := run(true), run(false)
	if len(one) != 12+3+6+3 {
		t.Fatalf("posted one by one: %d postings, want 24:\n%v", len(one), one)
	}
	if fmt.Sprint(one) != fmt.Sprint(batch) {
		t.Fatalf("batched postings differ:\none by one:\n%v\nbatched:\n%v", one, batch)
	}
}

// BenchmarkPosterDrain measures the ledger poster on SQLite: each op
// journals 1,000 approved sales and drains them into the ledger; the
// figure that matters is CPU per posting (µs/posting).
func BenchmarkPosterDrain(b *testing.B) {
	benchPosterDrain(b, newFixture(b))
}

// BenchmarkPosterDrainPostgres is BenchmarkPosterDrain on PostgreSQL
// (TEST_DATABASE_URL), in a schema of its own dropped at the end. The CPU
// per posting is the benchmark process's only: the server's is not in it.
func BenchmarkPosterDrainPostgres(b *testing.B) {
	st, err := postgres.Open(context.Background(), pgtest.URL(b), storetest.NewSealer())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	benchPosterDrain(b, newFixtureOn(b, st))
}

// benchPosterDrain journals 1,000 approved sales per op on f's store and
// times draining them into the ledger.
func benchPosterDrain(b *testing.B, f *fixture) {
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		for i := range 1000 {
			f.sale(shop, debit, "2026-03-02", posguard.Amount(1000+i))
		}
		runtime.GC() // the set-up's garbage is not the poster's
		start := cpuTime()
		b.StartTimer()
		f.post()
		cpu += cpuTime() - start
	}
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N*1000), "cpu-µs/posting")
}

// BenchmarkPostingsForTxn looks up one transaction's postings (what the
// poster does before posting a void, a refund or a reversal) in a ledger of
// 10,000 postings.
func BenchmarkPostingsForTxn(b *testing.B) {
	f := newFixture(b)
	var ids []int64
	for i := range 10000 {
		ids = append(ids, f.sale(shop, debit, "2026-03-02", posguard.Amount(1000+i)).ID)
	}
	f.post()
	ctx := context.Background()
	start := cpuTime()
	i := 0
	for b.Loop() {
		ps, err := f.m.PostingsForTxn(ctx, ids[i%len(ids)])
		if err != nil || len(ps) != 1 {
			b.Fatalf("%d postings, %v", len(ps), err)
		}
		i++
	}
	b.ReportMetric(float64((cpuTime()-start).Microseconds())/float64(b.N), "cpu-µs/op")
}

// countingLedger counts the postings a Poster hands the store.
type countingLedger struct {
	posguard.LedgerStore
	calls, postings int
}

func (c *countingLedger) AppendPostings(ctx context.Context, ps []*posguard.Posting) (int, error) {
	c.calls++
	c.postings += len(ps)
	return c.LedgerStore.AppendPostings(ctx, ps)
}

// TestPosterLeavesOutWhatItPosted: a Step reads the events just before its
// cursor again (Overlap) but does not hand the store the postings it
// appended for them itself, so the store meets only new keys; a Poster
// without that memory (a restarted host) hands them over and the store
// skips them.
func TestPosterLeavesOutWhatItPosted(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	count := &countingLedger{LedgerStore: f.m}
	f.poster.Store = count
	drain := func(wantAppended, wantHanded int) {
		t.Helper()
		count.postings = 0
		n, err := f.poster.Drain(ctx)
		if err != nil || n != wantAppended || count.postings != wantHanded {
			t.Fatalf("drain: appended %d, handed %d, %v; want %d, %d", n, count.postings, err, wantAppended, wantHanded)
		}
	}
	for i := range 3 {
		f.sale(shop, debit, "2026-03-02", posguard.Amount(1000+i))
	}
	drain(3, 3)
	drain(0, 0)
	f.sale(shop, debit, "2026-03-02", 5000)
	drain(1, 1)
	f.poster = &ledger.Poster{Store: count, Pricer: f.poster.Pricer}
	drain(0, 4)
	f.positions()
}
