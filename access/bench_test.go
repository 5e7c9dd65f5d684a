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
// a bearer token: "store" a SHA-256 and one indexed read of SQLite (the
// token and its user), "cached" a SHA-256, the read of the cache version
// and the token from memory.
func BenchmarkAuthenticate(b *testing.B) {
	for _, cached := range []bool{false, true} {
		name := "store"
		if cached {
			name = "cached"
		}
		b.Run(name, func(b *testing.B) {
			a, as, _ := newAuth(b)
			a.Now = nil
			if cached {
				a.Versions = as.(posguard.CacheVersions)
			}
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
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := a.Authenticate(r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
