package http

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	nethttp "net/http"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/analytics"
	"github.com/posguard/posguard/casework"
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
	// Backoffice serves onboarding and risk (backoffice.go); nil leaves
	// those routes out.
	Backoffice *Backoffice
}

// route is one registered route: a net/http.ServeMux pattern and its
// handler.
type route struct {
	pattern string
	handler nethttp.HandlerFunc
}

// routes is the one table of the API's routes.
func (s *Server) routes() []route {
	return []route{
		{"GET /v1/transactions", s.listTransactions},
		{"GET /v1/transactions/{id}", s.getTransaction},
		{"GET /v1/reversals", s.listReversals},
		{"GET /v1/explain/{code}", s.explain},
		{"GET /v1/terminals/{id}", s.getTerminal},
		{"GET /v1/merchants/{id}", s.getMerchant},
		{"GET /v1/transactions/{id}/settlement", s.getTxnSettlement},
		{"GET /v1/merchants/{id}/settlements", s.listMerchantSettlements},
		{"GET /v1/merchants/{id}/statement", s.getStatement},
		{"PUT /v1/merchants/{id}/settlement-account", s.putSettlementAccount},
		{"POST /v1/payouts/{id}/resettle", s.postResettle},
		{"POST /v1/settlements/{id}/resettle", s.postResettle},
		{"GET /healthz", s.healthz},
		{"GET /metrics", s.metrics},
		{"GET /v1/cases", s.listCases},
		{"POST /v1/cases", s.openComplaint},
		{"GET /v1/cases/{id}", s.getCase},
		{"GET /v1/cases/{id}/evidence", s.caseEvidence},
		{"POST /v1/cases/{id}/entries", s.addCaseEntry},
		{"POST /v1/cases/{id}/assign", s.assignCase},
		{"POST /v1/cases/{id}/status", s.setCaseStatus},
		{"POST /v1/cases/{id}/resolve", s.resolveCase},
		{"GET /v1/transactions/{id}/why", s.why},
		{"GET /v1/analytics/failures", s.failures},
		{"GET /v1/incidents", s.listIncidents},
		{"GET /v1/notices", s.listNotices},
		{"POST /v1/notices", s.postNotice},
		{"GET /v1/merchants/{id}/notices", s.merchantNotices},
		{"GET /v1/terminals/{id}/health", s.terminalHealth},
		{"GET /v1/terminals/attention", s.terminalsAttention},
	}
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

// Handler returns the API's routes.
func (s *Server) Handler() nethttp.Handler {
	mux := nethttp.NewServeMux()
	for _, r := range s.routes() {
		mux.HandleFunc(r.pattern, r.handler)
	}
	s.mountBackoffice(mux)
	return s.recoverer(s.unmatched(mux))
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
