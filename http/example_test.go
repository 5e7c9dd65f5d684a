package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	nethttp "net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/access"
	api "github.com/posguard/posguard/http"
	"github.com/posguard/posguard/sqlite"
	"github.com/posguard/posguard/storetest"
)

// ExampleServer serves the API over a SQLite store, signs in as an
// operator (POST /v1/sessions) and reads one transaction back with the
// session token.
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

	hash, err := access.HashPassword("correct horse battery")
	if err != nil {
		log.Fatal(err)
	}
	if err := store.Access().CreateUser(context.Background(), &posguard.User{Name: "li", Role: posguard.RoleOperator, PasswordHash: hash}); err != nil {
		log.Fatal(err)
	}

	srv := httptest.NewServer((&api.Server{Store: store, Access: store.Access()}).Handler())
	defer srv.Close()
	login, err := srv.Client().Post(srv.URL+"/v1/sessions", "application/json",
		strings.NewReader(`{"name": "li", "password": "correct horse battery"}`))
	if err != nil {
		log.Fatal(err)
	}
	var session struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(login.Body).Decode(&session); err != nil {
		log.Fatal(err)
	}
	login.Body.Close()
	req, _ := nethttp.NewRequest("GET", srv.URL+"/v1/transactions?code=51", nil)
	req.Header.Set("Authorization", "Bearer "+session.Token)
	resp, err := srv.Client().Do(req)
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
