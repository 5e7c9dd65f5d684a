package access

import (
	"context"
	"crypto/subtle"
	"log/slog"
	nethttp "net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/internal/vcache"
)

// Default lifetimes and lockout (docs/security.md).
const (
	// DefaultSessionTTL is how long a session (console login or
	// POST /v1/sessions) lasts.
	DefaultSessionTTL = 12 * time.Hour
	// DefaultTokenTTL is the lifetime of a token from posguard token create
	// without --ttl.
	DefaultTokenTTL = 720 * time.Hour
	// LockoutFailures failed logins for one name within LockoutWindow lock
	// the name for LockoutWindow.
	LockoutFailures = 5
	// LockoutWindow is both the window counted and the lock's length.
	LockoutWindow = 15 * time.Minute
)

// Store is what Auth keeps its state in: users, tokens and failed logins,
// and the audit log. posguard.AccessStore satisfies it.
type Store interface {
	posguard.UserStore
	posguard.AuditStore
}

// Auth authenticates requests and keeps sessions. Set its fields before
// first use; they must not change afterwards.
type Auth struct {
	// Store keeps users, tokens and the audit log. Required.
	Store Store
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// SessionTTL is the lifetime of a session; DefaultSessionTTL when zero.
	SessionTTL time.Duration
	// SecureCookies marks cookies Secure even on a plain-HTTP request (set
	// it when a TLS-terminating proxy stands in front). A request that came
	// over TLS always gets Secure cookies.
	SecureCookies bool
	// Logger receives failures to write the audit log; nil logs nowhere.
	Logger *slog.Logger
	// Versions, when set, lets Auth keep tokens and their users in memory:
	// each authentication reads the cache version once and uses a token
	// read at that same version, so a revocation or a user's disabling,
	// made by any instance or command, refuses the next request that starts
	// after it commits (docs/qr.md, "Caches"). Nil reads the token every
	// time.
	Versions posguard.CacheVersions

	tokens vcache.Cache[tokenEntry]
	// known is the last cache version any of this instance's requests
	// read, plus one (0: none read yet); routes registered with
	// Router.HandleAtKnownVersion run at it (knownversion.go).
	known atomic.Int64
	// reruns counts the requests served at the known version that were
	// run again because the version had moved on (Reruns).
	reruns atomic.Uint64
}

// Reruns returns how many requests served at the instance's last known
// cache version (Router.HandleAtKnownVersion) were run again from the
// start because the version had moved on: the price of a change to a
// cached row, one wasted run per instance and change, or more while
// changes come faster than orders.
func (a *Auth) Reruns() uint64 { return a.reruns.Load() }

// tokenEntry is a token and its user as read at some cache version.
type tokenEntry struct {
	t *posguard.Token
	u *posguard.User
}

func (a *Auth) now() time.Time {
	if a.Now != nil {
		return a.Now().UTC()
	}
	return time.Now().UTC()
}

func (a *Auth) sessionTTL() time.Duration {
	if a.SessionTTL > 0 {
		return a.SessionTTL
	}
	return DefaultSessionTTL
}

func (a *Auth) logger() *slog.Logger {
	if a.Logger != nil {
		return a.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// unauthorized is the one answer for every failed authentication, so that it
// tells nothing about which part was wrong.
func unauthorized() error {
	return posguard.Errorf(posguard.EUNAUTHORIZED, "valid credentials are required")
}

// Authenticate returns the user a request is made by: from an
// "Authorization: Bearer TOKEN" header, or else from the console's session
// cookie. EUNAUTHORIZED when there are no credentials, or they are unknown,
// expired or revoked, or the user is disabled. The second result tells
// whether the user came from the cookie (such requests need a CSRF token to
// change anything).
func (a *Auth) Authenticate(r *nethttp.Request) (*posguard.User, bool, error) {
	u, viaCookie, _, err := a.authenticate(r)
	return u, viaCookie, err
}

// authenticate is Authenticate that also returns the request's context
// carrying the cache version it read (posguard.WithCacheVersion), when
// Versions is set and the credentials were well formed.
func (a *Auth) authenticate(r *nethttp.Request) (*posguard.User, bool, context.Context, error) {
	return a.authenticateAt(r, 0, false)
}

// authenticateAt is authenticate at cache version v, already read after
// the request started, when read is true; otherwise it reads the version.
func (a *Auth) authenticateAt(r *nethttp.Request, v int64, read bool) (*posguard.User, bool, context.Context, error) {
	ctx := r.Context()
	secret, viaCookie, err := credentials(r)
	if err != nil {
		return nil, false, ctx, err
	}
	if a.Versions != nil && wellFormed(secret) {
		if !read {
			if v, err = a.readVersion(ctx); err != nil {
				return nil, viaCookie, ctx, err
			}
		}
		ctx = posguard.WithCacheVersion(ctx, v)
	}
	u, err := a.UserForSecret(ctx, secret)
	return u, viaCookie, ctx, err
}

// credentials returns a request's secret: from an "Authorization: Bearer"
// header, or else from the session cookie (viaCookie).
func credentials(r *nethttp.Request) (secret string, viaCookie bool, err error) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, s, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return "", false, unauthorized()
		}
		return strings.TrimSpace(s), false, nil
	}
	if c, err := r.Cookie(SessionCookie); err == nil {
		return c.Value, true, nil
	}
	return "", false, unauthorized()
}

