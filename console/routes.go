package console

import (
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"strings"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/access"
)

// route is one page: its pattern, the roles it admits and its handler.
type route struct {
	pattern string
	roles   []posguard.Role
	h       func(*request) error
}

// routes is the console's route table. Every page declares the roles it
// admits; the access router refuses a route that declares none. A role not
// admitted gets the 404 page, exactly as for a missing page.
func (s *Server) routes() []route {
	return append([]route{
		{"GET /{$}", allRoles, s.dashboard},
		{"GET /transactions", allRoles, s.transactions},
		{"GET /transactions/{id}", allRoles, s.transaction},
		{"GET /transactions/{id}/receipt", allRoles, s.receiptPage},
		{"GET /settlements", allRoles, s.settlements},
		{"POST /settlements/resettle", allRoles, s.resettle},
		{"POST /settlements/account", changeRequesters, s.requestAccountChange},
		{"POST /settlements/changes/{id}/approve", changeDeciders, s.decideAccountChange},
		{"POST /settlements/changes/{id}/reject", changeDeciders, s.decideAccountChange},
		{"GET /statements", allRoles, s.statements},
		{"GET /statements/download", allRoles, s.downloadStatement},
		{"GET /cases", allRoles, s.cases},
		{"POST /cases", allRoles, s.fileComplaint},
		{"GET /cases/{id}", allRoles, s.caseDetail},
		{"POST /cases/{id}/assign", staffRoles, s.assignCase},
		{"POST /cases/{id}/resolve", staffRoles, s.resolveCase},
		{"POST /cases/{id}/note", allRoles, s.noteCase},
		{"GET /notices", allRoles, s.notices},
		{"POST /notices", noticeRoles, s.publishNotice},
		{"POST /notices/{id}/withdraw", noticeRoles, s.withdrawNotice},
		{"GET /terminals", allRoles, s.terminals},
		{"POST /terminals/{id}/status", terminalRoles, s.setTerminalStatus},
		{"GET /merchants", staffRoles, s.merchants},
		{"GET /merchants/{id}", staffRoles, s.merchantPage},
		{"POST /merchants/{id}/freeze", merchantActors, s.freezeMerchant},
		{"POST /merchants/{id}/unfreeze", merchantActors, s.freezeMerchant},
		{"POST /merchants/{id}/limits", merchantActors, s.setMerchantLimits},
		{"GET /audit", staffRoles, s.audit},
		{"GET /users", adminOnly, s.users},
		{"GET /onboarding", allRoles, s.onboardingPage},
		{"POST /onboarding/{id}/approve", reviewRoles, s.reviewApplication},
		{"POST /onboarding/{id}/reject", reviewRoles, s.reviewApplication},
		{"GET /recon", reconReaders, s.reconList},
		{"GET /recon/{id}", reconReaders, s.reconRun},
		{"POST /recon/resolve", reconResolvers, s.resolveRecon},
		{"POST /recon/runs", reconResolvers, s.uploadRecon},
		{"GET /risk", staffRoles, s.riskPage},
		{"POST /risk/freeze", reviewRoles, s.freezePage},
		{"POST /risk/unfreeze", reviewRoles, s.freezePage},
		{"GET /qr", allRoles, s.qrOrders},
		{"GET /qr/{id}", allRoles, s.qrOrderPage},
		{"POST /qr/{id}/refunds", qrRefunders, s.qrRefund},
	}, append(s.disputeRoutes(), s.limitRequestRoutes()...)...)
}

// Handler returns the console's pages, its login and logout, and its
// assets. Mount it at "/" (the JSON API keeps /v1/ and /healthz).
func (s *Server) Handler() http.Handler {
	rt := s.Router()
	return s.guard(rt)
}

// Router returns the console's routes registered on an access router (for
// the test that walks every route of the host).
func (s *Server) Router() *access.Router {
	rt := access.NewRouter(s.Auth, s.deny)
	for _, r := range s.routes() {
		rt.Handle(r.pattern, s.page(r), r.roles...)
	}
	rt.HandleFunc("GET /login", s.loginForm, publicRoute...)
	rt.HandleFunc("POST /login", s.login, publicRoute...)
	rt.HandleFunc("POST /logout", s.logout, publicRoute...)
	rt.HandleFunc("GET /logout", s.logout, publicRoute...)
	static, _ := fs.Sub(assets, "static")
	rt.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)), publicRoute...)
	return rt
}

