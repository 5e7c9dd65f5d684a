package http_test

import (
	"context"
	"encoding/json"
	nethttp "net/http"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/access"
	api "github.com/posguard/posguard/http"
)

// accessor is a store with an access side (sqlite.Store).
type accessor interface {
	Access() posguard.AccessStore
}

// testPassword is every test user's password.
const testPassword = "test password 1"

// addUser creates a user with testPassword and returns a bearer token for it.
func addUser(t testing.TB, as posguard.AccessStore, name string, role posguard.Role, mid string) string {
	t.Helper()
	ctx := context.Background()
	u, err := as.UserByName(ctx, name)
	if posguard.ErrorCode(err) == posguard.ENOTFOUND {
		hash, herr := access.HashPassword(testPassword)
		if herr != nil {
			t.Fatal(herr)
		}
		u = &posguard.User{Name: name, Role: role, MerchantID: mid, PasswordHash: hash}
		err = as.CreateUser(ctx, u)
	}
	if err != nil {
		t.Fatal(err)
	}
	secret, _, err := (&access.Auth{Store: as}).IssueToken(ctx, u, posguard.TokenAPI, time.Hour, "test")
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// asStaff sets s.Access from st and returns s's handler behind a wrapper
// that signs each request carrying no Authorization header as a staff user
// the route admits: the finance user "fin" on money-moving routes, the
// admin "root" elsewhere. Tests of behaviour other than access use it; the
// access tests (access_test.go) send their own tokens.
func asStaff(t testing.TB, s *api.Server, st accessor) nethttp.Handler {
	t.Helper()
	s.Access = st.Access()
	admin := addUser(t, s.Access, "root", posguard.RoleAdmin, "")
	fin := addUser(t, s.Access, "fin", posguard.RoleFinance, "")
	h := s.Handler()
	return nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		if r.Header.Get("Authorization") == "" {
			tok := admin
			if r.URL.Path == "/v1/sessions/current" {
				// Logging out revokes the token used: a fresh one.
				tok = addUser(t, s.Access, "root", posguard.RoleAdmin, "")
			}
			if strings.HasSuffix(r.URL.Path, "/resettle") || strings.HasSuffix(r.URL.Path, "/approve") || strings.HasSuffix(r.URL.Path, "/reject") {
				tok = fin
			}
			r.Header.Set("Authorization", "Bearer "+tok)
		}
		h.ServeHTTP(w, r)
	})
}

// jsonDecode decodes raw into v.
func jsonDecode(raw string, v any) error { return json.Unmarshal([]byte(raw), v) }
