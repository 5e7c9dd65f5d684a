package switching

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/posguard/posguard"
)

// PANHasher derives the keyed hash the journal keeps instead of a PAN.
type PANHasher interface {
	PANHash(pan posguard.PAN) string
}

// Config holds a Switch's settings. Zero values take the documented defaults.
type Config struct {
	// AcquirerID is field 32 of answers and upstream requests.
	AcquirerID string
	// ZonePINKey is the PIN key shared with the network (16 bytes).
	ZonePINKey []byte
	// UpstreamTimeout bounds the wait for the network's answer; it must be
	// shorter than the terminals' own timeout (typically 60 s). Default 15 s.
	UpstreamTimeout time.Duration
	// Cutoff is the local time of day at which the settlement day rolls
	// over. Default posguard.DefaultCutoff (23:00).
	Cutoff time.Duration
	// Location is the host's local time zone. Default
	// posguard.ChinaStandardTime (UTC+8). With Cutoff it makes the business
	// calendar (Switch.Calendar) the rest of the host shares.
	Location *time.Location
	// CacheTTL bounds how long a merchant record is trusted before it is
	// read again. Default 2 s.
	CacheTTL time.Duration
	// MCC is the default merchant category code sent upstream when a
	// merchant has none.
	MCC string
	// SignOnGrace is how long the working keys a terminal used stay valid
	// after a sign-on it has not confirmed (by a request MACed under the new
	// keys). Default 10 minutes.
	SignOnGrace time.Duration
	// Counter, if set, hands the RRN and upstream STAN sequence out in
	// blocks from the database several instances share, so no two
	// instances ever give the same RRN. Nil: the sequence continues the
	// journal's highest ID in memory (one instance per database).
	Counter BlockCounter
	// RRNBlock is how many numbers one block holds (default 1000): one
	// database round trip per RRNBlock requests.
	RRNBlock int64
	// Shared says other instances serve the same terminals on the same
	// database: a retransmission whose original is in flight on another
	// instance waits for the answer that instance journals (at most until
	// the original's upstream timeout), and a terminal whose MAC, sign-on
	// or batch does not match what this instance remembers is read again
	// from the store (it may have signed on or settled elsewhere).
	Shared bool
	// UsageRefresh is, when Shared, how often a merchant's daily usage (the
	// daily limits' count, and its per-card and per-terminal usage) is read
	// again from the journal, so that what the other instances approved
	// counts (default 1 s). One instance reads it once per merchant and day.
	UsageRefresh time.Duration
	// SignOnsPerMinute bounds one terminal's sign-ons in any minute; beyond
	// it a sign-on is answered 96 and changes nothing. Default 6.
	SignOnsPerMinute int
	// ContactlessNoPINLimit is the largest contactless (field 22 07x) sale
	// or pre-authorization allowed without a PIN; above it the answer is
	// 55 (PIN required). Default DefaultContactlessNoPINLimit (1,000 yuan).
	ContactlessNoPINLimit posguard.Amount
	// ContactlessNoPINCount bounds the no-PIN contactless debits of one
	// card at one merchant per settlement day (65 beyond it); 0: no bound.
	ContactlessNoPINCount int
}

// BlockCounter hands out blocks of a shared sequence (posguard.LeaseStore's
// NextBlock).
type BlockCounter interface {
	NextBlock(ctx context.Context, name string, size, floor int64) (last int64, err error)
}

// Observer is told about each answered request (metrics).
type Observer interface {
	Answered(req *posguard.TerminalRequest, resp *posguard.TerminalResponse, elapsed time.Duration)
}

// RefundGuard checks a refund against the merchant's available balance.
type RefundGuard interface {
	Check(ctx context.Context, merchantID string, amount posguard.Amount) (ok bool, reason string, err error)
}

// RiskGate applies the risk rules (risk.Service implements it).
type RiskGate interface {
	// Check judges a sale about to be forwarded, in memory; nil when no
	// rule hit.
	Check(m *posguard.Merchant, t *posguard.Terminal, req *posguard.TerminalRequest, txn *posguard.Transaction) *posguard.RiskDecision
	// Record stores d's hits for the journaled txn and takes its action
	// (a freeze).
	Record(ctx context.Context, txn *posguard.Transaction, d *posguard.RiskDecision)
	// FreezeReason returns why a merchant is frozen ("" when unknown).
	FreezeReason(merchantID string) string
}

// Observers fans one answer out to several observers.
type Observers []Observer

