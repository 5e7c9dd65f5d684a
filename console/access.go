package console

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"time"
)

// Role is what a user may see and do (spec/backoffice.md §1).
type Role string

// Roles.
const (
	RoleAdmin    Role = "admin"
	RoleOperator Role = "operator"
	RoleRisk     Role = "risk"
	RoleFinance  Role = "finance"
	RoleMerchant Role = "merchant"
)

// Role sets used by the route table.
var (
	allRoles   = []Role{RoleAdmin, RoleOperator, RoleRisk, RoleFinance, RoleMerchant}
	staffRoles = []Role{RoleAdmin, RoleOperator, RoleRisk, RoleFinance}
)

// User is the person behind a request.
type User struct {
	Name       string
	Role       Role
	MerchantID string // set for RoleMerchant only
}

// Staff reports whether u works for the acquirer (any role but merchant).
func (u *User) Staff() bool { return u != nil && u.Role != RoleMerchant }

// Is reports whether u has one of roles.
func (u *User) Is(roles ...Role) bool {
	if u == nil {
		return false
	}
	for _, r := range roles {
		if u.Role == r {
			return true
		}
	}
	return false
}

// Access is the user system the console logs users in with. It is the
// one the API uses (package access); the console keeps no users itself.
type Access interface {
	// Login checks name and password and starts a session for a request
	// from remote. EUNAUTHORIZED for a wrong name or password (the same
	// for both), ECONFLICT… see the implementation for a locked name
	// (reported to the user as "locked").
	Login(ctx context.Context, name, password, remote string) (token string, expires time.Time, err error)
	// Session returns the user of a session token; EUNAUTHORIZED when the
	// token is unknown, expired, revoked or its user disabled.
	Session(ctx context.Context, token string) (*User, error)
	// Logout ends the session of token.
	Logout(ctx context.Context, token string) error
}

// Cookie names.
const (
	sessionCookie = "posguard_session"
	langCookie    = "posguard_lang"
	preCSRFCookie = "posguard_csrf" // the login form's token, before a session exists
)

// csrfKey returns the server's CSRF key, made once at random when unset.
func (s *Server) csrfKey() []byte {
	s.keyOnce.Do(func() {
		if len(s.CSRFKey) == 0 {
			s.CSRFKey = make([]byte, 32)
			if _, err := rand.Read(s.CSRFKey); err != nil {
				panic("console: no randomness for the CSRF key: " + err.Error())
			}
		}
	})
	return s.CSRFKey
}

// csrfToken derives the CSRF token of a session (or of the login form's
// pre-session cookie): an HMAC of the secret it is bound to, so a page
// from another site can neither read nor forge it.
func (s *Server) csrfToken(bound string) string {
	m := hmac.New(sha256.New, s.csrfKey())
	m.Write([]byte("posguard console csrf\x00"))
	m.Write([]byte(bound))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// csrfOK reports whether token is the CSRF token bound to bound.
func (s *Server) csrfOK(bound, token string) bool {
	if bound == "" || token == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(s.csrfToken(bound)), []byte(token)) == 1
}

// randomToken returns 32 random bytes, URL-safe base64.
func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("console: no randomness: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
