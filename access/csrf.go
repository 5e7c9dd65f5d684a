package access

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	nethttp "net/http"

	"github.com/posguard/posguard"
)

// CSRF protection for the console (cookie-authenticated requests): every
// state-changing form carries the token in the field CSRFField, a script
// request in the header CSRFHeader. The token is derived from the session
// secret (or, before login, from a random pre-session cookie), so it needs
// no server-side state and an attacker who cannot read the HttpOnly cookie
// cannot compute it.
const (
	// CSRFField is the form field carrying the CSRF token.
	CSRFField = "csrf_token"
	// CSRFHeader is the request header carrying it for script requests.
	CSRFHeader = "X-CSRF-Token"
	// PreSessionCookie holds the random value the login form's CSRF token
	// is derived from.
	PreSessionCookie = "posguard_csrf"
)

// csrfFor derives the CSRF token of a cookie value.
func csrfFor(cookieValue string) string {
	h := sha256.Sum256([]byte("posguard csrf v1\x00" + cookieValue))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// CSRFToken returns the CSRF token to put in the pages answering r: bound to
// the session cookie when there is one, otherwise to a pre-session cookie,
// which it sets on w when r has none (so call it before writing the body).
func (a *Auth) CSRFToken(w nethttp.ResponseWriter, r *nethttp.Request) string {
	if c, err := r.Cookie(SessionCookie); err == nil && wellFormed(c.Value) {
		return csrfFor(c.Value)
	}
	if c, err := r.Cookie(PreSessionCookie); err == nil && wellFormed(c.Value) {
		return csrfFor(c.Value)
	}
	v, err := NewSecret()
	if err != nil {
		return ""
	}
	nethttp.SetCookie(w, &nethttp.Cookie{Name: PreSessionCookie, Value: v, Path: "/", HttpOnly: true,
		Secure: a.secure(r), SameSite: nethttp.SameSiteStrictMode})
	// The cookie reaches later requests; pages rendered now use its token.
	r.AddCookie(&nethttp.Cookie{Name: PreSessionCookie, Value: v})
	return csrfFor(v)
}

// CheckCSRF checks a state-changing request's CSRF token (header CSRFHeader
// or form field CSRFField) against the request's session or pre-session
// cookie; EFORBIDDEN when it is missing or wrong. The comparison takes
// constant time.
func (a *Auth) CheckCSRF(r *nethttp.Request) error {
	got := r.Header.Get(CSRFHeader)
	if got == "" {
		got = r.PostFormValue(CSRFField)
	}
	if got != "" {
		for _, name := range []string{SessionCookie, PreSessionCookie} {
			if c, err := r.Cookie(name); err == nil && wellFormed(c.Value) &&
				subtle.ConstantTimeCompare([]byte(got), []byte(csrfFor(c.Value))) == 1 {
				return nil
			}
		}
	}
	return posguard.Errorf(posguard.EFORBIDDEN, "a valid CSRF token is required (form field %s or header %s)", CSRFField, CSRFHeader)
}