// guard sets the security headers, recovers from panics (a logged 500
// page, never a stack trace) and answers unknown paths with the 404 page.
func (s *Server) guard(rt *access.Router) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secureHeaders(w.Header())
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.logger().Error("console: panic", "path", r.URL.Path, "panic", fmt.Sprint(v))
				s.newRequest(w, r, nil).renderError(posguard.Errorf(posguard.EINTERNAL, "panic"))
			}
		}()
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			limit := int64(64 << 10)
			if r.URL.Path == "/recon/runs" {
				limit = maxReconUpload // a clearing file
			}
			if strings.HasPrefix(r.URL.Path, "/disputes/") && strings.HasSuffix(r.URL.Path, "/file") {
				limit = maxDisputeUpload // an evidence file
			}
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		if _, pattern := rt.Mux().Handler(r); pattern == "" {
			u, _, _ := s.Auth.Authenticate(r)
			s.newRequest(w, r, u).renderError(posguard.Errorf(posguard.ENOTFOUND, "no page %s", r.URL.Path))
			return
		}
		rt.ServeHTTP(w, r)
	})
}

// deny answers a request the access router refused: no session sends a
// browser to the login page; a state-changing request without a valid CSRF
// token gets 403; a role the page does not admit gets the 404 page (a
// merchant user learns nothing about staff pages).
func (s *Server) deny(w http.ResponseWriter, r *http.Request, err error) {
	switch posguard.ErrorCode(err) {
	case posguard.EUNAUTHORIZED:
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		s.newRequest(w, r, nil).renderError(err)
	case posguard.EFORBIDDEN:
		u, _, _ := s.Auth.Authenticate(r)
		q := s.newRequest(w, r, u)
		if r.Method != http.MethodGet && r.Method != http.MethodHead && s.Auth.CheckCSRF(r) != nil {
			q.renderError(err)
			return
		}
		q.renderError(posguard.Errorf(posguard.ENOTFOUND, "no page %s", r.URL.Path))
	default:
		s.newRequest(w, r, nil).renderError(err)
	}
}

// page wraps a route's handler: the access router has authenticated the
// user, checked its role and (for a state-changing request) its CSRF
// token. A state-changing request is written to the audit log with its
// outcome and the object it acted on: in the transaction of its change
// (pageAudit, the request context's posguard.TxAuditor), or after the
// handler when no transaction took the record.
func (s *Server) page(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := s.newRequest(w, r, access.UserFromContext(r.Context()))
		q.csrf = s.Auth.CSRFToken(w, r)
		change := r.Method != http.MethodGet && r.Method != http.MethodHead
		if change && !auditAfter[rt.pattern] {
			q.audit = &pageAudit{q: q, action: "console " + rt.pattern}
			q.r = r.WithContext(posguard.WithTxAuditor(r.Context(), q.audit))
		}
		err := rt.h(q)
		if change {
			outcome := "ok"
			if err != nil {
				outcome = posguard.ErrorCode(err)
			} else if q.refused != "" {
				outcome = q.refused
			}
			// The record of a change committed with it (pageAudit); a
			// request that changed nothing, or failed, gets it here.
			if outcome != "ok" || q.audit == nil || !q.audit.committed() {
				s.Auth.Audit(r, "console "+rt.pattern, q.object, outcome, q.changes)
			}
		}
		if err != nil {
			q.renderError(err)
		}
	})
}

// auditAfter are the state-changing pages whose record is still written
// after the action: a reconciliation run writes in several transactions and
// its record names the run, known only once the run is done.
var auditAfter = map[string]bool{"POST /recon/runs": true}

// formToken returns the CSRF token of a form post.
func formToken(r *http.Request) string {
	if v := r.Header.Get(access.CSRFHeader); v != "" {
		return v
	}
	return r.PostFormValue(access.CSRFField)
}

// safeNext returns next when it is a path on this site, else "/".
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/"
	}
	return next
}
