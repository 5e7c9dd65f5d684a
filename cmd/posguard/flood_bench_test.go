package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/analytics"
)

// TestUnknownTerminalFloodCost measures what a flood of sales from unknown
// terminals costs the host: POSGUARD_FLOOD_SALES sale frames (the audit
// sent 100,000) from as many terminal ids, merchants and card prefixes over
// one connection, then the heap growth (after GC, the analytics flush done)
// and the database growth (file and write-ahead log). It is a measurement,
// not a unit test: it runs only when the variable is set, and logs the
// figures docs/security.md records:
//
//	POSGUARD_FLOOD_SALES=100000 go test -count=1 -run UnknownTerminalFloodCost -v ./cmd/posguard
//
// It fails only when the figures pass the documented bound (20 MB each).
func TestUnknownTerminalFloodCost(t *testing.T) {
	n, err := strconv.Atoi(os.Getenv("POSGUARD_FLOOD_SALES"))
	if err != nil || n <= 0 {
		t.Skip("set POSGUARD_FLOOD_SALES to measure (docs/security.md)")
	}
	wd := startWorld(t, "", 5*time.Second, "--log-level", "info")
	ctx := context.Background()
	heap0, db0 := heapNow(), dbSize(wd)
	r := dialRaw(t, wd.termAdr, "U0000000", "898310000000000", shopTMK, "003", "cups-ecb")
	r.pik = make([]byte, 16)
	start := time.Now()
	done := make(chan error, 1)
	go func() {
		// Frames are built as they are sent, so the test's own memory stays
		// flat.
		const chunk = 500
		for i := 0; i < n; i += chunk {
			var raw []byte
			for j := i; j < min(i+chunk, n); j++ {
				r.tid, r.mid = fmt.Sprintf("U%07d", j%10000000), fmt.Sprintf("89831%010d", j)
				raw = append(raw, frame(r.pack(r.sale(posguard.PAN(fmt.Sprintf("62%06d00000001", j%1000000)), "3012", "123456", 100), false))...)
			}
			if _, err := r.conn.Write(raw); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for i := 0; i < n; i++ {
		if a := r.roundTrip(nil); a == nil || a.Get(39) != "97" {
			t.Fatalf("answer %d: %v", i, a)
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	// Wait for the aggregator to have counted every request.
	from, to := time.Now().Add(-48*time.Hour), time.Now().Add(time.Hour)
	deadline := time.Now().Add(60 * time.Second)
	for {
		rs, err := wd.serve.store.Rollups(ctx, posguard.RollupQuery{Window: posguard.WindowDay, Dimension: posguard.DimTerminal, Key: analytics.UnknownKey, From: from, To: to})
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) == 1 && rs[0].Counts.Total == int64(n) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the aggregator did not count the flood: %+v", rs)
		}
		time.Sleep(100 * time.Millisecond) // polling the aggregator's flush
	}
	heap, db := float64(heapNow()-heap0)/(1<<20), float64(dbSize(wd)-db0)/(1<<20)
	logBytes := len(wd.logs.String())
	t.Logf("%d unknown-terminal sales in %v: heap %+.1f MB, database %+.1f MB, log %d bytes", n, elapsed.Round(time.Millisecond), heap, db, logBytes)
	if heap > 20 || db > 20 {
		t.Fatalf("over the 20 MB bound: heap %+.1f MB, database %+.1f MB", heap, db)
	}
}

// heapNow is the live heap after a collection.
func heapNow() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// dbSize is the database file plus its write-ahead log.
func dbSize(wd *world) int64 {
	var n int64
	path := wd.db[len("sqlite:"):]
	for _, p := range []string{path, path + "-wal"} {
		if fi, err := os.Stat(p); err == nil {
			n += fi.Size()
		}
	}
	return n
}
