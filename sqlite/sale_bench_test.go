package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/sqlite"
	"github.com/posguard/posguard/storetest"
)

// BenchmarkSaleWrites measures the journal writes of a sale as the switch
// makes them (insert as forwarded with its RRN, then the outcome update
// without one) from 64 concurrent writers through group commit. Besides
// time it reports the process CPU per sale and the bytes the database file
// holds per sale after a checkpoint (rows plus index entries), which do not
// depend on how busy the machine is.
func BenchmarkSaleWrites(b *testing.B) {
	dir := b.TempDir()
	path := filepath.Join(dir, "sale.db")
	s, err := sqlite.Open(path, storetest.NewSealer())
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	before := fileSize(b, path)
	var next int64
	cpu0 := cpuTime()
	b.SetParallelism(32)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(atomicAdd(&next))
			x := benchTxn(i)
			x.RRN = fmt.Sprintf("2603%08d", i)
			if err := s.Insert(ctx, x); err != nil {
				b.Error(err)
				return
			}
			code, state := "00", posguard.StateApproved
			if i%20 == 0 {
				code, state = "51", posguard.StateDeclined
			}
			if err := s.Update(ctx, posguard.TxnUpdate{
				ID: x.ID, FromStates: []posguard.State{posguard.StateForwarded}, State: state,
				ResponseCode: code, Answer: &posguard.Answer{Code: code, RRN: x.RRN},
				Detail: map[string]string{"upstream_code": code},
			}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	cpu := cpuTime() - cpu0
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/sale")
	if err := s.Close(); err != nil { // checkpoints the WAL into the file
		b.Fatal(err)
	}
	b.ReportMetric(float64(fileSize(b, path)-before)/float64(b.N), "db-B/sale")
}

// fileSize returns the size of path in bytes.
func fileSize(b *testing.B, path string) int64 {
	b.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	return fi.Size()
}

// cpuTime returns the user and system CPU the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
