package http

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	nethttp "net/http"
	"strings"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/access"
	"github.com/posguard/posguard/analytics"
	"github.com/posguard/posguard/casework"
	"github.com/posguard/posguard/dispute"
	"github.com/posguard/posguard/qr"
	"github.com/posguard/posguard/recon"
)

// Server is posguard's JSON API. Set its fields, then serve Handler() with a
// net/http server. Fields must not change once Handler has been called.
type Server struct {
	// Store is the journal, reversal queue, terminals and merchants. It is
	// required. If it also has Ping(ctx) error, /healthz uses that.
	Store posguard.Store
	// Health, if set, returns extra components for /healthz, e.g.
	// "network": "connected 2/2". It may not override "status" or "store".
	Health func(ctx context.Context) map[string]string
	// Metrics is served at /metrics; nil answers 404 there.
	Metrics nethttp.Handler
	// Knowledge explains response codes and reasons; nil uses the diagnosis
	// package's knowledge base.
	Knowledge Knowledge
	// Logger receives internal errors; nil logs nowhere.
	Logger *slog.Logger
	// Now is the clock (reversal ages); nil is time.Now.
	Now func() time.Time
	// Cases handles exception cases (/v1/cases); nil answers 404 there.
	Cases *casework.Service
	// Reports serves failure analytics, incidents, notices and terminal
	// health; nil answers 404 there.
	Reports *analytics.Reports
	// Payouts corrects settlement accounts and re-settles held payouts;
	// nil answers 404 on those routes (settlement.go).
	Payouts PayoutDesk
	// Access keeps users, tokens, account change requests and the audit
	// log. Required.
	Access posguard.AccessStore
	// Auth authenticates requests; nil uses an access.Auth over Access with
	// this server's clock and logger.
	Auth *access.Auth
	// Recon runs and shows reconciliations (/v1/recon); nil answers 404
	// there.
	Recon *recon.Reconciler
	// Backoffice serves onboarding and risk (backoffice.go); nil answers
	// 404 on those routes.
	Backoffice *Backoffice
	// QR runs QR orders (qr.go); nil answers 404 on those routes.
	QR *qr.Engine
	// Disputes works retrieval requests and chargebacks (/v1/disputes,
	// dispute.go); nil answers 404 there.
	Disputes *dispute.Service
	// Jobs lists the scheduler's runs (/v1/jobs); nil answers 404 there.
	Jobs posguard.JobStore
	// LimitRequests keeps limit-increase requests (/v1/limit-requests,
	// limitrequest.go); nil answers 404 there.
	LimitRequests posguard.LimitRequestStore
	// MerchantChanged, if set, is told a merchant's limits changed (the
	// switch forgets its cached merchant).
	MerchantChanged func(merchantID string)
}

// route is one registered route: a net/http.ServeMux pattern, its handler,
// the roles it admits (access.Router refuses a route without any) and its
// description for the OpenAPI document.
type route struct {
	pattern string
	handler nethttp.HandlerFunc
	roles   []posguard.Role
	doc     op
}

// Role sets used by the route table.
var (
	everyone = access.Everyone
	staff    = access.Staff()
	public   = []posguard.Role{access.Public}
	ops      = []posguard.Role{posguard.RoleAdmin, posguard.RoleOperator}
	finance  = []posguard.Role{posguard.RoleFinance}
	// reconRunners may make reconciliation runs (spec/clearing-file.md §7).
	reconRunners = []posguard.Role{posguard.RoleAdmin, posguard.RoleFinance}
)

