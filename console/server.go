package console

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/access"
	"github.com/posguard/posguard/analytics"
	"github.com/posguard/posguard/casework"
	"github.com/posguard/posguard/dispute"
	"github.com/posguard/posguard/onboarding"
	"github.com/posguard/posguard/payout"
	"github.com/posguard/posguard/recon"
	"github.com/posguard/posguard/risk"
)

// PayoutDesk re-settles held payouts and verifies and applies settlement
// accounts; *payout.Runner implements it (the API uses the same).
type PayoutDesk interface {
	payout.AccountVerifier
	// Resettle queues a new payout of a failed or returned payout's held
	// money after re-verifying the merchant's account; ECONFLICT when it
	// was re-settled already or is not held, EINVALID when the account is
	// still not usable.
	Resettle(ctx context.Context, payoutID string) (*posguard.Payout, error)
}

// Server is the console. Set its fields, then serve Handler(); fields must
// not change once Handler has been called.
type Server struct {
	// Store is the journal, terminals, merchants and reversal queue;
	// required. A store with Money() also shows settlements and statements;
	// one that is a casework.Store and analytics.Store is used through
	// Cases and Reports.
	Store posguard.Store
	// Auth is the user system the API uses too: it logs users in, keeps
	// their sessions and CSRF tokens, and writes the audit log; required.
	// Its store also lists users (/users) and the audit log (/audit).
	Auth *access.Auth
	// Cases is the case service (cases pages, complaints); nil hides cases.
	Cases *casework.Service
	// Reports answers failure analytics, incidents, notices and terminal
	// health; nil shows those parts empty.
	Reports *analytics.Reports
	// Payouts re-settles held payouts; nil disables re-settlement.
	Payouts PayoutDesk
	// Changes keeps settlement-account change requests (maker-checker);
	// nil hides them.
	Changes posguard.AccountChangeStore
	// Onboarding runs applications (/onboarding); nil shows the page empty.
	Onboarding *onboarding.Service
	// Risk keeps the risk rules, hits and freezes (/risk); nil shows the
	// page empty.
	Risk *risk.Service
	// Recon runs and shows reconciliations (/recon); nil shows the page
	// empty.
	Recon *recon.Reconciler
	// Disputes works retrieval requests and chargebacks (/disputes); nil
	// shows the pages empty.
	Disputes *dispute.Service
	// QR keeps the QR orders (/qr pages); nil shows QR payments as off.
	QR posguard.QRStore
	// QRRefunds makes refunds from the order page (the API's engine); nil
	// hides the refund form.
	QRRefunds QRRefunder
	// MerchantChanged is told a merchant's id after the console changes its
	// limits, so a cache of merchants (the switch's) reads it again; nil
	// tells nobody.
	MerchantChanged func(id string)
	// Secure marks the language cookie Secure (session cookies follow
	// Auth.SecureCookies).
	Secure bool
	// Logger receives internal errors; nil logs nowhere.
	Logger *slog.Logger
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// now returns the clock's time.
func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// logger returns s.Logger or one that discards.
func (s *Server) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// money returns the store's money side, nil when it keeps no ledger.
func (s *Server) money() posguard.MoneyStore {
	if m, ok := s.Store.(interface{ Money() posguard.MoneyStore }); ok {
		return m.Money()
	}
	return nil
}

// csp is the Content-Security-Policy of every page: no script at all,
// styles and images only from the console itself, forms only to it.
const csp = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; " +
	"frame-ancestors 'none'; base-uri 'none'"

// secureHeaders sets the headers every console answer carries.
func secureHeaders(h http.Header) {
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
}
