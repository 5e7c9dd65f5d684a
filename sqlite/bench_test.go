package sqlite_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/posguard/posguard"
)

func benchTxn(i int) *posguard.Transaction {
	return &posguard.Transaction{
		TxnKey:         posguard.TxnKey{TerminalID: fmt.Sprintf("%08d", i%1000), Batch: "000001", STAN: fmt.Sprintf("%06d", i%1000000), MTI: "0200"},
		Type:           posguard.TxnSale,
		MerchantID:     "898310048990001",
		PANMasked:      "622202******1234",
		CardOrg:        "CUP",
		Amount:         1000,
		Currency:       posguard.CurrencyCNY,
		SettlementDate: "2026-03-01",
		State:          posguard.StateForwarded,
		Detail:         map[string]string{"route": "cups"},
	}
}

// BenchmarkInsert measures one durable journal insert (transaction row and
// first event, synchronous=FULL).
func BenchmarkInsert(b *testing.B) {
	s := openTemp(b)
	defer s.Close()
	ctx := context.Background()
	i := 0
	for b.Loop() {
		if err := s.Insert(ctx, benchTxn(i)); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkUpdate measures one durable outcome update (row, event, FromStates
// check) on a journal of b.N forwarded transactions.
func BenchmarkUpdate(b *testing.B) {
	s := openTemp(b)
	defer s.Close()
	ctx := context.Background()
	ids := make([]int64, b.N)
	for i := range ids {
		x := benchTxn(i)
		if err := s.Insert(ctx, x); err != nil {
			b.Fatal(err)
		}
		ids[i] = x.ID
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		err := s.Update(ctx, posguard.TxnUpdate{
			ID: ids[i], FromStates: []posguard.State{posguard.StateForwarded}, State: posguard.StateApproved,
			ResponseCode: "00", Answer: &posguard.Answer{Code: "00", RRN: "260301000001"},
			Detail: map[string]string{"upstream_ms": "12"},
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInsertParallel measures inserts from many goroutines sharing the
// single writer.
func BenchmarkInsertParallel(b *testing.B) {
	s := openTemp(b)
	defer s.Close()
	ctx := context.Background()
	var next int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(atomicAdd(&next))
			if err := s.Insert(ctx, benchTxn(i)); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func atomicAdd(p *int64) int64 { return atomic.AddInt64(p, 1) }
