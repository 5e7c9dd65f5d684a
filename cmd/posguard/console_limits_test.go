package main

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/access"
)

// consoleCSRF finds a console page's CSRF form field.
var consoleCSRF = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// consoleUser is a browser session on a running world's console.
type consoleUser struct {
	wd *world
	c  *http.Client
}

// consoleLogin creates a console user of role with a password and logs it
// in through the login form.
func (wd *world) consoleLogin(name string, role posguard.Role) *consoleUser {
	wd.t.Helper()
	hash, err := access.HashPassword("secret-" + name)
	if err != nil {
		wd.t.Fatal(err)
	}
	if err := wd.serve.store.Access().CreateUser(context.Background(), &posguard.User{Name: name, Role: role, PasswordHash: hash}); err != nil {
		wd.t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	u := &consoleUser{wd: wd, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	if st, _ := u.post("/login", "/login", url.Values{"username": {name}, "password": {"secret-" + name}}); st != http.StatusSeeOther {
		wd.t.Fatalf("console login of %s: %d", name, st)
	}
	return u
}

// get returns a console page's status and body.
func (u *consoleUser) get(path string) (int, string) {
	u.wd.t.Helper()
	res, err := u.c.Get("http://" + u.wd.httpAdr + path)
	if err != nil {
		u.wd.t.Fatal(err)
	}
	defer res.Body.Close()
	var b strings.Builder
	_, _ = io.Copy(&b, res.Body)
	return res.StatusCode, b.String()
}

// post submits form to path with the CSRF token of page formPage.
func (u *consoleUser) post(formPage, path string, form url.Values) (int, string) {
	u.wd.t.Helper()
	_, body := u.get(formPage)
	m := consoleCSRF.FindStringSubmatch(body)
	if m == nil {
		u.wd.t.Fatalf("%s has no CSRF field", formPage)
	}
	form.Set("csrf_token", m[1])
	res, err := u.c.PostForm("http://"+u.wd.httpAdr+path, form)
	if err != nil {
		u.wd.t.Fatal(err)
	}
	defer res.Body.Close()
	var b strings.Builder
	_, _ = io.Copy(&b, res.Body)
	return res.StatusCode, b.String()
}

// TestConsoleLimitTakesEffect: a limit lowered on the console's merchant
// page is what the switch judges the very next sale by (61 over it), even
// though the switch had the merchant cached from an earlier sale; raised
// again, the same sale is approved.
func TestConsoleLimitTakesEffect(t *testing.T) {
	wd := startWorld(t, "", 5*time.Second)
	term := dialRaw(t, wd.termAdr, shopTID, shopMID, shopTMK, "003", "cups-ecb")
	if c := term.signOn(); c != "00" {
		t.Fatalf("sign-on: %s", c)
	}
	code(t, "sale under the seeded limit", term.send(term.sale(goodCard, goodExp, "123456", 2000), true), "00")

	admin := wd.consoleLogin("console-admin", posguard.RoleAdmin)
	page := "/merchants/" + shopMID
	if st, _ := admin.post(page, page+"/limits", url.Values{"per_txn": {"10.00"}, "daily": {""}, "daily_count": {""}}); st != http.StatusSeeOther {
		t.Fatalf("lower the per-transaction limit: %d", st)
	}
	code(t, "sale over the new limit", term.send(term.sale(goodCard, goodExp, "123456", 2000), true), "61")
	code(t, "sale at the new limit", term.send(term.sale(goodCard, goodExp, "123456", 1000), true), "00")

	if st, _ := admin.post(page, page+"/limits", url.Values{"per_txn": {"50.00"}}); st != http.StatusSeeOther {
		t.Fatalf("raise the per-transaction limit: %d", st)
	}
	code(t, "sale under the raised limit", term.send(term.sale(goodCard, goodExp, "123456", 2000), true), "00")
	if _, body := admin.get(page + "?lang=en"); !strings.Contains(body, "50.00") {
		t.Error("the merchant page does not show the new limit")
	}
}
