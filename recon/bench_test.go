package recon_test

import (
	"bufio"
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
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/postgres"
	"github.com/posguard/posguard/recon"
	"github.com/posguard/posguard/recon/clearing"
	"github.com/posguard/posguard/sqlite"
	"github.com/posguard/posguard/storetest"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// benchLines is the size of BenchmarkRecon1M: POSGUARD_BENCH_RECON_LINES
// (1000000 for the figure in docs/benchmarks.md), 20,000 by default so CI's
// one-iteration run stays quick.
func benchLines() int {
	if v, err := strconv.Atoi(os.Getenv("POSGUARD_BENCH_RECON_LINES")); err == nil && v > 0 {
		return v
	}
	return 20_000
}

// openBenchSQLite opens a SQLite store in dir, and the same database
// through database/sql to write a benchmark's rows straight in.
func openBenchSQLite(b *testing.B, dir string) (*sqlite.Store, *sql.DB) {
	b.Helper()
	path := filepath.Join(dir, "p.db")
	st, err := sqlite.Open(path, storetest.NewSealer())
	if err != nil {
		b.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		st.Close()
		b.Fatal(err)
	}
	return st, db
}

// reconStore is a store with everything a Reconciler uses.
type reconStore interface {
	posguard.Store
	posguard.CaseStore
	Recon() posguard.ReconStore
	Money() posguard.MoneyStore
}

// BenchmarkRecon1M reconciles a clearing file of n lines against a journal
// of the same n approved sales on SQLite: parse, match and report (every
// line matches, so no repair runs). The journal is written straight into
// the database before the timer starts; the file is written to disk.
func BenchmarkRecon1M(b *testing.B) {
	n := benchLines()
	dir := b.TempDir()
	st, db := openBenchSQLite(b, dir)
	defer st.Close()
	fillJournal(b, db, n, "?", "1, 2")
	db.Close()
	benchRecon(b, st, dir, n)
}

// BenchmarkRecon1MPostgres is BenchmarkRecon1M on PostgreSQL
// (TEST_DATABASE_URL), in a schema of its own dropped at the end.
func BenchmarkRecon1MPostgres(b *testing.B) {
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		b.Skip("TEST_DATABASE_URL not set: skipping the PostgreSQL benchmark")
	}
	ctx := context.Background()
	var rb [6]byte
	rand.Read(rb[:])
	schema := "posguard_bench_" + hex.EncodeToString(rb[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		b.Fatal(err)
	}
	defer admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE")
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
	defer st.Close()
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		b.Fatal(err)
	}
	n := benchLines()
	fillJournal(b, db, n, "$", "now(), now()")
	if _, err := db.ExecContext(ctx, "ANALYZE transactions"); err != nil {
		b.Fatal(err)
	}
	db.Close()
	benchRecon(b, st, b.TempDir(), n)
}

// benchRecon times Run over a journal of n sales already in st.
func benchRecon(b *testing.B, st reconStore, dir string, n int) {
	file := filepath.Join(dir, "IND26112301ACOM")
	rc := &recon.Reconciler{Store: st.Recon(), Money: st.Money(), Cases: st, Journal: st, Acquirer: "48021000"}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	var peak atomic.Uint64
	var cpu time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		os.Remove(file)
		writeBenchFile(b, file, n+i) // new bytes each iteration: a new run, not the stored one
		f, err := os.Open(file)
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		stop := sampleHeap(&peak)
		before := cpuTime()
		b.StartTimer()
		rep, created, err := rc.Run(ctx, recon.Input{Date: "2026-11-23", ClearingName: "IND26112301ACOM", Clearing: f})
		b.StopTimer()
		cpu += cpuTime() - before
		stop()
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		if !created || rep.Matched != n {
			b.Fatalf("run: created %v, %d lines, %d matched, %d exceptions", created, rep.Lines, rep.Matched, len(rep.Exceptions))
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(n), "lines")
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MiB")
	// CPU seconds of this process per run (user + system): on a shared
	// machine a steadier figure than the wall time.
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
}

// cpuTime is the process's user + system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// sampleHeap records the largest live heap seen until stop is called.
func sampleHeap(peak *atomic.Uint64) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peak.Load() {
				peak.Store(m.HeapAlloc)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); <-finished }
}

// fillJournal inserts n approved sales of 2026-11-23 in one transaction;
// ph is the placeholder style ("?" or "$"), times the two time values.
func fillJournal(b *testing.B, db *sql.DB, n int, ph, times string) {
	tx, err := db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	args := []string{"?", "?", "?", "?", "?", "?", "?"}
	if ph == "$" {
		for i := range args {
			args[i] = fmt.Sprintf("$%d", i+1)
		}
	}
	stmt, err := tx.Prepare(fmt.Sprintf(`INSERT INTO transactions (terminal_id, batch, stan, mti, type, content_hash, merchant_id,
		pan_masked, pan_hash, issuer_bin, card_org, amount, currency, proc_code, entry_mode, settlement_date,
		rrn, auth_code, response_code, reason, state, upstream_stan, upstream_time, answer, detail, created_at, updated_at)
		VALUES (%s, '000001', %s, '0200', 'sale', 'h', %s, '622588******1017', 'ph', '622588', 'CUP', %s, '156',
		'000000', '021', '2026-11-23', %s, '123456', '00', '', 'approved', %s, %s, NULL, NULL, %s)`,
		args[0], args[1], args[2], args[3], args[4], args[5], args[6], times))
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < n; i++ {
		term, merch, rrn, stan, xmit, amt := benchKey(i)
		if _, err := stmt.Exec(term, stan, merch, amt, rrn, stan, xmit); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

// benchKey is the i-th sale: 1,000 terminals of 100 merchants.
func benchKey(i int) (term, merch, rrn, stan, xmit string, amt int64) {
	term = fmt.Sprintf("T%07d", i%1000)
	merch = fmt.Sprintf("89831004899%04d", i%100)
	rrn = fmt.Sprintf("3327%08d", i)
	stan = fmt.Sprintf("%06d", i%1000000)
	xmit = fmt.Sprintf("1123%02d%02d%02d", (i/3600)%24, (i/60)%60, i%60)
	return term, merch, rrn, stan, xmit, int64(100 + i%50000)
}

// writeBenchFile writes the clearing file of the first n sales (beyond the
// journal's size, lines repeat the last sale: duplicates).
func writeBenchFile(b *testing.B, path string, n int) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var buf []byte
	jn := benchLines()
	for i := 0; i < n; i++ {
		k := min(i, jn-1)
		term, merch, rrn, stan, xmit, amt := benchKey(k)
		l := clearing.Line{Acquirer: "48021000", Trace: stan, Transmitted: xmit, Amount: posguard.Amount(amt),
			Kind: clearing.KindSale, MCC: "5411", Terminal: term, Merchant: merch, RRN: rrn, AuthCode: "123456", EntryMode: "021"}
		buf, err = clearing.AppendRecord(buf[:0], &l, "6225880000001017")
		if err != nil {
			b.Fatal(err)
		}
		w.Write(buf)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
}
