package access_test

import (
	"context"
	"crypto/tls"
	nethttp "net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/access"
	"github.com/posguard/posguard/sqlite"
	"github.com/posguard/posguard/storetest"
)

// clock is a settable time.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// newAuth returns an Auth over a fresh SQLite store, its clock, and a user
// named "fin" (finance, password "correct horse") and "shop" (merchant M1).
func newAuth(t testing.TB) (*access.Auth, posguard.AccessStore, *clock) {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "p.db"), storetest.NewSealer())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := &clock{t: time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)}
	as := st.Access()
	a := &access.Auth{Store: as, Now: c.now}
	for _, u := range []*posguard.User{
		{Name: "fin", Role: posguard.RoleFinance},
		{Name: "shop", Role: posguard.RoleMerchant, MerchantID: "M1"},
	} {
		u.PasswordHash, err = access.HashPassword("correct horse")
		if err != nil {
			t.Fatal(err)
		}
		if err := as.CreateUser(context.Background(), u); err != nil {
			t.Fatal(err)
		}
	}
	return a, as, c
}

func code(err error) string { return posguard.ErrorCode(err) }

func TestPasswordHash(t *testing.T) {
	h, err := access.HashPassword("s3cret password")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$") || strings.Contains(h, "s3cret") {
		t.Fatalf("hash %q", h)
	}
	h2, _ := access.HashPassword("s3cret password")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	if !access.CheckPassword(h, "s3cret password") || access.CheckPassword(h, "s3cret passworD") || access.CheckPassword("$argon2id$garbage", "x") {
		t.Fatal("CheckPassword answers wrong")
	}
	if access.CheckPassword(h, strings.Repeat("a", access.MaxPasswordLen+1)) {
		t.Fatal("an over-long password matched")
	}
}

func TestLoginLockout(t *testing.T) {
	a, as, c := newAuth(t)
	ctx := context.Background()
	if _, err := a.Login(ctx, "FIN", "correct horse", "1.2.3.4:5"); err != nil {
		t.Fatalf("good login: %v", err)
	}
	_, errUnknown := a.Login(ctx, "nobody", "x", "")
	_, errWrong := a.Login(ctx, "fin", "wrong", "")
	if code(errUnknown) != posguard.EUNAUTHORIZED || errUnknown.Error() != errWrong.Error() {
		t.Fatalf("unknown name %v and wrong password %v must answer alike", errUnknown, errWrong)
	}
	for range 4 {
		c.t = c.t.Add(time.Minute)
		if _, err := a.Login(ctx, "fin", "wrong", ""); code(err) != posguard.EUNAUTHORIZED {
			t.Fatalf("failure before lock: %v", err)
		}
	}
	fifth := c.t
	if _, err := a.Login(ctx, "fin", "correct horse", ""); code(err) != posguard.ELOCKED {
		t.Fatalf("after five failures the right password must be refused as locked, got %v", err)
	}
	if _, err := a.Login(ctx, "shop", "correct horse", ""); err != nil {
		t.Fatalf("another name is not locked: %v", err)
	}
	c.t = fifth.Add(access.LockoutWindow - time.Second)
	if _, err := a.Login(ctx, "fin", "correct horse", ""); code(err) != posguard.ELOCKED {
		t.Fatalf("still locked just before 15 minutes: %v", err)
	}
	c.t = fifth.Add(access.LockoutWindow)
	if _, err := a.Login(ctx, "fin", "correct horse", ""); err != nil {
		t.Fatalf("after 15 minutes: %v", err)
	}
	recs, _ := as.AuditRecords(ctx, posguard.AuditFilter{Action: "login"})
	var failed, locked, ok int
	for _, r := range recs {
		switch r.Outcome {
		case "failed":
			failed++
			if r.Role != "" {
				t.Errorf("failed login recorded with role %q", r.Role)
			}
		case "locked":
			locked++
		case "ok":
			ok++
		}
	}
	if failed != 6 || locked != 2 || ok != 3 {
		t.Fatalf("audit: %d failed, %d locked, %d ok", failed, locked, ok)
	}
	for _, r := range recs {
		if strings.Contains(r.Changes+r.Object, "correct horse") || strings.Contains(r.Changes+r.Object, "wrong") {
			t.Fatalf("a password reached the audit log: %+v", r)
		}
	}
}

