package postgres

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/posguard/posguard"
)

// BenchmarkJournalAppend measures the switch's journal writes for one sale:
// Insert (forwarded) then Update (approved, answer, detail), each committed,
// from one goroutine and from many, with group commit on and off.
func BenchmarkJournalAppend(b *testing.B) {
	for _, group := range []bool{true, false} {
		for _, par := range []int{1, 64} {
			b.Run(fmt.Sprintf("group=%v/writers=%d", group, par), func(b *testing.B) {
				s := openTest(b)
				b.Cleanup(func() { s.Close() })
				s.SetGroupCommit(group)
				ctx := context.Background()
				var next atomic.Int64
				b.ReportAllocs()
				b.SetParallelism(par)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						i := next.Add(1)
						t := &posguard.Transaction{
							TxnKey:     posguard.TxnKey{TerminalID: fmt.Sprintf("9%07d", i%1000), Batch: "000001", STAN: fmt.Sprintf("%06d", i/1000+1), MTI: "0200"},
							Type:       posguard.TxnSale,
							MerchantID: "898310048990001",
							Amount:     1000,
							Currency:   posguard.CurrencyCNY,
							State:      posguard.StateForwarded,
							Detail:     map[string]string{"route": "cups"},
						}
						if err := s.Insert(ctx, t); err != nil {
							b.Error(err)
							return
						}
						err := s.Update(ctx, posguard.TxnUpdate{
							ID: t.ID, FromStates: []posguard.State{posguard.StateForwarded}, State: posguard.StateApproved,
							ResponseCode: "00", AuthCode: "A12345", RRN: "261122000001",
							Answer: &posguard.Answer{Code: "00", RRN: "261122000001"}, Detail: map[string]string{"upstream_ms": "1"},
						})
						if err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
		}
	}
}
