package storetest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/posguard/posguard"
)

// JournalSale writes one sale's journal entries as the switch does: t is
// inserted (forwarded), then updated to approved with its answer and a
// detail, each write durable. The journal benchmarks of both databases
// measure it.
func JournalSale(ctx context.Context, s posguard.Journal, t *posguard.Transaction) error {
	if err := s.Insert(ctx, t); err != nil {
		return err
	}
	return s.Update(ctx, posguard.TxnUpdate{
		ID: t.ID, FromStates: []posguard.State{posguard.StateForwarded}, State: posguard.StateApproved,
		ResponseCode: "00", AuthCode: "A12345", RRN: "261122000001",
		Answer: &posguard.Answer{Code: "00", RRN: "261122000001"}, Detail: map[string]string{"upstream_ms": "1"},
	})
}

// BenchJournalAppend measures JournalSale from one goroutine and from 64,
// with group commit on and off, on stores made by open (which turns group
// commit on or off); txn(i) is the i-th sale to write.
func BenchJournalAppend(b *testing.B, open func(b *testing.B, group bool) posguard.Journal, txn func(i int) *posguard.Transaction) {
	for _, group := range []bool{true, false} {
		for _, par := range []int{1, 64} {
			b.Run(fmt.Sprintf("group=%v/writers=%d", group, par), func(b *testing.B) {
				s := open(b, group)
				ctx := context.Background()
				var next atomic.Int64
				b.ReportAllocs()
				b.SetParallelism(par)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if err := JournalSale(ctx, s, txn(int(next.Add(1)))); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
		}
	}
}
