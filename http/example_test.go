package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/posguard/posguard"
	api "github.com/posguard/posguard/http"
	"github.com/posguard/posguard/sqlite"
	"github.com/posguard/posguard/storetest"
)

// ExampleServer serves the API over a SQLite store and reads one
// transaction back.
func ExampleServer() {
	dir, err := os.MkdirTemp("", "posguard-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	store, err := sqlite.Open(filepath.Join(dir, "posguard.db"), storetest.NewSealer())
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	txn := &posguard.Transaction{
		TxnKey: posguard.TxnKey{TerminalID: "T0000001", Batch: "000001", STAN: "000001", MTI: "0200"},
		Type:   posguard.TxnSale, State: posguard.StateDeclined, ResponseCode: "51",
		PANMasked: "622588******5678", Amount: 1234,
	}
	if err := store.Insert(context.Background(), txn); err != nil {
		log.Fatal(err)
	}

	srv := httptest.NewServer((&api.Server{Store: store}).Handler())
	defer srv.Close()
	resp, err := srv.Client().Get(fmt.Sprintf("%s/v1/transactions?code=51", srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	var page struct {
		Transactions []struct {
			PAN        string `json:"pan"`
			AmountYuan string `json:"amount_yuan"`
			State      string `json:"state"`
		} `json:"transactions"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		log.Fatal(err)
	}
	for _, t := range page.Transactions {
		fmt.Println(resp.StatusCode, t.PAN, t.AmountYuan, t.State)
	}
	// Output: 200 622588******5678 12.34 declined
}