// routes is the one table of the API's routes: who may call each, and what
// it takes and answers. A merchant user admitted to a route sees only its
// own merchant's objects there (scope.go).
func (s *Server) routes() []route {
	return append([]route{
		{"GET /v1/transactions", s.listTransactions, everyone, opListTransactions},
		{"GET /v1/transactions/{id}", s.getTransaction, everyone, opGetTransaction},
		{"GET /v1/transactions/{id}/receipt", s.getReceipt, everyone, opGetReceipt},
		{"GET /v1/reversals", s.listReversals, staff, opListReversals},
		{"GET /v1/explain/{code}", s.explain, everyone, opExplain},
		{"GET /v1/terminals/{id}", s.getTerminal, everyone, opGetTerminal},
		{"GET /v1/merchants/{id}", s.getMerchant, everyone, opGetMerchant},
		{"GET /v1/transactions/{id}/settlement", s.getTxnSettlement, everyone, opTxnSettlement},
		{"GET /v1/merchants/{id}/settlements", s.listMerchantSettlements, everyone, opMerchantSettlements},
		{"GET /v1/merchants/{id}/statement", s.getStatement, everyone, opStatement},
		{"PUT /v1/merchants/{id}/settlement-account", s.putSettlementAccount,
			[]posguard.Role{posguard.RoleAdmin, posguard.RoleOperator, posguard.RoleFinance, posguard.RoleMerchant}, opPutAccount},
		{"GET /v1/account-changes", s.listAccountChanges, everyone, opListChanges},
		{"GET /v1/account-changes/{id}", s.getAccountChange, everyone, opGetChange},
		{"POST /v1/account-changes/{id}/approve", s.approveAccountChange, finance, opApproveChange},
		{"POST /v1/account-changes/{id}/reject", s.rejectAccountChange, finance, opRejectChange},
		{"POST /v1/payouts/{id}/resettle", s.postResettle, finance, opResettlePayout},
		{"POST /v1/settlements/{id}/resettle", s.postResettle, finance, opResettleBatch},
		{"GET /healthz", s.healthz, public, opHealthz},
		{"GET /metrics", s.metrics, ops, opMetrics},
		{"GET /v1/openapi.json", s.openAPI, public, opOpenAPI},
		{"POST /v1/sessions", s.postSession, public, opPostSession},
		{"DELETE /v1/sessions/current", s.deleteSession, everyone, opDeleteSession},
		{"GET /v1/audit", s.listAudit, staff, opListAudit},
		{"PUT /v1/users/{name}/password", s.putPassword, everyone, opPutPassword},
		{"GET /v1/cases", s.listCases, everyone, opListCases},
		{"POST /v1/cases", s.openComplaint, []posguard.Role{posguard.RoleAdmin, posguard.RoleOperator, posguard.RoleMerchant}, opOpenComplaint},
		{"GET /v1/cases/{id}", s.getCase, everyone, opGetCase},
		{"GET /v1/cases/{id}/evidence", s.caseEvidence, staff, opCaseEvidence},
		{"POST /v1/cases/{id}/entries", s.addCaseEntry, []posguard.Role{posguard.RoleAdmin, posguard.RoleOperator, posguard.RoleMerchant}, opCaseEntry},
		{"POST /v1/cases/{id}/assign", s.assignCase, ops, opCaseAssign},
		{"POST /v1/cases/{id}/status", s.setCaseStatus, ops, opCaseStatus},
		{"POST /v1/cases/{id}/resolve", s.resolveCase, ops, opCaseResolve},
		{"GET /v1/transactions/{id}/why", s.why, everyone, opWhy},
		{"GET /v1/analytics/failures", s.failures, staff, opFailures},
		{"GET /v1/incidents", s.listIncidents, staff, opIncidents},
		{"GET /v1/notices", s.listNotices, staff, opListNotices},
		{"POST /v1/notices", s.postNotice, ops, opPostNotice},
		{"GET /v1/merchants/{id}/notices", s.merchantNotices, everyone, opMerchantNotices},
		{"GET /v1/terminals/{id}/health", s.terminalHealth, everyone, opTerminalHealth},
		{"GET /v1/terminals/attention", s.terminalsAttention, staff, opAttention},
		{"POST /v1/recon/runs", s.postReconRun, reconRunners, opPostReconRun},
		{"GET /v1/recon/runs", s.listReconRuns, staff, opListReconRuns},
		{"GET /v1/recon/runs/{id}", s.getReconRun, staff, opGetReconRun},
		{"GET /v1/recon/exceptions", s.listReconExceptions, staff, opListReconExceptions},
		{"POST /v1/recon/exceptions/resolve", s.resolveReconException, reconRunners, opResolveReconException},
		{"GET /v1/jobs", s.listJobs, staff, opListJobs},
	}, append(append(append(s.backofficeRoutes(), s.disputeRoutes()...), s.qrRoutes()...), s.limitRequestRoutes()...)...)
}

