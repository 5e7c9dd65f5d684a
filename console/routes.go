package console

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"strings"

	"github.com/posguard/posguard"
)

// route is one page: its pattern, the roles it admits and its handler.
// A role not listed gets the 404 page, exactly as for a missing page.
type route struct {
	pattern string
	roles   []Role
	h       func(*request) error
}

// routes is the console's route table. Every page declares its roles;
// Handler refuses a route that declares none.
func (s *Server) routes() []route {
	return []route{
		{"GET /{$}", allRoles, s.dashboard},
		{"GET /transactions", allRoles, s.transactions},
		{"GET /transactions/{id}", allRoles, s.transaction},
		{"GET /settlements", allRoles, s.settlements},
		{"POST /settlements/resettle", allRoles, s.resettle},
		{"GET /statements", allRoles, s.statements},
		{"GET /statements/download", allRoles, s.downloadStatement},
		{"GET /cases", allRoles, s.cases},
		{"POST /cases", allRoles, s.fileComplaint},
		{"GET /cases/{id}", allRoles, s.caseDetail},
		{"POST /cases/{id}/assign", staffRoles, s.assignCase},
		{"POST /cases/{id}/resolve", staffRoles, s.resolveCase},
		{"POST /cases/{id}/note", allRoles, s.noteCase},
		{"GET /notices", allRoles, s.notices},
		{"POST /notices", []Role{RoleAdmin, RoleOperator}, s.publishNotice},
		{"GET /terminals", allRoles, s.terminals},
		{"GET /merchants", staffRoles, s.merchants},
		{"GET /audit", staffRoles, s.audit},
		{"GET /users", []Role{RoleAdmin}, s.users},
	}
}

// Handler returns the console's pages, its login and logout, and its
// assets. Mount it at "/" (the JSON API keeps /v1/ and /healthz).
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.routes() {
		if len(rt.roles) == 0 {
			panic("console: route " + rt.pattern + " declares no roles")
		}
		mux.Handle(rt.pattern, s.page(rt))
	}
	mux.HandleFunc("GET /login", s.loginForm)
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("POST /logout", s.logout)
	mux.HandleFunc("GET /logout", s.logout)
	static, _ := fs.Sub(assets, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	return s.guard(mux)
}

// guard sets the security headers, recovers from panics (a logged 500
// page, never a stack trace) and answers unknown paths with the 404 page.
func (s *Server) guard(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secureHeaders(w.Header())
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.logger().Error("console: panic", "path", r.URL.Path, "panic", fmt.Sprint(v))
				q := s.newRequest(w, r, nil)
				q.renderError(posguard.Errorf(posguard.EINTERNAL, "panic"))
			}
		}()
		if _, pattern := mux.Handler(r); pattern == "" {
			q := s.newRequest(w, r, nil)
			if tok := sessionToken(r); tok != "" {
				q.user, _ = s.Access.Session(r.Context(), tok)
			}
			q.renderError(posguard.Errorf(posguard.ENOTFOUND, "no page %s", r.URL.Path))
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// page wraps a route: the user must be logged in (else to the login page)
// and have one of its roles (else 404); a state-changing request must carry
// the session's CSRF token (else 403).
func (s *Server) page(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := sessionToken(r)
		var u *User
		if tok != "" {
			var err error
			if u, err = s.Access.Session(r.Context(), tok); err != nil {
				u = nil
			}
		}
		q := s.newRequest(w, r, u)
		if u == nil {
			if r.Method != http.MethodGet {
				q.renderError(posguard.Errorf(posguard.EUNAUTHORIZED, "not logged in"))
				return
			}
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		q.csrf = s.csrfToken(tok)
		if !u.Is(rt.roles...) {
			q.renderError(posguard.Errorf(posguard.ENOTFOUND, "no page %s", r.URL.Path))
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
			if !s.csrfOK(tok, formToken(r)) {
				q.renderError(errForbidden)
				return
			}
		}
		if err := rt.h(q); err != nil {
			q.renderError(err)
		}
	})
}

// errForbidden is a state-changing request without a valid CSRF token
// (answered 403).
var errForbidden = errors.New("console: missing or wrong CSRF token")

// sessionToken returns the session cookie's value.
func sessionToken(r *http.Request) string {
	if c, err := r.Cookie(sessionCookie); err == nil {
		return c.Value
	}
	return ""
}

// formToken returns the CSRF token of a form post (field csrf_token) or of
// a script request (header X-CSRF-Token).
func formToken(r *http.Request) string {
	if v := r.Header.Get("X-CSRF-Token"); v != "" {
		return v
	}
	return r.PostFormValue("csrf_token")
}

// safeNext returns next when it is a path on this site, else "/".
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/"
	}
	return next
}