// Answered calls every observer in order.
func (o Observers) Answered(req *posguard.TerminalRequest, resp *posguard.TerminalResponse, elapsed time.Duration) {
	for _, x := range o {
		x.Answered(req, resp, elapsed)
	}
}

// Switch is the authorization pipeline. Create one with New; it is safe for
// concurrent use by many terminal connections.
type Switch struct {
	store    posguard.Store
	upstream posguard.Upstream
	hasher   PANHasher
	cfg      Config
	log      *slog.Logger
	// Now is the clock; tests set it.
	Now func() time.Time
	// Observer, if set, sees every answer.
	Observer Observer
	// ReversalQueued, if set, is called after an upstream reversal has been
	// durably queued (it wakes the reversal worker).
	ReversalQueued func()
	// LateApproval, if set, is told about an approval that arrived after
	// its request timed out (its reversal is already queued): casework
	// opens a case for it.
	LateApproval func(ctx context.Context, txn *posguard.Transaction)
	// RefundGuard, if set, declines a refund that would exceed what the
	// merchant still has unsettled (e.g. after a D0 payout): 13 with its
	// reason.
	RefundGuard RefundGuard
	// BatchUnbalanced, if set, is told about a batch whose upload (0320)
	// differs from the journal, once per terminal and batch (casework
	// opens a case listing each differing item).
	BatchUnbalanced func(ctx context.Context, t *posguard.Terminal, batch string, diffs []posguard.UploadDiff)
	// Risk, if set, judges every card sale before it is forwarded: a
	// decline or freeze answers 59, a review or allow goes on; every hit is
	// recorded with the journaled transaction.
	Risk RiskGate

	terminals sync.Map // id → *posguard.Terminal (the switch is the only writer of sign-on state)
	merchants sync.Map // id → *merchantEntry
	usage     usageBook
	cards     cardBook
	inflight  inflightSet
	recent    recentUpstream
	originals lockSet
	keyGuard  keyGuard
	// uploadEnds remembers the batches whose upload end was compared.
	uploadEnds sync.Map

	rrnSeq   atomic.Int64
	rrnFloor int64
	blockMu  sync.Mutex
	blockAt  int64 // next number of the current block
	blockEnd int64 // last number of the current block
}

type merchantEntry struct {
	m  *posguard.Merchant
	at time.Time
}

// New returns a Switch over store and upstream. It reads the journal's
// highest ID to continue the RRN sequence.
func New(ctx context.Context, store posguard.Store, upstream posguard.Upstream, hasher PANHasher, cfg Config, log *slog.Logger) (*Switch, error) {
	if cfg.UpstreamTimeout <= 0 {
		cfg.UpstreamTimeout = 15 * time.Second
	}
	cal := posguard.Calendar{Location: cfg.Location, Cutoff: cfg.Cutoff}
	cfg.Location, cfg.Cutoff = cal.Zone(), cal.CutoffTime()
	if cfg.CacheTTL <= 0 {
		cfg.CacheTTL = 2 * time.Second
	}
	if cfg.AcquirerID == "" {
		cfg.AcquirerID = "00000000"
	}
	if cfg.MCC == "" {
		cfg.MCC = "5999"
	}
	if cfg.SignOnGrace <= 0 {
		cfg.SignOnGrace = DefaultSignOnGrace
	}
	if cfg.ContactlessNoPINLimit <= 0 {
		cfg.ContactlessNoPINLimit = DefaultContactlessNoPINLimit
	}
	if cfg.SignOnsPerMinute <= 0 {
		cfg.SignOnsPerMinute = DefaultSignOnsPerMinute
	}
	if log == nil {
		log = slog.Default()
	}
	max, err := store.MaxID(ctx)
	if err != nil {
		return nil, err
	}
	s := &Switch{store: store, upstream: upstream, hasher: hasher, cfg: cfg, log: log, Now: time.Now}
	s.usage.init()
	if cfg.Shared {
		s.usage.refresh = cfg.UsageRefresh
		if s.usage.refresh <= 0 {
			s.usage.refresh = time.Second
		}
		s.cards.refresh = s.usage.refresh // per card and terminal, the same
	}
	s.inflight.init()
	s.recent.init()
	s.rrnSeq.Store(max)
	s.rrnFloor = max
	if s.cfg.RRNBlock <= 0 {
		s.cfg.RRNBlock = 1000
	}
	return s, nil
}

// Config returns the effective configuration.
func (s *Switch) Config() Config { return s.cfg }

