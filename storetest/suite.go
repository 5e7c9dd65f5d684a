package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/posguard/posguard"
)

// Opener returns a fresh, empty store for one subtest; the store is closed by
// the suite when the subtest ends.
type Opener func(t *testing.T) posguard.Store

// Option configures Run.
type Option func(*config)

type config struct {
	rawContains func(t *testing.T, s posguard.Store, needle []byte) bool
	journalOnly bool
}

// JournalOnly limits Run to the journal, reversal and merchant/terminal
// groups: the writes that group commit carries (for a second run of the
// suite with a store set differently on that path).
func JournalOnly() Option {
	return func(c *config) { c.journalOnly = true }
}

// WithRawContains gives the suite a look at the store's raw storage: f
// reports whether needle occurs anywhere in what s keeps on disk (or in its
// tables), in the clear. The suite uses it to prove that terminal master
// keys and working keys are stored only sealed. Without it that check is
// skipped.
func WithRawContains(f func(t *testing.T, s posguard.Store, needle []byte) bool) Option {
	return func(c *config) { c.rawContains = f }
}

// Run is the one entry point of the conformance suite: it exercises the
// whole store made by open (journal, reversals, merchants, terminals,
// settings, cases, incidents, analytics, ledger, settlement, payouts,
// access, reconciliation, onboarding and risk). Every subtest gets its own store.
func Run(t *testing.T, open Opener, opts ...Option) {
	var c config
	for _, o := range opts {
		o(&c)
	}
	h := &harness{open: open, cfg: c}
	groups := []struct {
		name string
		run  func(t *testing.T, h *harness)
	}{
		{"Merchants", testMerchants},
		{"Terminals", testTerminals},
		{"Sealing", testSealing},
		{"Journal", testJournal},
		{"Update", testUpdate},
		{"Indexed", testIndexed},
		{"Queries", testQueries},
		{"Search", testSearch},
		{"BatchTotals", testBatchTotals},
		{"DailyUsage", testDailyUsage},
		{"PreAuths", testPreAuths},
		{"DailyByCard", testDailyByCard},
		{"BatchUpload", testBatchUpload},
		{"Reversals", testReversals},
		{"Concurrency", testConcurrency},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) { g.run(t, h) })
	}
	if c.journalOnly {
		return
	}
	t.Run("Settings", func(t *testing.T) { runSettings(t, h) })
	t.Run("Cases", func(t *testing.T) { runCases(t, h) })
	t.Run("LimitRequests", func(t *testing.T) { runLimitRequests(t, h) })
	t.Run("Ledger", func(t *testing.T) { runLedger(t, h) })
	t.Run("Jobs", func(t *testing.T) { runJobs(t, h) })
	t.Run("Access", func(t *testing.T) { runAccess(t, h) })
	t.Run("RequestAudit", func(t *testing.T) { runRequestAudit(t, h) })
	t.Run("Recon", func(t *testing.T) { runRecon(t, h) })
	t.Run("Onboarding", func(t *testing.T) { runOnboarding(t, h) })
	t.Run("Disputes", func(t *testing.T) { runDisputes(t, h) })
	t.Run("QR", func(t *testing.T) { RunQR(t, open) })
	t.Run("ReconQR", func(t *testing.T) { RunReconQR(t, open) })
	t.Run("QRSearch", func(t *testing.T) { RunQRSearch(t, open) })
	t.Run("QRPosting", func(t *testing.T) { RunQRPosting(t, open) })
	t.Run("Cluster", func(t *testing.T) { testCluster(t, h) })
}

// harness carries the opener and options into the test groups.
type harness struct {
	open Opener
	cfg  config
}

// group is one named check of a side S of the store (Money(), Access()…).
type group[S any] struct {
	name string
	run  func(t *testing.T, s posguard.Store, side S)
}

// runGroups runs each group as a subtest on a fresh store and its side.
func runGroups[S any](t *testing.T, h *harness, side func(*testing.T, posguard.Store) S, groups []group[S]) {
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			s := h.store(t)
			g.run(t, s, side(t, s))
		})
	}
}

// sideOf returns s as an I, failing t when s is none.
func sideOf[I any](t *testing.T, s posguard.Store) I {
	t.Helper()
	i, ok := s.(I)
	if !ok {
		t.Fatalf("%T lacks %T", s, (*I)(nil))
	}
	return i
}

// store opens a fresh store closed at the end of t.
func (h *harness) store(t *testing.T) posguard.Store {
	t.Helper()
	s := h.open(t)
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return s
}

// wantCode fails t unless err carries the posguard error code want ("" for
// no error).
func wantCode(t *testing.T, err error, want, what string) {
	t.Helper()
	if got := posguard.ErrorCode(err); got != want {
		t.Fatalf("%s: error code %q (%v), want %q", what, got, err, want)
	}
}

// must fails t on a non-nil error.
func must(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// sameMicro reports whether two times are equal to the microsecond (stores
// keep at least microsecond precision; PostgreSQL rounds to it).
func sameMicro(a, b time.Time) bool {
	d := a.Sub(b)
	return d > -time.Microsecond && d < time.Microsecond
}

// wantTime fails t unless got equals want to the microsecond and is in UTC.
func wantTime(t *testing.T, got, want time.Time, what string) {
	t.Helper()
	if want.IsZero() {
		if !got.IsZero() {
			t.Fatalf("%s: %v, want the zero time", what, got)
		}
		return
	}
	if !sameMicro(got, want) {
		t.Fatalf("%s: %v, want %v", what, got, want)
	}
	if got.Location() != time.UTC {
		t.Fatalf("%s: location %v, want UTC", what, got.Location())
	}
}

// txn returns a journal entry for terminal tid with STAN stan, as a sale
// approved on a domestic card unless the caller changes it.
func txn(tid, stan string) *posguard.Transaction {
	return &posguard.Transaction{
		TxnKey:         posguard.TxnKey{TerminalID: tid, Batch: "000001", STAN: stan, MTI: "0200"},
		Type:           posguard.TxnSale,
		ContentHash:    fmt.Sprintf("%064d", 7),
		MerchantID:     "898310048990001",
		PANMasked:      "622202******1234",
		PANHash:        "ab12cd34",
		IssuerBIN:      "622202",
		CardOrg:        "CUP",
		Amount:         1000,
		Currency:       posguard.CurrencyCNY,
		ProcCode:       "000000",
		EntryMode:      "051",
		SettlementDate: "2026-03-01",
		State:          posguard.StateApproved,
		ResponseCode:   "00",
		Reason:         posguard.ReasonApproved,
	}
}

// insert journals tx or fails t.
func insert(t *testing.T, s posguard.Store, tx *posguard.Transaction) *posguard.Transaction {
	t.Helper()
	must(t, s.Insert(t.Context(), tx), "insert "+tx.STAN)
	return tx
}
