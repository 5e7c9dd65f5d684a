package access

import (
	nethttp "net/http"
	"time"

	"github.com/posguard/posguard"
)

// SessionCookie is the name of the console's session cookie. Its value is a
// session secret like the one POST /v1/sessions answers.
const SessionCookie = "posguard_session"

// secure reports whether cookies set in answer to r are marked Secure.
func (a *Auth) secure(r *nethttp.Request) bool { return a.SecureCookies || r.TLS != nil }

// StartSession logs in (Login: lockout, audit) and sets the session cookie
// (HttpOnly, SameSite=Strict, Secure under TLS, Path=/, expiring with the
// session). The caller checks the login form's CSRF token first
// (CheckCSRF). ELOCKED, EUNAUTHORIZED as Login.
func (a *Auth) StartSession(w nethttp.ResponseWriter, r *nethttp.Request, name, password string) (*posguard.User, error) {
	secret, t, u, err := a.NewSession(r.Context(), name, password, RemoteAddr(r))
	if err != nil {
		return nil, err
	}
	nethttp.SetCookie(w, &nethttp.Cookie{
		Name: SessionCookie, Value: secret, Path: "/", Expires: t.ExpiresAt,
		MaxAge: int(time.Until(t.ExpiresAt).Seconds()), HttpOnly: true,
		Secure: a.secure(r), SameSite: nethttp.SameSiteStrictMode,
	})
	return u, nil
}

// EndSession revokes the request's session (if its cookie names an active
// one), records the logout, and clears the cookie. It never fails because
// the session was already gone.
func (a *Auth) EndSession(w nethttp.ResponseWriter, r *nethttp.Request) error {
	nethttp.SetCookie(w, &nethttp.Cookie{
		Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: a.secure(r), SameSite: nethttp.SameSiteStrictMode,
	})
	c, err := r.Cookie(SessionCookie)
	if err != nil || !wellFormed(c.Value) {
		return nil
	}
	t, u, err := a.Store.TokenByHash(r.Context(), HashSecret(c.Value))
	if posguard.ErrorCode(err) == posguard.ENOTFOUND || (err == nil && t.Kind != posguard.TokenSession) {
		return nil
	}
	if err != nil {
		return err
	}
	if !t.RevokedAt.IsZero() {
		return nil
	}
	if err := a.Store.RevokeToken(r.Context(), t.ID); err != nil {
		return err
	}
	a.audit(r.Context(), &posguard.AuditRecord{At: a.now(), User: u.Name, Role: u.Role, Remote: RemoteAddr(r),
		Action: "logout", Object: "user/" + u.Name, Outcome: "ok"})
	return nil
}
