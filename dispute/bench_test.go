package dispute_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/dispute"
	"github.com/posguard/posguard/sqlite"
	"github.com/posguard/posguard/storetest"
)

// BenchmarkReadFile reads a dispute file of 10,000 lines.
func BenchmarkReadFile(b *testing.B) {
	ns := make([]dispute.Notice, 10000)
	raised := time.Date(2026, 3, 5, 2, 0, 0, 0, time.UTC)
	for i := range ns {
		ns[i] = dispute.Notice{ID: fmt.Sprintf("CB%013d", i), Kind: posguard.DisputeChargeback, ReasonCode: "4515",
			RRN: fmt.Sprintf("%012d", i), Trace: "000011", Terminal: "10000001", Merchant: "898310048990001",
			Card: "622588******0019", Amount: 8800, Currency: "156", TxnDate: "2026-03-01", RaisedAt: raised}
	}
	file := dispute.WriteFile(ns)
	b.SetBytes(int64(len(file)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := dispute.ReadFile(bytes.NewReader(file)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkImport imports one chargeback per iteration into SQLite: match
// by RRN, the dispute, its case, three pieces of evidence, the ledger
// debit, the history notes and the audit record.
func BenchmarkImport(b *testing.B) {
	ctx := context.Background()
	st, err := sqlite.Open(filepath.Join(b.TempDir(), "posguard.db"), storetest.NewSealer())
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if err := st.PutMerchant(ctx, &posguard.Merchant{ID: shop, Name: "鲜果铺", Status: posguard.MerchantActive}); err != nil {
		b.Fatal(err)
	}
	if err := st.PutTerminal(ctx, &posguard.Terminal{ID: shopTID, MerchantID: shop, TMK: make([]byte, 16), KeyScheme: posguard.KeyScheme003,
		MAC: posguard.MACCupsECB, Status: posguard.TerminalActive}); err != nil {
		b.Fatal(err)
	}
	raised := time.Date(2026, 3, 5, 2, 0, 0, 0, time.UTC)
	var ns []dispute.Notice
	for i := 0; i < b.N; i++ {
		stan := fmt.Sprintf("%06d", i%1000000)
		tx := &posguard.Transaction{TxnKey: posguard.TxnKey{TerminalID: shopTID, Batch: fmt.Sprintf("%06d", i/1000000+1), STAN: stan, MTI: "0200"},
			Type: posguard.TxnSale, MerchantID: shop, PANMasked: "622588******0019", IssuerBIN: "622588", Amount: 8800,
			Currency: posguard.CurrencyCNY, EntryMode: "051", SettlementDate: "2026-03-01", RRN: fmt.Sprintf("%012d", i),
			AuthCode: "123456", ResponseCode: "00", Reason: posguard.ReasonApproved, State: posguard.StateApproved}
		if err := st.Insert(ctx, tx); err != nil {
			b.Fatal(err)
		}
		ns = append(ns, dispute.Notice{ID: fmt.Sprintf("CB%013d", i), Kind: posguard.DisputeChargeback, ReasonCode: "4515",
			RRN: tx.RRN, Trace: stan, Terminal: shopTID, Merchant: shop, Card: "622588******0019", Amount: 8800,
			Currency: "156", TxnDate: "2026-03-01", RaisedAt: raised})
	}
	svc := &dispute.Service{Store: st, Ledger: st.Money(), Audit: st.Access(), Now: func() time.Time { return raised }}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rep, err := svc.Import(ctx, ns[i:i+1], dispute.System)
		if err != nil || len(rep.Created) != 1 {
			b.Fatalf("%+v %v", rep, err)
		}
	}
}
