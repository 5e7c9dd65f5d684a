package access_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/access"
	"github.com/posguard/posguard/sqlite"
	"github.com/posguard/posguard/storetest"
)

// countingStore is a real store that counts the token reads made through it.
type countingStore struct {
	access.Store
	reads atomic.Int64
}

func (s *countingStore) TokenByHash(ctx context.Context, hash string) (*posguard.Token, *posguard.User, error) {
	s.reads.Add(1)
	return s.Store.TokenByHash(ctx, hash)
}

// TestCachedTokensFollowTheCacheVersion: two Auths over one database (two
// instances) keep tokens in memory, and a revocation, a user's disabling
// or an expiry refuses the very next request on both.
func TestCachedTokensFollowTheCacheVersion(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "p.db"), storetest.NewSealer())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := &clock{t: time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)}
	one, two := &countingStore{Store: st.Access()}, &countingStore{Store: st.Access()}
	a1 := &access.Auth{Store: one, Now: c.now, Versions: st}
	a2 := &access.Auth{Store: two, Now: c.now, Versions: st}
	u := &posguard.User{Name: "shop", Role: posguard.RoleMerchant, MerchantID: "M1", PasswordHash: "$h"}
	if err := st.Access().CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	auth := func(a *access.Auth, secret string) error {
		r := httptest.NewRequest("POST", "/v1/qr/orders", nil)
		r.Header.Set("Authorization", "Bearer "+secret)
		got, _, err := a.Authenticate(r)
		if err == nil && got.Name != "shop" {
			t.Fatalf("authenticated as %q", got.Name)
		}
		return err
	}
	secret, tk, err := a1.IssueToken(ctx, u, posguard.TokenAPI, time.Hour, "ERP")
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := auth(a1, secret); err != nil {
			t.Fatal(err)
		}
	}
	if n := one.reads.Load(); n != 1 {
		t.Fatalf("three requests at one cache version read the token %d times, want 1", n)
	}
	if err := auth(a2, secret); err != nil {
		t.Fatal(err)
	}

	// Revoked on the first instance: refused at once on both.
	if err := a1.Store.RevokeToken(ctx, tk.ID); err != nil {
		t.Fatal(err)
	}
	for i, a := range []*access.Auth{a1, a2} {
		if err := auth(a, secret); posguard.ErrorCode(err) != posguard.EUNAUTHORIZED {
			t.Fatalf("instance %d after the revocation: %v", i+1, err)
		}
	}

	// A user disabled by a command on the same database.
	secret, _, err = a1.IssueToken(ctx, u, posguard.TokenAPI, time.Hour, "ERP 2")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []*access.Auth{a1, a2} {
		if err := auth(a, secret); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Access().SetUserDisabled(ctx, "shop", true); err != nil {
		t.Fatal(err)
	}
	for i, a := range []*access.Auth{a1, a2} {
		if err := auth(a, secret); posguard.ErrorCode(err) != posguard.EUNAUTHORIZED {
			t.Fatalf("instance %d after disabling the user: %v", i+1, err)
		}
	}

	// A cached token still expires on time.
	if err := st.Access().SetUserDisabled(ctx, "shop", false); err != nil {
		t.Fatal(err)
	}
	if err := auth(a1, secret); err != nil {
		t.Fatal(err)
	}
	c.t = c.t.Add(2 * time.Hour)
	if err := auth(a1, secret); posguard.ErrorCode(err) != posguard.EUNAUTHORIZED {
		t.Fatalf("expired cached token: %v", err)
	}
}
