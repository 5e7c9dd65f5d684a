package http_test

import (
	"strings"
	"testing"
	"time"
)

// TestSessions: POST /v1/sessions answers 201 {token, expires_at} for the
// right name and password, the same 401 for a wrong name or password, 400
// for a missing field, and 429 once a name has failed five times; the
// token works as a bearer token until DELETE /v1/sessions/current.
func TestSessions(t *testing.T) {
	a := newAccessWorld(t)
	login := func(body string) (int, string) { return a.as(t, "", "POST", "/v1/sessions", body) }
	st, raw := login(`{"name":"OPS","password":"` + testPassword + `"}`)
	var s struct {
		Token     string `json:"token"`
		ExpiresAt string `json:"expires_at"`
	}
	if st != 201 || jsonDecode(raw, &s) != nil || s.Token == "" {
		t.Fatalf("login: %d %s", st, raw)
	}
	// The fixture's clock is t0 + 24h; a session lasts 12 hours.
	if exp, err := time.Parse(time.RFC3339, s.ExpiresAt); err != nil || !exp.Equal(t0.Add(36*time.Hour)) {
		t.Fatalf("expires_at %q", s.ExpiresAt)
	}
	if st, _ := a.as(t, s.Token, "GET", "/v1/cases", ""); st != 200 {
		t.Fatalf("session token: %d", st)
	}
	_, wrongName := login(`{"name":"nobody","password":"` + testPassword + `"}`)
	st, wrongPass := login(`{"name":"ops","password":"nope"}`)
	if st != 401 || wrongName != wrongPass || !strings.Contains(wrongPass, `"code":"unauthorized"`) {
		t.Fatalf("wrong name %s / wrong password %d %s: want the same 401", wrongName, st, wrongPass)
	}
	for _, body := range []string{`{"name":"ops"}`, `{"password":"x"}`, `not json`} {
		if st, raw := login(body); st != 400 || !strings.Contains(raw, `"code":"invalid"`) {
			t.Fatalf("%s: %d %s", body, st, raw)
		}
	}
	for i := 0; i < 4; i++ { // the fifth failure (one above)
		login(`{"name":"ops","password":"nope"}`)
	}
	if st, raw := login(`{"name":"ops","password":"` + testPassword + `"}`); st != 429 {
		t.Fatalf("locked name with the right password: %d %s", st, raw)
	}
	if st, _ := login(`{"name":"fin","password":"` + testPassword + `"}`); st != 201 {
		t.Fatalf("another name is not locked: %d", st)
	}
	// The session issued before the lock still works until logged out.
	if st, _ := a.as(t, s.Token, "DELETE", "/v1/sessions/current", ""); st != 204 {
		t.Fatalf("logout: %d", st)
	}
	if st, _ := a.as(t, s.Token, "GET", "/v1/cases", ""); st != 401 {
		t.Fatalf("after logout: %d", st)
	}
	_, raw = a.as(t, a.tok["root"], "GET", "/v1/audit?action=login&user=nobody", "")
	if !strings.Contains(raw, `"outcome":"failed"`) || !strings.Contains(raw, `"role":""`) || strings.Contains(raw, testPassword) {
		t.Fatalf("failed login of an unknown name in the audit log: %s", raw)
	}
}

// TestPasswordChange: users change their own password with the current
// one; an admin sets anyone's; a merchant user sets its own merchant's
// users' only; other staff may not; the user's sessions end.
func TestPasswordChange(t *testing.T) {
	a := newAccessWorld(t)
	a.tok["cashier1"] = addUser(t, a.store.Access(), "cashier1", "merchant", m1)
	login := func(name, pw string) (int, string) {
		return a.as(t, "", "POST", "/v1/sessions", `{"name":"`+name+`","password":"`+pw+`"}`)
	}
	st, raw := login("ops", testPassword)
	var s struct {
		Token string `json:"token"`
	}
	if st != 201 || jsonDecode(raw, &s) != nil {
		t.Fatalf("login: %d %s", st, raw)
	}
	put := func(tok, name, body string) int {
		st, _ := a.as(t, tok, "PUT", "/v1/users/"+name+"/password", body)
		return st
	}
	if st := put(a.tok["ops"], "ops", `{"password":"brand new pass","current_password":"wrong"}`); st != 403 {
		t.Fatalf("own change with a wrong current password: %d", st)
	}
	if st := put(a.tok["ops"], "ops", `{"password":"short","current_password":"`+testPassword+`"}`); st != 400 {
		t.Fatalf("too short: %d", st)
	}
	if st := put(a.tok["ops"], "ops", `{"password":"brand new pass","current_password":"`+testPassword+`"}`); st != 204 {
		t.Fatalf("own change: %d", st)
	}
	if st, _ := a.as(t, s.Token, "GET", "/v1/cases", ""); st != 401 {
		t.Fatalf("session after a password change: %d", st)
	}
	if st, _ := login("ops", "brand new pass"); st != 201 {
		t.Fatalf("login with the new password: %d", st)
	}
	if st := put(a.tok["ops"], "fin", `{"password":"brand new pass"}`); st != 403 {
		t.Fatalf("operator on another user: %d", st)
	}
	if st := put(a.tok["root"], "fin", `{"password":"brand new pass"}`); st != 204 {
		t.Fatalf("admin on another user: %d", st)
	}
	if st := put(a.tok["shop1"], "cashier1", `{"password":"brand new pass"}`); st != 204 {
		t.Fatalf("merchant on its own merchant's user: %d", st)
	}
	for _, name := range []string{"shop2", "ops", "nobody"} {
		if st := put(a.tok["shop1"], name, `{"password":"brand new pass"}`); st != 404 {
			t.Fatalf("merchant on %s: %d, want 404", name, st)
		}
	}
	_, raw = a.as(t, a.tok["root"], "GET", "/v1/audit?action=PUT%20/v1/users/{name}/password", "")
	if strings.Contains(raw, "brand new pass") || !strings.Contains(raw, `"object":"users/cashier1"`) {
		t.Fatalf("audit of password changes: %s", raw)
	}
}