func TestTokenLifecycle(t *testing.T) {
	a, as, c := newAuth(t)
	ctx := context.Background()
	u, _ := as.UserByName(ctx, "fin")
	secret, tk, err := a.IssueToken(ctx, u, posguard.TokenAPI, time.Hour, "ERP")
	if err != nil {
		t.Fatal(err)
	}
	if len(secret) < 40 || strings.Contains(tk.Hash, secret) {
		t.Fatalf("secret %q, hash %q", secret, tk.Hash)
	}
	req := func(h string) (*posguard.User, error) {
		r := httptest.NewRequest("GET", "/v1/x", nil)
		r.Header.Set("Authorization", h)
		u, _, err := a.Authenticate(r)
		return u, err
	}
	if got, err := req("Bearer " + secret); err != nil || got.Name != "fin" {
		t.Fatalf("valid token: %v %v", got, err)
	}
	other := "A" // a last character the secret does not end in (1 in 64 ends in A)
	if strings.HasSuffix(secret, other) {
		other = "B"
	}
	for _, h := range []string{"Bearer garbage", "Basic " + secret, "Bearer " + secret[:len(secret)-1] + other, "Bearer"} {
		if _, err := req(h); code(err) != posguard.EUNAUTHORIZED {
			t.Fatalf("%q: %v", h, err)
		}
	}
	c.t = c.t.Add(time.Hour)
	if _, err := req("Bearer " + secret); code(err) != posguard.EUNAUTHORIZED {
		t.Fatalf("expired token: %v", err)
	}
	c.t = c.t.Add(-time.Minute)
	if err := as.SetUserDisabled(ctx, "fin", true); err != nil {
		t.Fatal(err)
	}
	if _, err := req("Bearer " + secret); code(err) != posguard.EUNAUTHORIZED {
		t.Fatalf("disabled user's token: %v", err)
	}
	as.SetUserDisabled(ctx, "fin", false)
	if err := as.RevokeToken(ctx, tk.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := req("Bearer " + secret); code(err) != posguard.EUNAUTHORIZED {
		t.Fatalf("revoked token: %v", err)
	}
}

func TestRouterRefusesUndeclaredRoute(t *testing.T) {
	for _, roles := range [][]posguard.Role{nil, {"root"}, {access.Public, posguard.RoleAdmin}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("roles %v: Handle did not panic", roles)
				}
			}()
			access.NewRouter(&access.Auth{}, nil).HandleFunc("GET /x", func(nethttp.ResponseWriter, *nethttp.Request) {}, roles...)
		}()
	}
}

// serve runs rt on a test server.
func newRouter(t *testing.T, a *access.Auth) *access.Router {
	rt := access.NewRouter(a, func(w nethttp.ResponseWriter, r *nethttp.Request, err error) {
		st := map[string]int{posguard.EUNAUTHORIZED: 401, posguard.EFORBIDDEN: 403}[code(err)]
		if st == 0 {
			st = 500
		}
		w.WriteHeader(st)
	})
	ok := func(w nethttp.ResponseWriter, r *nethttp.Request) {
		w.Write([]byte(access.UserFromContext(r.Context()).Name))
	}
	rt.HandleFunc("GET /money", ok, posguard.RoleFinance)
	rt.HandleFunc("POST /money", ok, posguard.RoleFinance)
	rt.HandleFunc("GET /open", func(w nethttp.ResponseWriter, r *nethttp.Request) {
		if access.UserFromContext(r.Context()) != nil {
			t.Error("a public route got a user")
		}
	}, access.Public)
	return rt
}

