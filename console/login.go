package console

import (
	"net/http"
	"strings"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/access"
)

// loginData is the login page's data.
type loginData struct {
	Next     string
	Username string
}

// loginForm serves GET /login. A user with a valid session goes on to
// next; others get the form, whose CSRF token is bound to a pre-session
// cookie (there is no session yet).
func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	if u, viaCookie, err := s.Auth.Authenticate(r); err == nil && u != nil && viaCookie {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	s.renderLogin(s.newRequest(w, r, nil), http.StatusOK, "", "")
}

// renderLogin shows the login form with an optional problem message.
func (s *Server) renderLogin(q *request, status int, username, problemKey string) {
	q.csrf = s.Auth.CSRFToken(q.w, q.r)
	v := &view{request: q, Title: q.T("login.title"),
		Data: loginData{Next: safeNext(q.r.FormValue("next")), Username: username}}
	if problemKey != "" {
		v.Problem = q.T(problemKey)
	}
	if err := q.renderView(status, "login", v); err != nil {
		q.renderError(err)
	}
}

// login serves POST /login: fields username, password and csrf_token. A
// wrong name or password shows the same message for both (401), a locked
// name says so (429); a success sets the session cookie (HttpOnly,
// SameSite=Strict, Secure under TLS) and goes to next. The access package
// writes the login's audit record, failed or not.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	q := s.newRequest(w, r, nil)
	if err := s.Auth.CheckCSRF(r); err != nil {
		q.renderError(err)
		return
	}
	name := strings.TrimSpace(r.PostFormValue("username"))
	pass := r.PostFormValue("password")
	if name == "" || pass == "" {
		s.renderLogin(q, http.StatusBadRequest, name, "login.missing")
		return
	}
	if _, err := s.Auth.StartSession(w, r, name, pass); err != nil {
		switch posguard.ErrorCode(err) {
		case posguard.ELOCKED:
			s.renderLogin(q, http.StatusTooManyRequests, name, "login.locked")
		case posguard.EUNAUTHORIZED:
			s.renderLogin(q, http.StatusUnauthorized, name, "login.wrong")
		default:
			q.renderError(err)
		}
		return
	}
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
}

// logout serves /logout and ends the session. A POST (the navigation's
// button) must carry the session's CSRF token; a GET (a typed address) is
// honoured too, because the SameSite=Strict cookie never comes with a
// request another site started.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		if _, err := r.Cookie(access.SessionCookie); err == nil {
			if err := s.Auth.CheckCSRF(r); err != nil {
				s.newRequest(w, r, nil).renderError(err)
				return
			}
		}
	}
	if err := s.Auth.EndSession(w, r); err != nil {
		s.logger().Error("console: logout", "err", err)
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
