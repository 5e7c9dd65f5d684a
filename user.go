package posguard

import (
	"context"
	"strings"
	"time"
)

// Role is what a user may see and change (docs/security.md has the table).
type Role string

// The roles. Staff roles see every merchant; a merchant user sees only its
// own merchant.
const (
	RoleAdmin    Role = "admin"    // users and roles, settings, everything an operator may
	RoleOperator Role = "operator" // cases, notices, reversal queue, terminal status
	RoleRisk     Role = "risk"     // onboarding review, risk rules, freezes, holds
	RoleFinance  Role = "finance"  // settlement, payouts, re-settlement, account-change approval
	RoleMerchant Role = "merchant" // its own merchant only
)

// Roles lists every role, staff first.
var Roles = []Role{RoleAdmin, RoleOperator, RoleRisk, RoleFinance, RoleMerchant}

// StaffRoles lists the acquirer's roles (every role but merchant).
var StaffRoles = []Role{RoleAdmin, RoleOperator, RoleRisk, RoleFinance}

// Valid reports whether r is one of the five roles.
func (r Role) Valid() bool {
	for _, v := range Roles {
		if r == v {
			return true
		}
	}
	return false
}

// Staff reports whether r is one of the acquirer's roles.
func (r Role) Staff() bool { return r.Valid() && r != RoleMerchant }

// User is a person or program that signs in to posguard.
type User struct {
	ID   int64
	Name string // unique, compared case-insensitively
	Role Role
	// MerchantID is the merchant a RoleMerchant user belongs to; empty for
	// staff.
	MerchantID string
	// PasswordHash is the encoded slow hash of the password (never the
	// password); it never leaves the store in an answer.
	PasswordHash string
	Disabled     bool
	CreatedAt    time.Time
}

// Staff reports whether u sees every merchant.
func (u *User) Staff() bool { return u != nil && u.Role.Staff() }

// Sees reports whether u may see objects of merchant mid: staff see every
// merchant, a merchant user only its own.
func (u *User) Sees(mid string) bool {
	if u == nil {
		return false
	}
	return u.Role.Staff() || (u.Role == RoleMerchant && u.MerchantID != "" && u.MerchantID == mid)
}

// NameKey is the case-insensitive form of a user name under which it is
// unique.
func NameKey(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// TokenKind tells an API token from a session.
type TokenKind string

// Token kinds.
const (
	TokenAPI     TokenKind = "api"     // posguard token create
	TokenSession TokenKind = "session" // POST /v1/sessions or the console login
)

// Token is a bearer credential of a user. The store keeps only Hash (a
// SHA-256 of the secret); the secret is shown once when created.
type Token struct {
	ID        int64
	UserID    int64
	UserName  string // filled by reads
	Kind      TokenKind
	Label     string
	Hash      string // hex SHA-256 of the secret
	CreatedAt time.Time
	ExpiresAt time.Time
	RevokedAt time.Time // zero while not revoked
}

// Active reports whether t may be used at now.
func (t *Token) Active(now time.Time) bool {
	return t.RevokedAt.IsZero() && now.Before(t.ExpiresAt)
}

// UserStore keeps users, their tokens and failed logins.
type UserStore interface {
	// CreateUser stores u (Name, Role, MerchantID, PasswordHash) and sets its
	// ID and CreatedAt. EINVALID for an empty name, an unknown role or a
	// merchant user without a merchant; ECONFLICT if the name (compared
	// case-insensitively) is taken.
	CreateUser(ctx context.Context, u *User) error
	// UserByName returns the user named name (case-insensitive); ENOTFOUND
	// if there is none.
	UserByName(ctx context.Context, name string) (*User, error)
	// Users returns every user ordered by name.
	Users(ctx context.Context) ([]*User, error)
	// SetUserDisabled disables or enables the named user; ENOTFOUND if there
	// is none.
	SetUserDisabled(ctx context.Context, name string, disabled bool) error
	// SetPasswordHash replaces the named user's password hash; ENOTFOUND if
	// there is none.
	SetPasswordHash(ctx context.Context, name, hash string) error

	// CreateToken stores t (UserID, Kind, Label, Hash, ExpiresAt) and sets
	// its ID and CreatedAt. ENOTFOUND for an unknown user.
	CreateToken(ctx context.Context, t *Token) error
	// TokenByHash returns the token with hash and its user, whether or not
	// it is active; ENOTFOUND if there is none.
	TokenByHash(ctx context.Context, hash string) (*Token, *User, error)
	// Tokens returns the tokens of kind (every kind when empty) of the named
	// user (every user when empty), newest first.
	Tokens(ctx context.Context, userName string, kind TokenKind) ([]*Token, error)
	// RevokeToken marks token id revoked (once; a second revoke keeps the
	// first time); ENOTFOUND if there is none.
	RevokeToken(ctx context.Context, id int64) error

	// AddLoginFailure records a failed login for the name key at time at.
	AddLoginFailure(ctx context.Context, nameKey string, at time.Time) error
	// LoginFailures returns the times of the name key's failed logins since
	// since, oldest first.
	LoginFailures(ctx context.Context, nameKey string, since time.Time) ([]time.Time, error)
	// ClearLoginFailures forgets the name key's failed logins (after a
	// successful one).
	ClearLoginFailures(ctx context.Context, nameKey string) error
}
