package access_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/access"
)

// BenchmarkCheckPassword is the cost of one login's password check
// (argon2id, 19 MiB, 2 passes): what a guesser pays per guess.
func BenchmarkCheckPassword(b *testing.B) {
	h, err := access.HashPassword("correct horse battery")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if !access.CheckPassword(h, "correct horse battery") {
			b.Fatal("no match")
		}
	}
}

// BenchmarkAuthenticate is the cost every API request pays to authenticate
// a bearer token (a SHA-256 and one indexed read of SQLite).
func BenchmarkAuthenticate(b *testing.B) {
	a, as, _ := newAuth(b)
	a.Now = nil
	u, err := as.UserByName(context.Background(), "fin")
	if err != nil {
		b.Fatal(err)
	}
	secret, _, err := a.IssueToken(context.Background(), u, posguard.TokenAPI, time.Hour, "bench")
	if err != nil {
		b.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/v1/transactions", nil)
	r.Header.Set("Authorization", "Bearer "+secret)
	for b.Loop() {
		if _, _, err := a.Authenticate(r); err != nil {
			b.Fatal(err)
		}
	}
}
