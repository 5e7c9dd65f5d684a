package console

import (
	"net"
	"net/http"
	"strings"

	"github.com/posguard/posguard"
)

// loginData is the login page's data.
type loginData struct {
	Next     string
	Username string
}

// loginForm serves GET /login. The form's CSRF token is bound to a
// pre-session cookie set here (there is no session yet).
func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	q := s.newRequest(w, r, nil)
	if tok := sessionToken(r); tok != "" {
		if u, err := s.Access.Session(r.Context(), tok); err == nil && u != nil {
			http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
			return
		}
	}
	s.renderLogin(q, http.StatusOK, "", "")
}

// renderLogin shows the login form with an optional problem message.
func (s *Server) renderLogin(q *request, status int, username, problemKey string) {
	pre := ""
	if c, err := q.r.Cookie(preCSRFCookie); err == nil && len(c.Value) >= 32 {
		pre = c.Value
	} else {
		pre = randomToken()
		http.SetCookie(q.w, &http.Cookie{Name: preCSRFCookie, Value: pre, Path: "/login", HttpOnly: true,
			SameSite: http.SameSiteStrictMode, Secure: s.Secure})
	}
	q.csrf = s.csrfToken(pre)
	v := &view{request: q, Title: q.T("login.title"),
		Data: loginData{Next: safeNext(q.r.FormValue("next")), Username: username}}
	if problemKey != "" {
		v.Problem = q.T(problemKey)
	}
	if err := q.renderView(status, "login", v); err != nil {
		q.renderError(err)
	}
}

// login serves POST /login: fields username, password, csrf_token. A
// wrong name or password shows the same message for both; a success sets
// the HttpOnly, SameSite=Strict session cookie and goes to next.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	q := s.newRequest(w, r, nil)
	pre := ""
	if c, err := r.Cookie(preCSRFCookie); err == nil {
		pre = c.Value
	}
	if !s.csrfOK(pre, r.PostFormValue("csrf_token")) {
		q.renderError(errForbidden)
		return
	}
	name := strings.TrimSpace(r.PostFormValue("username"))
	pass := r.PostFormValue("password")
	if name == "" || pass == "" {
		s.renderLogin(q, http.StatusBadRequest, name, "login.missing")
		return
	}
	tok, exp, err := s.Access.Login(r.Context(), name, pass, remoteAddr(r))
	if err != nil {
		switch {
		case isLocked(err):
			s.renderLogin(q, http.StatusTooManyRequests, name, "login.locked")
		case posguard.ErrorCode(err) == posguard.EUNAUTHORIZED:
			s.renderLogin(q, http.StatusUnauthorized, name, "login.wrong")
		default:
			q.renderError(err)
		}
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: tok, Path: "/", Expires: exp, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: s.Secure})
	http.SetCookie(w, &http.Cookie{Name: preCSRFCookie, Value: "", Path: "/login", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: s.Secure})
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
}

// logout serves /logout and ends the session. A POST (the navigation's
// button) must carry the session's CSRF token; a GET (a typed address) is
// safe to honour because the SameSite=Strict cookie never comes with a
// request started by another site.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	tok := sessionToken(r)
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
		if tok != "" && !s.csrfOK(tok, formToken(r)) {
			s.newRequest(w, r, nil).renderError(errForbidden)
			return
		}
	}
	if tok != "" {
		if err := s.Access.Logout(r.Context(), tok); err != nil && posguard.ErrorCode(err) != posguard.EUNAUTHORIZED {
			s.logger().Error("console: logout", "err", err)
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: s.Secure})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// isLocked reports whether a login error says the name is locked.
func isLocked(err error) bool {
	return strings.Contains(strings.ToLower(posguard.ErrorMessage(err)), "locked")
}

// remoteAddr is the client's IP address.
func remoteAddr(r *http.Request) string {
	if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return h
	}
	return r.RemoteAddr
}
