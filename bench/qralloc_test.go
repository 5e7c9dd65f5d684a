package bench

import (
	"context"
	"runtime"
	"testing"
	"time"
)

// BenchmarkQROrderAllocs measures the heap allocations of one QR order on
// the whole path in one process: posguard's API, engine and store, the
// channel client, simwallet, the merchant clients and the host's background
// parts (the ledger poster among them). Each iteration runs the QR bench
// (SQLite, 8 clients, no channel-alone run) for 0.5 s and for 2.5 s and
// divides the difference in allocations by the difference in orders, so
// that the host's start and the warm-up, the same in both runs, cancel out.
// Run with
//
//	go test ./bench -run X -bench QROrderAllocs -benchtime 1x -count 5
//
// (docs/benchmarks.md, "Round 10: a QR order's allocations").
func BenchmarkQROrderAllocs(b *testing.B) {
	ctx := context.Background()
	run := func(d time.Duration) (orders int, mallocs, bytes uint64) {
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		res, err := RunQR(ctx, QRConfig{Clients: 8, Duration: d, Warmup: 300 * time.Millisecond, NoChannel: true})
		if err != nil {
			b.Fatal(err)
		}
		runtime.ReadMemStats(&m1)
		p := res.Posguard
		if p.Count == 0 || p.Codes["succeeded"] != p.Count {
			b.Fatalf("orders %v of %d, want all succeeded", p.Codes, p.Count)
		}
		return p.Count, m1.Mallocs - m0.Mallocs, m1.TotalAlloc - m0.TotalAlloc
	}
	var orders int
	var mallocs, bytes float64
	for i := 0; i < b.N; i++ {
		n0, m0, b0 := run(500 * time.Millisecond)
		n1, m1, b1 := run(2500 * time.Millisecond)
		if n1 <= n0 {
			b.Fatalf("the long run made %d orders, the short one %d", n1, n0)
		}
		orders += n1 - n0
		mallocs += float64(m1) - float64(m0)
		bytes += float64(b1) - float64(b0)
	}
	b.ReportMetric(mallocs/float64(orders), "allocs/order")
	b.ReportMetric(bytes/float64(orders), "B/order")
}
