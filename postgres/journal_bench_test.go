package postgres

import (
	"fmt"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/storetest"
)

// BenchmarkJournalAppend measures the switch's journal writes for one sale:
// Insert (forwarded) then Update (approved, answer, detail), each committed,
// from one goroutine and from many, with group commit on and off.
func BenchmarkJournalAppend(b *testing.B) {
	storetest.BenchJournalAppend(b, func(b *testing.B, group bool) posguard.Journal {
		s := openTest(b)
		b.Cleanup(func() { s.Close() })
		s.SetGroupCommit(group)
		return s
	}, func(i int) *posguard.Transaction {
		return &posguard.Transaction{
			TxnKey:     posguard.TxnKey{TerminalID: fmt.Sprintf("9%07d", i%1000), Batch: "000001", STAN: fmt.Sprintf("%06d", i/1000+1), MTI: "0200"},
			Type:       posguard.TxnSale,
			MerchantID: "898310048990001",
			Amount:     1000,
			Currency:   posguard.CurrencyCNY,
			State:      posguard.StateForwarded,
			Detail:     map[string]string{"route": "cups"},
		}
	})
}