// readVersion reads the cache version and moves the instance's last known
// version forward to it.
func (a *Auth) readVersion(ctx context.Context) (int64, error) {
	v, err := a.Versions.CacheVersion(ctx)
	if err != nil {
		return 0, err
	}
	for {
		old := a.known.Load()
		if v+1 <= old || a.known.CompareAndSwap(old, v+1) {
			return v, nil
		}
	}
}

// knownVersion returns the last cache version this instance read; false
// when it has read none (or keeps no caches).
func (a *Auth) knownVersion() (int64, bool) {
	if a.Versions == nil {
		return 0, false
	}
	k := a.known.Load()
	return k - 1, k > 0
}

// UserForSecret returns the user of an active token or session secret;
// EUNAUTHORIZED otherwise (EUNAVAILABLE/EINTERNAL when the store fails).
// When ctx carries a cache version (posguard.CacheVersionFrom), a token
// read at that version is taken from memory instead of the store. The user
// returned is the caller's own copy.
func (a *Auth) UserForSecret(ctx context.Context, secret string) (*posguard.User, error) {
	if !wellFormed(secret) {
		return nil, unauthorized()
	}
	hash := HashSecret(secret)
	e, err := a.tokens.Read(ctx, hash, func() (tokenEntry, error) {
		t, u, err := a.Store.TokenByHash(ctx, hash)
		return tokenEntry{t: t, u: u}, err
	}, nil)
	if posguard.ErrorCode(err) == posguard.ENOTFOUND {
		return nil, unauthorized()
	}
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(e.t.Hash), []byte(hash)) != 1 || !e.t.Active(a.now()) || e.u.Disabled {
		return nil, unauthorized()
	}
	u := *e.u
	return &u, nil
}

// Login checks name and password and returns the user. It writes the audit
// record of the attempt (action "login", outcome "ok" or "failed"; a failed
// attempt records the name tried). ELOCKED while the name is locked out
// (LockoutFailures failures within LockoutWindow); EUNAUTHORIZED for an
// unknown name, a wrong password or a disabled user, alike.
func (a *Auth) Login(ctx context.Context, name, password, remote string) (*posguard.User, error) {
	key := posguard.NameKey(name)
	now := a.now()
	if key == "" || len(name) > 64 {
		CheckPassword(dummyHash, password)
		return nil, unauthorized()
	}
	fails, err := a.Store.LoginFailures(ctx, key, now.Add(-2*LockoutWindow))
	if err != nil {
		return nil, err
	}
	if until := lockedUntil(fails); now.Before(until) {
		a.audit(ctx, &posguard.AuditRecord{At: now, User: name, Remote: remote, Action: "login", Object: "user/" + name, Outcome: "locked"})
		return nil, posguard.Errorf(posguard.ELOCKED, "too many failed logins for this name: try again after %s", until.Format(time.RFC3339))
	}
	u, err := a.Store.UserByName(ctx, name)
	hash := dummyHash
	switch posguard.ErrorCode(err) {
	case "":
		hash = u.PasswordHash
	case posguard.ENOTFOUND:
		u = nil
	default:
		return nil, err
	}
	ok := CheckPassword(hash, password)
	if !ok || u == nil || u.Disabled {
		if err := a.Store.AddLoginFailure(ctx, key, now); err != nil {
			return nil, err
		}
		a.audit(ctx, &posguard.AuditRecord{At: now, User: name, Remote: remote, Action: "login", Object: "user/" + name, Outcome: "failed"})
		return nil, unauthorized()
	}
	if len(fails) > 0 {
		if err := a.Store.ClearLoginFailures(ctx, key); err != nil {
			return nil, err
		}
	}
	a.audit(ctx, &posguard.AuditRecord{At: now, User: u.Name, Role: u.Role, Remote: remote, Action: "login", Object: "user/" + u.Name, Outcome: "ok"})
	return u, nil
}