// terminal returns the terminal, from memory when known.
func (s *Switch) terminal(ctx context.Context, id string) (*posguard.Terminal, error) {
	if v, ok := s.terminals.Load(id); ok {
		return v.(*posguard.Terminal), nil
	}
	t, err := s.store.Terminal(ctx, id)
	if err != nil {
		return nil, err
	}
	s.restoreReplaced(ctx, id)
	s.terminals.Store(id, t)
	return t, nil
}

// restoreReplaced reads the working keys sign-ons of terminal id replaced
// that the terminal may still hold (the store keeps them across restarts,
// and for every instance on the database): they stay valid for their
// grace.
func (s *Switch) restoreReplaced(ctx context.Context, id string) {
	now := s.Now()
	kept, err := s.store.ReplacedKeys(ctx, id, now.Add(-s.cfg.SignOnGrace))
	if err != nil {
		s.log.Error("replaced keys", "terminal", id, "err", err)
	}
	s.keyGuard.restore(id, kept, now, s.cfg.SignOnGrace)
}

// current returns the cached terminal t stands for: t may be a copy
// carrying the previous working keys, which must never be cached.
func (s *Switch) current(t *posguard.Terminal) *posguard.Terminal {
	if v, ok := s.terminals.Load(t.ID); ok {
		return v.(*posguard.Terminal)
	}
	return t
}

// setTerminal replaces the cached terminal after the store was updated.
func (s *Switch) setTerminal(t *posguard.Terminal) { s.terminals.Store(t.ID, t) }

// ForgetTerminal drops a cached terminal so the next request reads it from
// the store (after provisioning changes).
func (s *Switch) ForgetTerminal(id string) { s.terminals.Delete(id) }

// ForgetMerchant drops a cached merchant so the next request reads it
// from the store (after a freeze, an unfreeze or an approval).
func (s *Switch) ForgetMerchant(id string) {
	s.merchants.Delete(id)
	s.cards.forget(id) // its limits may have changed: re-read its usage when needed
}

// merchant returns the merchant, re-read from the store after CacheTTL.
func (s *Switch) merchant(ctx context.Context, id string) (*posguard.Merchant, error) {
	now := time.Now()
	if v, ok := s.merchants.Load(id); ok {
		e := v.(*merchantEntry)
		if now.Sub(e.at) < s.cfg.CacheTTL {
			return e.m, nil
		}
	}
	m, err := s.store.Merchant(ctx, id)
	if err != nil {
		return nil, err
	}
	s.merchants.Store(id, &merchantEntry{m: m, at: now})
	return m, nil
}

// Calendar returns the business calendar the switch dates transactions by.
func (s *Switch) Calendar() posguard.Calendar {
	return posguard.Calendar{Location: s.cfg.Location, Cutoff: s.cfg.Cutoff}
}

// SettlementDate returns the business date (YYYY-MM-DD) that t belongs to:
// the local date, or the next day at or after the cut-off.
func (s *Switch) SettlementDate(t time.Time) string {
	return s.Calendar().SettlementDate(t)
}

// number returns the next number of the host's sequence, which both the
// RRN and the upstream STAN are made of: from the shared counter in blocks
// when cfg.Counter is set, from memory otherwise.
func (s *Switch) number(ctx context.Context) (int64, error) {
	if s.cfg.Counter == nil {
		return s.rrnSeq.Add(1), nil
	}
	s.blockMu.Lock()
	defer s.blockMu.Unlock()
	if s.blockAt == 0 || s.blockAt > s.blockEnd {
		last, err := s.cfg.Counter.NextBlock(ctx, "rrn", s.cfg.RRNBlock, s.rrnFloor)
		if err != nil {
			return 0, err
		}
		s.blockAt, s.blockEnd = last-s.cfg.RRNBlock+1, last
	}
	n := s.blockAt
	s.blockAt++
	return n, nil
}

// nextRRN returns a retrieval reference number unique across every
// instance on the database: the settlement day's MMDD followed by 8 digits
// of the host's sequence (which continues the journal's IDs).
func (s *Switch) nextRRN(ctx context.Context, settleDate string) (string, error) {
	n, err := s.number(ctx)
	if err != nil {
		return "", err
	}
	return rrnOf(settleDate, n), nil
}

func rrnOf(settleDate string, n int64) string {
	return settleDate[5:7] + settleDate[8:10] + pad(n%100000000, 8)
}

// stanOf is the upstream STAN (000001–999999) of sequence number n.
func stanOf(n int64) string {
	return pad(n%999999+1, 6)
}

func pad(n int64, width int) string {
	b := make([]byte, width)
	for i := width - 1; i >= 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b)
}