// Patterns returns the pattern of every route the API registers, in the
// net/http.ServeMux syntax ("GET /v1/transactions/{id}").
func (s *Server) Patterns() []string {
	var out []string
	for _, r := range s.routes() {
		out = append(out, r.pattern)
	}
	return out
}

// Routes returns every route with the roles it admits.
func (s *Server) Routes() []access.Route {
	var out []access.Route
	for _, r := range s.routes() {
		out = append(out, access.Route{Pattern: r.pattern, Roles: r.roles})
	}
	return out
}

// Handler returns the API's routes, each behind authentication and its
// roles (access.Router), state-changing ones audited (audit.go).
func (s *Server) Handler() nethttp.Handler {
	rt := access.NewRouter(s.auth(), s.deny)
	for _, r := range s.routes() {
		h := nethttp.Handler(r.handler)
		// A channel's notification is no user's change: the order's new
		// state is journaled with it.
		if !strings.HasPrefix(r.pattern, "GET ") && r.pattern != "POST /v1/sessions" && r.pattern != "POST /v1/qr/notify/{channel}" {
			h = s.audited(r.pattern, h)
		}
		if atKnownVersion[r.pattern] {
			rt.HandleAtKnownVersion(r.pattern, h, r.roles...)
			continue
		}
		rt.Handle(r.pattern, h, r.roles...)
	}
	return s.recoverer(s.unmatched(rt.Mux()))
}

// unmatched answers requests no route takes (404, or 405 for a known path
// with another method) in the JSON error shape instead of plain text.
func (s *Server) unmatched(mux *nethttp.ServeMux) nethttp.Handler {
	return nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		// Let the mux decide the status (and set Allow on a 405), but keep
		// its plain-text body out of the answer.
		rec := &statusRecorder{header: w.Header()}
		h.ServeHTTP(rec, r)
		switch rec.status {
		case nethttp.StatusMethodNotAllowed:
			writeJSON(w, rec.status, errorBody{Error: errorDetail{
				Code: posguard.EINVALID, Message: fmt.Sprintf("method %s not allowed on %s", r.Method, r.URL.Path)}})
		case nethttp.StatusMovedPermanently, nethttp.StatusTemporaryRedirect, nethttp.StatusPermanentRedirect:
			w.WriteHeader(rec.status)
		default:
			writeJSON(w, nethttp.StatusNotFound, errorBody{Error: errorDetail{
				Code: posguard.ENOTFOUND, Message: "no endpoint " + r.URL.Path}})
		}
	})
}

// statusRecorder captures the status a handler writes and discards its body.
type statusRecorder struct {
	header nethttp.Header
	status int
}

func (r *statusRecorder) Header() nethttp.Header { return r.header }

func (r *statusRecorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.WriteHeader(nethttp.StatusOK)
	return io.Discard.Write(b)
}

// recoverer turns a handler panic into a logged 500 in the error shape.
func (s *Server) recoverer(next nethttp.Handler) nethttp.Handler {
	return nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == nethttp.ErrAbortHandler {
					panic(v)
				}
				s.writeError(w, r, posguard.Errorf(posguard.EINTERNAL, "panic: %v", v))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// metrics serves s.Metrics.
func (s *Server) metrics(w nethttp.ResponseWriter, r *nethttp.Request) {
	if s.Metrics == nil {
		s.writeError(w, r, posguard.Errorf(posguard.ENOTFOUND, "metrics are not enabled"))
		return
	}
	s.Metrics.ServeHTTP(w, r)
}

// logger returns s.Logger or a logger that discards.
func (s *Server) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// now returns the clock's time.
func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}
