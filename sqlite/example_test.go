package sqlite_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/sqlite"
	"github.com/posguard/posguard/storetest"
)

// Open a store, provision a terminal and journal a sale.
func ExampleOpen() {
	dir, err := os.MkdirTemp("", "posguard-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	// In posguard the sealer is the host key; storetest's is for examples and tests.
	s, err := sqlite.Open(filepath.Join(dir, "posguard.db"), storetest.NewSealer())
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()

	if err := s.PutTerminal(ctx, &posguard.Terminal{ID: "10000001", MerchantID: "898310048990001",
		TMK: make([]byte, 16), KeyScheme: posguard.KeyScheme003}); err != nil {
		log.Fatal(err)
	}
	t, err := s.Terminal(ctx, "10000001")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("batch", t.Batch, "signed on", t.SignedOn)

	sale := &posguard.Transaction{
		TxnKey: posguard.TxnKey{TerminalID: "10000001", Batch: t.Batch, STAN: "000001", MTI: "0200"},
		Type:   posguard.TxnSale, MerchantID: "898310048990001", Amount: 1250, State: posguard.StateForwarded,
	}
	if err := s.Insert(ctx, sale); err != nil {
		log.Fatal(err)
	}
	err = s.Insert(ctx, sale)
	fmt.Println("again:", posguard.ErrorCode(err))
	// Output:
	// batch 000001 signed on false
	// again: conflict
}
