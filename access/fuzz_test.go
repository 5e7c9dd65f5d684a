package access_test

import (
	"net/http/httptest"
	"testing"

	"github.com/posguard/posguard/access"
)

// FuzzCheckPassword: no stored hash or password makes the checker panic,
// and only the right password matches a real hash.
func FuzzCheckPassword(f *testing.F) {
	good, err := access.HashPassword("right password")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good, "right password")
	f.Add("$argon2id$v=19$m=1,t=1,p=1$$", "")
	f.Add("$argon2id$v=19$m=99999999,t=1,p=1$c2FsdA$aGFzaA", "x")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, encoded, password string) {
		if len(encoded) > 400 {
			return
		}
		ok := access.CheckPassword(encoded, password)
		if encoded == good && ok != (password == "right password") {
			t.Fatalf("CheckPassword(good, %q) = %v", password, ok)
		}
	})
}

// FuzzAuthorizationHeader: no Authorization header or cookie value panics
// the authenticator, and none authenticates without a stored token.
func FuzzAuthorizationHeader(f *testing.F) {
	a, _, _ := newAuth(f)
	f.Add("Bearer pgt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "")
	f.Add("bearer  x", "pgt_")
	f.Add("", "pgt_\x00")
	f.Fuzz(func(t *testing.T, header, cookie string) {
		r := httptest.NewRequest("GET", "/", nil)
		if header != "" {
			r.Header.Set("Authorization", header)
		}
		if cookie != "" {
			r.Header.Set("Cookie", access.SessionCookie+"="+cookie)
		}
		if u, _, err := a.Authenticate(r); err == nil {
			t.Fatalf("authenticated %v from header %q cookie %q", u, header, cookie)
		}
		_ = a.CheckCSRF(r)
	})
}
