package storetest

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/posguard/posguard"
)

// SearchIndexes030 re-creates the two journal indexes that migration 0105
// dropped (migration 0030's, the same on both databases), for a benchmark
// of the schema before it.
const SearchIndexes030 = `CREATE INDEX transactions_card_tail ON transactions ((substr(pan_masked, length(pan_masked) - 3)), id);
CREATE INDEX transactions_amount ON transactions (amount, id)`

// BenchSaleWrites writes b.N sales as the switch does (insert as forwarded
// with an RRN, then the outcome update without one: approved, one in
// twenty declined) from 64 concurrent writers; card tails are spread over
// 100 cards and amounts over 900 values, as in posguard bench. With index
// set it also keeps the search table up to date as the host does
// (IndexJournal every 100 ms beside the writers, the rest before it
// returns), so that the caller's measurement holds the whole cost.
func BenchSaleWrites(b *testing.B, s posguard.Store, index bool) {
	ctx := context.Background()
	ix, _ := s.(posguard.JournalIndexer)
	indexAll := func() {
		for more := true; more; {
			var err error
			if _, more, err = ix.IndexJournal(ctx, 0); err != nil {
				b.Error(err)
				return
			}
		}
	}
	done, indexed := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(indexed)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for index {
			select {
			case <-done:
				return
			case <-t.C:
				indexAll()
			}
		}
	}()
	var next atomic.Int64
	b.SetParallelism(32)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(next.Add(1))
			x := txn(fmt.Sprintf("%08d", i%256), fmt.Sprintf("%06d", i/256%1000000))
			x.Batch = fmt.Sprintf("%06d", i/256/1000000+1)
			x.PANMasked = fmt.Sprintf("622202******%04d", i*7919%100)
			x.Amount = posguard.Amount(100 + i*104729%900)
			x.RRN, x.State, x.ResponseCode, x.Reason = fmt.Sprintf("2603%08d", i), posguard.StateForwarded, "", ""
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
	close(done)
	<-indexed
	if index {
		indexAll()
	}
}

// ProcessCPU returns the user and system CPU this process has used.
func ProcessCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// ProcessWrites returns the bytes this process has had written to storage
// so far (write_bytes of /proc/self/io; 0 where there is none).
func ProcessWrites() int64 {
	raw, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "write_bytes: "); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}
