package storetest

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/posguard/posguard"
)

// testCacheVersion checks posguard.CacheVersions: every change to a token,
// a user, a merchant or a merchant wallet moves the counter on, whoever
// makes it; reads and unrelated writes leave it where it is.
func testCacheVersion(t *testing.T, s posguard.Store, a posguard.AccessStore) {
	ctx := context.Background()
	q := sideOf[QRStorer](t, s).QR()
	version := versionOf(t, s)
	m := sampleMerchant("898310048990001")
	must(t, s.PutMerchant(ctx, m), "put merchant")
	u := &posguard.User{Name: "shop", Role: posguard.RoleMerchant, MerchantID: m.ID, PasswordHash: "$h"}
	must(t, a.CreateUser(ctx, u), "create user")
	tk := &posguard.Token{UserID: u.ID, Kind: posguard.TokenAPI, Hash: "cv1", ExpiresAt: time.Now().Add(time.Hour)}
	must(t, a.CreateToken(ctx, tk), "create token")

	steps := []struct {
		name  string
		moves bool
		do    func() error
	}{
		{"read a token", false, func() error { _, _, err := a.TokenByHash(ctx, "cv1"); return err }},
		{"read a merchant", false, func() error { _, err := s.Merchant(ctx, m.ID); return err }},
		{"record a login failure", false, func() error { return a.AddLoginFailure(ctx, "shop", time.Now()) }},
		{"add a wallet", true, func() error {
			return q.PutMerchantWallet(ctx, &posguard.MerchantWallet{MerchantID: m.ID, MchID: "1900001", NotifyKey: bytes.Repeat([]byte{1}, 32)})
		}},
		{"change a wallet", true, func() error {
			return q.PutMerchantWallet(ctx, &posguard.MerchantWallet{MerchantID: m.ID, MchID: "1900002", NotifyKey: bytes.Repeat([]byte{1}, 32)})
		}},
		{"freeze a merchant", true, func() error {
			_, err := s.SetMerchantStatus(ctx, m.ID, posguard.MerchantActive, posguard.MerchantFrozen, nil)
			return err
		}},
		{"put a merchant again", true, func() error { return s.PutMerchant(ctx, m) }},
		{"disable a user", true, func() error { return a.SetUserDisabled(ctx, "shop", true) }},
		{"revoke a token", true, func() error { return a.RevokeToken(ctx, tk.ID) }},
	}
	before := version()
	for _, st := range steps {
		must(t, st.do(), st.name)
		after := version()
		if moved := after != before; moved != st.moves {
			t.Fatalf("%s: cache version %d → %d, want moved=%v", st.name, before, after, st.moves)
		}
		before = after
	}
}

// versionOf returns a reader of s's cache version that fails t on an error.
func versionOf(t *testing.T, s posguard.Store) func() int64 {
	cv := sideOf[posguard.CacheVersions](t, s)
	return func() int64 {
		t.Helper()
		v, err := cv.CacheVersion(context.Background())
		must(t, err, "cache version")
		return v
	}
}
