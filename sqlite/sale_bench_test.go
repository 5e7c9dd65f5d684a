package sqlite_test

import (
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/posguard/posguard/sqlite"
	"github.com/posguard/posguard/storetest"
)

// BenchmarkSaleWrites measures the journal writes of sales as the switch
// makes them (storetest.BenchSaleWrites) through group commit, on the schema
// before migration 0105 ("0030-indexes": card tail and amount indexed on
// the journal) and after it ("side-table": the search table kept up to
// date by IndexJournal inside the measurement). Besides time it reports the
// process CPU per sale and the bytes the database file holds per sale after
// a checkpoint (rows plus index entries) and the bytes written to storage
// per sale (WAL frames and checkpoints, the close's included), which do not
// depend on how busy the machine is.
func BenchmarkSaleWrites(b *testing.B) {
	for _, variant := range []string{"0030-indexes", "side-table"} {
		b.Run(variant, func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "sale.db")
			s, err := sqlite.Open(path, storetest.NewSealer())
			if err != nil {
				b.Fatal(err)
			}
			if variant == "0030-indexes" {
				db, err := sql.Open("sqlite", path)
				if err != nil {
					b.Fatal(err)
				}
				_, err = db.Exec(storetest.SearchIndexes030)
				db.Close()
				if err != nil {
					b.Fatal(err)
				}
			}
			before := fileSize(b, path)
			cpu0, io0 := storetest.ProcessCPU(), storetest.ProcessWrites()
			b.ResetTimer()
			storetest.BenchSaleWrites(b, s, variant == "side-table")
			b.StopTimer()
			cpu := storetest.ProcessCPU() - cpu0
			b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/sale")
			if err := s.Close(); err != nil { // checkpoints the WAL into the file
				b.Fatal(err)
			}
			b.ReportMetric(float64(storetest.ProcessWrites()-io0)/float64(b.N), "written-B/sale")
			b.ReportMetric(float64(fileSize(b, path)-before)/float64(b.N), "db-B/sale")
		})
	}
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