// lockedUntil returns when the lock made by fails (oldest first) ends: the
// time of the LockoutFailures-th failure of any run of that many within
// LockoutWindow, plus LockoutWindow; the zero time when there is none.
func lockedUntil(fails []time.Time) time.Time {
	var until time.Time
	for i := 0; i+LockoutFailures-1 < len(fails); i++ {
		last := fails[i+LockoutFailures-1]
		if last.Sub(fails[i]) <= LockoutWindow {
			if end := last.Add(LockoutWindow); end.After(until) {
				until = end
			}
		}
	}
	return until
}

// IssueToken stores a new token of kind for u, valid for ttl, and returns
// its secret (shown once: only its hash is kept) with the token.
func (a *Auth) IssueToken(ctx context.Context, u *posguard.User, kind posguard.TokenKind, ttl time.Duration, label string) (string, *posguard.Token, error) {
	if ttl <= 0 {
		return "", nil, posguard.Errorf(posguard.EINVALID, "token: the lifetime must be positive")
	}
	secret, err := NewSecret()
	if err != nil {
		return "", nil, err
	}
	t := &posguard.Token{UserID: u.ID, UserName: u.Name, Kind: kind, Label: label, Hash: HashSecret(secret), ExpiresAt: a.now().Add(ttl)}
	if err := a.Store.CreateToken(ctx, t); err != nil {
		return "", nil, err
	}
	return secret, t, nil
}

// NewSession logs in with name and password (Login) and issues a session
// token for the user: what POST /v1/sessions answers.
func (a *Auth) NewSession(ctx context.Context, name, password, remote string) (string, *posguard.Token, *posguard.User, error) {
	u, err := a.Login(ctx, name, password, remote)
	if err != nil {
		return "", nil, nil, err
	}
	secret, t, err := a.IssueToken(ctx, u, posguard.TokenSession, a.sessionTTL(), "session")
	if err != nil {
		return "", nil, nil, err
	}
	return secret, t, u, nil
}

// audit appends r, logging (not returning) a failure: a login must not fail
// because the audit log could not be written, but the failure is loud.
func (a *Auth) audit(ctx context.Context, r *posguard.AuditRecord) {
	if c := posguard.VersionCheckFrom(ctx); c != nil && !a.confirm(ctx, c) {
		// The request ran at a version that moved on (it is run again and
		// records itself then), or the version could not be read (it is
		// refused with that failure): it recorded nothing on stale caches.
		return
	}
	if err := a.Store.AppendAudit(ctx, r); err != nil {
		a.logger().Error("access: audit record not written", "action", r.Action, "user", r.User, "err", err)
	}
}

// Audit appends an audit record for the request's user (from the context;
// an empty user otherwise) and remote address. Failures are logged.
func (a *Auth) Audit(r *nethttp.Request, action, object, outcome, changes string) {
	a.audit(r.Context(), a.Record(r, action, object, outcome, changes))
}

// Record returns the record Audit would append, for a store that writes it
// in the change's own transaction.
func (a *Auth) Record(r *nethttp.Request, action, object, outcome, changes string) *posguard.AuditRecord {
	rec := &posguard.AuditRecord{At: a.now(), Remote: RemoteAddr(r), Action: action, Object: object, Outcome: outcome, Changes: changes}
	if u := UserFromContext(r.Context()); u != nil {
		rec.User, rec.Role = u.Name, u.Role
	}
	return rec
}

// RemoteAddr is the client's address as the audit log records it: the TCP
// peer (a forwarded-for header is not trusted; docs/security.md).
func RemoteAddr(r *nethttp.Request) string {
	return r.RemoteAddr
}
