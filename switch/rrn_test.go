package switching

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/posguard/posguard/postgres"
	"github.com/posguard/posguard/postgres/pgtest"
	"github.com/posguard/posguard/sqlite"
	"github.com/posguard/posguard/storetest"
)

// TestRRNsUniqueAcrossInstances: switches sharing a database through the
// block counter, all started at the same journal, never give one number
// twice (the in-memory sequence would: each continues the journal's
// highest ID).
func TestRRNsUniqueAcrossInstances(t *testing.T) {
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "r.db"), storetest.NewSealer())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	var sws []*Switch
	for i := 0; i < 3; i++ {
		sws = append(sws, &Switch{cfg: Config{Counter: st, RRNBlock: 7}, rrnFloor: 42})
	}
	seen := map[int64]bool{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, s := range sws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				n, err := s.number(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if seen[n] || n <= 42 {
					t.Errorf("number %d given twice or not above the journal's highest ID", n)
				}
				seen[n] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if got := rrnOf("2026-03-01", 123); got != "030100000123" {
		t.Fatalf("RRN %s", got)
	}
}

// BenchmarkNumberMemory is the one-instance sequence: an atomic add.
func BenchmarkNumberMemory(b *testing.B) {
	s := &Switch{}
	ctx := context.Background()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			s.number(ctx)
		}
	})
}

// BenchmarkNumberBlocksPostgres is the shared sequence on PostgreSQL
// (TEST_DATABASE_URL): one round trip per block of 1000 numbers.
func BenchmarkNumberBlocksPostgres(b *testing.B) {
	st, err := postgres.Open(context.Background(), pgtest.URL(b), storetest.NewSealer())
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	s := &Switch{cfg: Config{Counter: st, RRNBlock: 1000}}
	ctx := context.Background()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.number(ctx); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