func TestRouterAndSessionCookie(t *testing.T) {
	a, _, _ := newAuth(t)
	srv := httptest.NewTLSServer(newRouter(t, a))
	defer srv.Close()
	cl := srv.Client()
	do := func(method, path string, cookies []*nethttp.Cookie, hdr map[string]string) int {
		r, _ := nethttp.NewRequest(method, srv.URL+path, nil)
		for _, c := range cookies {
			r.AddCookie(c)
		}
		for k, v := range hdr {
			r.Header.Set(k, v)
		}
		res, err := cl.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if st := do("GET", "/open", nil, nil); st != 200 {
		t.Fatalf("public route: %d", st)
	}
	if st := do("GET", "/money", nil, nil); st != 401 {
		t.Fatalf("no credentials: %d", st)
	}
	// Console login over TLS: the cookie's attributes.
	rec := httptest.NewRecorder()
	login := httptest.NewRequest("POST", "/login", strings.NewReader(url.Values{"username": {"shop"}}.Encode()))
	login.TLS = &tls.ConnectionState{}
	if _, err := a.StartSession(rec, login, "shop", "correct horse"); err != nil {
		t.Fatal(err)
	}
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 || cookies[0].Name != access.SessionCookie || !cookies[0].HttpOnly || !cookies[0].Secure ||
		cookies[0].SameSite != nethttp.SameSiteStrictMode {
		t.Fatalf("session cookie %+v", cookies)
	}
	if st := do("GET", "/money", cookies, nil); st != 403 {
		t.Fatalf("merchant on a finance route: %d", st)
	}
	rec = httptest.NewRecorder()
	if _, err := a.StartSession(rec, httptest.NewRequest("POST", "/login", nil), "fin", "correct horse"); err != nil {
		t.Fatal(err)
	}
	fin := rec.Result().Cookies()
	if fin[0].Secure {
		t.Fatal("plain-HTTP login got a Secure cookie")
	}
	if st := do("GET", "/money", fin, nil); st != 200 {
		t.Fatalf("finance session on its route: %d", st)
	}
	if st := do("POST", "/money", fin, nil); st != 403 {
		t.Fatalf("state change by cookie without CSRF token: %d", st)
	}
	page := httptest.NewRequest("GET", "/", nil)
	page.AddCookie(fin[0])
	tok := a.CSRFToken(httptest.NewRecorder(), page)
	if st := do("POST", "/money", fin, map[string]string{access.CSRFHeader: tok}); st != 200 {
		t.Fatalf("with the CSRF token: %d", st)
	}
	if st := do("POST", "/money", fin, map[string]string{access.CSRFHeader: tok + "x"}); st != 403 {
		t.Fatalf("with a wrong CSRF token: %d", st)
	}
	// Logging out ends the session at once.
	out := httptest.NewRequest("POST", "/logout", nil)
	out.AddCookie(fin[0])
	if err := a.EndSession(httptest.NewRecorder(), out); err != nil {
		t.Fatal(err)
	}
	if st := do("GET", "/money", fin, nil); st != 401 {
		t.Fatalf("after logout: %d", st)
	}
}

func TestLoginFormCSRF(t *testing.T) {
	a, _, _ := newAuth(t)
	rec := httptest.NewRecorder()
	tok := a.CSRFToken(rec, httptest.NewRequest("GET", "/login", nil))
	pre := rec.Result().Cookies()
	if len(pre) != 1 || pre[0].Name != access.PreSessionCookie || !pre[0].HttpOnly {
		t.Fatalf("pre-session cookie %+v", pre)
	}
	post := func(field string, withCookie bool) error {
		r := httptest.NewRequest("POST", "/login", strings.NewReader(url.Values{access.CSRFField: {field}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if withCookie {
			r.AddCookie(pre[0])
		}
		return a.CheckCSRF(r)
	}
	if err := post(tok, true); err != nil {
		t.Fatalf("login form with its token: %v", err)
	}
	if code(post("", true)) != posguard.EFORBIDDEN || code(post(tok, false)) != posguard.EFORBIDDEN {
		t.Fatal("missing token or cookie accepted")
	}
}
