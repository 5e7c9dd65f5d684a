package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard/postgres/pgtest"
	"github.com/posguard/posguard/storetest"
)

// BenchmarkSaleWrites measures the journal writes of sales as the switch
// makes them (storetest.BenchSaleWrites) through group commit and pgx
// pipelining, on the schema before migration 0105 ("0030-indexes") and
// after it ("side-table", with IndexJournal inside the measurement). It
// reports the CPU per sale of this process and of the server's backends
// serving it (read from /proc: the server must run on this machine; its
// WAL writer, checkpointer and autovacuum are not counted), and the bytes
// the journal and search tables with their indexes hold per sale.
func BenchmarkSaleWrites(b *testing.B) {
	testURL(b)
	for _, variant := range []string{"0030-indexes", "side-table"} {
		b.Run(variant, func(b *testing.B) {
			tag := make([]byte, 6)
			rand.Read(tag)
			app := "salebench_" + hex.EncodeToString(tag)
			s, err := Open(context.Background(), pgtest.URL(b)+"&application_name="+app, storetest.NewSealer())
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			ctx := context.Background()
			if variant == "0030-indexes" {
				if _, err := s.pool.Exec(ctx, storetest.SearchIndexes030); err != nil {
					b.Fatal(err)
				}
			}
			size := func() int64 {
				var n int64
				if err := s.pool.QueryRow(ctx, `SELECT pg_total_relation_size('transactions') + pg_total_relation_size('txn_search')`).Scan(&n); err != nil {
					b.Fatal(err)
				}
				return n
			}
			backends := func() map[int]time.Duration {
				rows, err := s.pool.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE application_name = $1`, app)
				if err != nil {
					b.Fatal(err)
				}
				defer rows.Close()
				out := map[int]time.Duration{}
				for rows.Next() {
					var pid int
					if err := rows.Scan(&pid); err != nil {
						b.Fatal(err)
					}
					out[pid] = procCPU(b, pid)
				}
				return out
			}
			size0, server0, cpu0 := size(), backends(), storetest.ProcessCPU()
			b.ResetTimer()
			storetest.BenchSaleWrites(b, s, variant == "side-table")
			b.StopTimer()
			cpu := storetest.ProcessCPU() - cpu0
			var server time.Duration
			for pid, t := range backends() {
				server += t - server0[pid]
			}
			b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/sale")
			b.ReportMetric(float64(server.Microseconds())/float64(b.N), "server-cpu-µs/sale")
			b.ReportMetric(float64(size()-size0)/float64(b.N), "db-B/sale")
		})
	}
}

// procCPU returns the user and system CPU process pid has used so far.
func procCPU(b *testing.B, pid int) time.Duration {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		b.Fatalf("the server's backends must run on this machine: %v", err)
	}
	// Fields after the command name (which may hold spaces) in ")":
	// utime and stime are the 12th and 13th, in clock ticks (100 a second).
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond
}
