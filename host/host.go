package host

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	nethttp "net/http"
	"strings"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/access"
	"github.com/posguard/posguard/analytics"
	"github.com/posguard/posguard/casework"
	"github.com/posguard/posguard/cluster"
	"github.com/posguard/posguard/dispute"
	api "github.com/posguard/posguard/http"
	"github.com/posguard/posguard/keys"
	"github.com/posguard/posguard/ledger"
	"github.com/posguard/posguard/metrics"
	"github.com/posguard/posguard/network"
	"github.com/posguard/posguard/payout"
	"github.com/posguard/posguard/qr"
	"github.com/posguard/posguard/recon"
	"github.com/posguard/posguard/reversal"
	"github.com/posguard/posguard/schedule"
	"github.com/posguard/posguard/settlement"
	"github.com/posguard/posguard/simbank"
	switching "github.com/posguard/posguard/switch"
	"github.com/posguard/posguard/terminal"
)

// Store is everything the host keeps: the journal, reversal queue,
// terminals and merchants, settings, cases, analytics, incidents and the
// money side. sqlite.Store and postgres.Store implement it.
type Store interface {
	posguard.Store
	posguard.SettingStore
	posguard.JobStore
	posguard.CaseStore
	posguard.AnalyticsStore
	posguard.IncidentStore
	posguard.DisputeStore
	// Money is the ledger, settlement and payout side.
	Money() posguard.MoneyStore
	// Access is the users, tokens, account changes and audit log side.
	Access() posguard.AccessStore
	// Recon is the reconciliation side (clearing files, exceptions).
	Recon() posguard.ReconStore
	// QR is the QR payments side (wallet channels, orders, refunds,
	// merchant notifications).
	QR() posguard.QRStore
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// CacheVersion lets the API keep tokens, users, merchants and
	// wallets in memory (docs/qr.md, "Caches").
	posguard.CacheVersions
}

// Config is what the host is assembled from. Store, HostKey and Network are
// required; every other field has the default shown.
type Config struct {
	// Store must hold the acquirer settings `posguard seed` stores.
	Store Store
	// Front, if set, is the store the switch and the API go through
	// instead of Store (serve passes one that watches the terminal path's
	// writes for /healthz); the other parts use Store.
	Front   Store
	HostKey *keys.HostKey
	// Network is the card network's addresses (HOST:PORT).
	Network []string
	// UpstreamConns is the number of connections per network address (2).
	UpstreamConns int
	// EchoInterval is how long a network connection may stay silent before
	// an echo test (0800) goes out (0: the network client's default, 30 s).
	EchoInterval time.Duration
	// UpstreamTimeout is the wait for the network's answer (15 s).
	UpstreamTimeout time.Duration
	// Cutoff is the local time of day at which the settlement day rolls
	// over (0: the switch's default).
	Cutoff time.Duration
	// ReversalMaxAttempts flags a reversal reversal_failed after this many
	// attempts; retries go on (5).
	ReversalMaxAttempts int
	// IncidentWindow is the recent window failure rates are judged over,
	// checked six times per window (1 min).
	IncidentWindow time.Duration
	// PayoutEvery is how often queued payouts are submitted and returns
	// collected (30 s).
	PayoutEvery time.Duration
	// Schedule, unless false, runs the business calendar by itself
	// (package schedule): at each cut-off the day is closed, settled T+1
	// and paid, and D0 merchants are paid every D0Every (5 min; negative:
	// no D0 job). ScheduleEvery is how often the scheduler looks at the
	// clock (5 s). Clock, if set, is the scheduler's and settlement's
	// clock (tests).
	Schedule      bool
	D0Every       time.Duration
	ScheduleEvery time.Duration
	Clock         func() time.Time
	// RiskHolds, if set, gives the transactions a risk rule holds for
	// review: the scheduled settlement leaves them out.
	RiskHolds func(ctx context.Context) ([]int64, error)
	// ReconStep, if set, is the scheduler's reconciliation step for a
	// closed day (serve's --clearing-dir watcher).
	ReconStep schedule.Step
	// ContactlessNoPINLimit is the largest contactless sale allowed
	// without a PIN (0: the switch's default, 1,000 yuan);
	// ContactlessNoPINCount bounds one card's no-PIN contactless sales at
	// a merchant per day (0: no bound).
	ContactlessNoPINLimit posguard.Amount
	ContactlessNoPINCount int
	// PreAuthHold is how long an approved pre-authorization stays open
	// before it expires and its hold is released upstream (30 days).
	PreAuthHold time.Duration
	// PreAuthSweepEvery is how often expired pre-authorizations are looked
	// for (1 min).
	PreAuthSweepEvery time.Duration
	// MinFirmware is the lowest firmware per terminal model not flagged in
	// health reports.
	MinFirmware map[string]string
	// DisputeURL is the base URL of the network's dispute API (simnet's
	// admin server): its dispute file is fetched and imported every
	// DisputeEvery (1 min), and responses go there. Empty: disputes come in
	// by import only (docs/disputes.md).
	DisputeURL   string
	DisputeEvery time.Duration
	// SecureCookies marks console session cookies Secure (serve sets it
	// when it serves HTTPS).
	SecureCookies bool
	// QR payments (spec/wallet-channel.md §6): QRQueryEvery (5 s),
	// QRPayDeadline (30 s), QRWait (8 s), WalletTimeout (10 s) and
	// PublicURL, where the channels send their notifications (serve's
	// default: http:// + the bound HTTP address).
	QRQueryEvery, QRPayDeadline, QRWait, WalletTimeout time.Duration
	PublicURL                                          string
	// Logger receives the host's logs (nil: discarded).
	Logger *slog.Logger

	// Shared says other instances run on the same (PostgreSQL) database:
	// singleton jobs run under leases (Elector), reversals are claimed,
	// RRNs come in blocks from the database, terminals are re-read when
	// they signed on or settled elsewhere. Store must then be a
	// posguard.LeaseStore.
	Shared bool
	// UsageRefresh is, when Shared, how often the switch reads a
	// merchant's daily usage (merchant, per card, per terminal) again from
	// the journal (switch.Config.UsageRefresh; 0: 1 s).
	UsageRefresh time.Duration
	// Instance names this instance in leases and claims
	// (cluster.InstanceID(): host name and process id).
	Instance string
	// LeaseTTL is how long a singleton job's lease lasts without renewal
	// (cluster.DefaultTTL, 15 s): a dead leader's jobs move to another
	// instance within about LeaseTTL + LeaseTTL/3.
	LeaseTTL time.Duration
	// ReversalLease is how long a claimed reversal stays with the instance
	// that claimed it (30 s); a dead instance's claims are taken over after
	// it.
	ReversalLease time.Duration
}

// Host is the assembled acquiring host. New builds it; Run serves it. The
// exported parts may be adjusted between New and Run (limits on
// Terminals, the HTTP server's timeouts); tests and the demo read them.
type Host struct {
	Config
	// AcquirerID is the acquirer institution id (field 32) from the store.
	AcquirerID string
	Metrics    *metrics.Metrics
	Client     *network.Client
	Switch     *switching.Switch
	Worker     *reversal.Worker
	Cases      *casework.Service
	Reports    *analytics.Reports
	Poster     *ledger.Poster
	// Bank is the simulated bank the payouts go to; it follows each
	// settlement account's status as stored at start.
	Bank    *simbank.Bank
	Payouts *payout.Runner
	// Recon reconciles clearing and payout result files; Adjuster sends
	// the credit adjustments (0220) reconciliation decides.
	Recon    *recon.Reconciler
	Adjuster *recon.Adjuster
	// Settler settles T+1 and D0; Scheduler runs the business calendar
	// (when Config.Schedule) over the store's job rows.
	Settler   *settlement.Settler
	Scheduler *schedule.Scheduler
	// Disputes works the network's retrieval requests and chargebacks.
	Disputes *dispute.Service
	// Also are more background parts Run starts beside its own and stops
	// with them (serve adds its clearing-directory watcher). Each runs on
	// one instance at a time when instances share the database (as
	// Singleton jobs named also-0, also-1…).
	Also []func(ctx context.Context)
	// QR runs QR orders, refunds and merchant notifications; Run works
	// its queues.
	QR *qr.Engine
	// QRPoster posts succeeded QR orders and refunds to the ledger.
	QRPoster *ledger.QRPoster
	// Terminals serves the terminal link; Run serves it on its listener.
	Terminals *terminal.Server
	// Auth authenticates API and console requests (users, tokens,
	// sessions in the store's access side).
	Auth *access.Auth
	// API is the JSON API; HTTP, when set, serves it (with the console, as
	// serve composes them) and Run serves HTTP on its listener, over TLS
	// when TLSCert and TLSKey name a certificate and key.
	API             *api.Server
	HTTP            *nethttp.Server
	TLSCert, TLSKey string

	// Elector runs the singleton jobs under leases when Shared (nil
	// otherwise: this instance runs them all).
	Elector *cluster.Elector

	detector   *analytics.Detector
	aggregator *analytics.Aggregator
	jobs       []job // added by Singleton
}

// job is a named singleton job.
type job struct {
	name string
	run  func(ctx context.Context)
}

// Singleton adds a background job that must run on one instance at a time
// (a scheduler, a queue without per-row claims): Run runs it on this
// instance alone, or, when instances share the database, on the leader of
// the lease name, moving it to another instance when the leader dies.
// Call it before Run.
func (h *Host) Singleton(name string, run func(ctx context.Context)) {
	h.jobs = append(h.jobs, job{name, run})
}

// New assembles the host over cfg.Store. It starts nothing.
func New(ctx context.Context, cfg Config) (*Host, error) {
	if cfg.Store == nil || cfg.HostKey == nil || len(cfg.Network) == 0 {
		return nil, posguard.Errorf(posguard.EINVALID, "host: a store, a host key and a network address are required")
	}
	if cfg.UpstreamConns <= 0 {
		cfg.UpstreamConns = 2
	}
	if cfg.UpstreamTimeout <= 0 {
		cfg.UpstreamTimeout = 15 * time.Second
	}
	if cfg.ReversalMaxAttempts <= 0 {
		cfg.ReversalMaxAttempts = 5
	}
	if cfg.IncidentWindow <= 0 {
		cfg.IncidentWindow = time.Minute
	}
	if cfg.PayoutEvery <= 0 {
		cfg.PayoutEvery = 30 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Instance == "" {
		cfg.Instance = cluster.InstanceID()
	}
	st, log := cfg.Store, cfg.Logger
	leases, _ := st.(posguard.LeaseStore)
	if cfg.Shared && leases == nil {
		return nil, posguard.Errorf(posguard.EINVALID, "host: the store %T cannot share the database between instances", st)
	}
	front := cfg.Front
	if front == nil {
		front = st
	}
	acq, zpk, err := AcquirerSettings(ctx, st)
	if err != nil {
		return nil, err
	}
	h := &Host{Config: cfg, AcquirerID: acq, Metrics: metrics.New()}
	m := h.Metrics
	// The acquirer id goes on every upstream message, the 0800 echo and
	// sign-on included (field 32).
	h.Client = &network.Client{Addrs: cfg.Network, Conns: cfg.UpstreamConns, AcquirerID: acq, EchoInterval: cfg.EchoInterval, Logger: log}
	swc := switching.Config{
		AcquirerID: acq, ZonePINKey: zpk, UpstreamTimeout: cfg.UpstreamTimeout, Cutoff: cfg.Cutoff,
		ContactlessNoPINLimit: cfg.ContactlessNoPINLimit, ContactlessNoPINCount: cfg.ContactlessNoPINCount,
	}
	// The RRN and upstream STAN sequence comes in blocks kept in the
	// store whenever it has a counter, one instance too: sign-ons take
	// numbers the journal does not count, so a sequence continued from
	// the journal's highest ID after a restart gave a sale the upstream
	// STAN and RRN of an earlier one (the network took it for a duplicate).
	if leases != nil {
		swc.Counter = leases
	}
	if cfg.Shared {
		swc.Shared, swc.Counter, swc.UsageRefresh = true, leases, cfg.UsageRefresh
		h.Elector = &cluster.Elector{Store: leases, Holder: cfg.Instance, TTL: cfg.LeaseTTL, Logger: log}
	}
	sw, err := switching.New(ctx, front, h.Client, cfg.HostKey, swc, log)
	if err != nil {
		return nil, err
	}
	h.Switch = sw
	h.detector = &analytics.Detector{Store: st, Recent: cfg.IncidentWindow, Bucket: cfg.IncidentWindow / 6, Logger: log}
	h.aggregator = &analytics.Aggregator{Store: st, Detector: h.detector, Logger: log}
	h.Cases = &casework.Service{Store: st, Logger: log}
	h.Reports = &analytics.Reports{Store: st, MinFirmware: cfg.MinFirmware}
	sw.Observer = switching.Observers{m, h.aggregator}
	sw.LateApproval = h.Cases.OnLateApproval
	sw.BatchUnbalanced = func(ctx context.Context, t *posguard.Terminal, batch string, diffs []posguard.UploadDiff) {
		if _, err := h.Cases.OnBatchUnbalanced(ctx, casework.BatchUnbalanced{TerminalID: t.ID, MerchantID: t.MerchantID, Batch: batch, Diffs: diffs}); err != nil {
			log.Error("batch upload case", "terminal", t.ID, "batch", batch, "err", err)
		}
	}
	h.Client.OnLate = sw.HandleLate
	h.Worker = &reversal.Worker{
		Store: st, Upstream: h.Client, AcquirerID: acq, InFlight: sw.InFlight,
		MaxAttempts: cfg.ReversalMaxAttempts, Logger: log, Lease: cfg.ReversalLease,
		Attempted: func(_ *posguard.Reversal, err error) { m.ReversalAttempt(err) },
		Failed:    h.Cases.OnReversalFailed,
	}
	sw.ReversalQueued = h.Worker.Wake
	if cfg.Shared {
		// Another instance may have forwarded the original and still await
		// its answer: no reversal overtakes it, and the sweep leaves
		// forwarded transactions alone until their upstream timeout (and a
		// margin) has passed, at start too.
		h.Worker.Holder = cfg.Instance
		h.Worker.Hold = cfg.UpstreamTimeout + 2*time.Second
		h.Worker.Grace = cfg.UpstreamTimeout + 5*time.Second
		h.Worker.RecoveryGrace = h.Worker.Grace
	}

	// Money after authorization: the ledger follows the journal on its own
	// goroutine (it never blocks an authorization), refunds are checked
	// against what the merchant still has unsettled, and payouts go to the
	// simulated bank, which follows each settlement account's status.
	money := st.Money()
	fees := &settlement.FeeBook{Store: money, Merchants: st}
	h.Poster = &ledger.Poster{Store: money, Pricer: fees, Logger: log}
	sw.RefundGuard = &settlement.RefundGuard{Store: money}
	merchants, err := st.Merchants(ctx)
	if err != nil {
		return nil, err
	}
	h.Bank = simbank.New(merchants)
	h.Payouts = &payout.Runner{Store: money, Merchants: st, Bank: h.Bank, Cases: PayoutCases{h.Cases}, Calendar: sw.Calendar(), Audit: st.Access()}

	h.Settler = &settlement.Settler{Store: money, Merchants: st, Fees: fees, Calendar: sw.Calendar(), Now: cfg.Clock,
		RiskHolds: cfg.RiskHolds}
	h.Scheduler = &schedule.Scheduler{Jobs: st, Calendar: sw.Calendar(), Now: cfg.Clock, D0Every: cfg.D0Every, Recon: cfg.ReconStep, Logger: log}
	(&schedule.Money{Poster: h.Poster, Settler: h.Settler, Payouts: h.Payouts, Merchants: st}).Attach(h.Scheduler)
	if cfg.D0Every < 0 {
		h.Scheduler.D0 = nil
	}
	h.Recon = &recon.Reconciler{Store: st.Recon(), Money: money, Cases: st, Journal: st, Payouts: h.Payouts,
		Acquirer: acq, Calendar: sw.Calendar(), Logger: log, Metrics: recon.NewMetrics(m.Registry()), Audit: st.Access()}
	h.Adjuster = &recon.Adjuster{Journal: st, Upstream: h.Client, AcquirerID: acq, Timeout: cfg.UpstreamTimeout, Logger: log,
		Answered: h.Recon.Refresh}

	h.QR = &qr.Engine{Store: st.QR(), Merchants: st, Terminals: st, Settings: st, Cases: QRCases{h.Cases},
		QueryEvery: cfg.QRQueryEvery, PayDeadline: cfg.QRPayDeadline, Wait: cfg.QRWait, WalletTimeout: cfg.WalletTimeout,
		PublicURL: cfg.PublicURL, MaxAttempts: cfg.ReversalMaxAttempts, Logger: log}
	if err := h.QR.Start(ctx); err != nil {
		return nil, fmt.Errorf("qr: %w", err)
	}
	if err := h.Recon.WireQR(ctx, h.QR, st, st, channelNames(h.QR)); err != nil {
		return nil, fmt.Errorf("qr reconciliation: %w", err)
	}
	h.observeQR(st.QR())
	cal := sw.Calendar()
	h.QRPoster = &ledger.QRPoster{QR: st.QR(), Ledger: money, Pricer: fees, Date: cal.SettlementDate, Logger: log}
	h.Disputes = newDisputes(st, money, cfg, sw.Calendar())
	h.Also = append(h.Also, h.disputeLoop)

	gw := &terminal.Gateway{Handler: sw, Logger: log, FrameError: m.FrameError}
	h.Terminals = &terminal.Server{Handler: gw, Logger: log, ConnState: func(_ *terminal.ConnInfo, open bool) { m.ConnState(open) }}
	h.Auth = &access.Auth{Store: st.Access(), Versions: st, Logger: log, SecureCookies: cfg.SecureCookies}
	m.Registry().MustRegister(metrics.AuthReruns(h.Auth.Reruns))
	h.API = &api.Server{Store: front, Access: st.Access(), Auth: h.Auth, Metrics: m.Handler(), Logger: log, Cases: h.Cases, Reports: h.Reports, Payouts: h.Payouts, Recon: h.Recon, Jobs: st,
		QR:       h.QR,
		Disputes: h.Disputes,
		Health: func(context.Context) map[string]string {
			s := h.Client.State()
			out := map[string]string{"network": fmt.Sprintf("%d connected", s.Connected)}
			if h.Elector != nil {
				// Several instances: which one answers, and the jobs it leads.
				out["instance"] = h.Instance
				out["leads"] = strings.Join(h.Elector.Led(), ",")
			}
			return out
		}}
	if lr, ok := st.(posguard.LimitRequestStore); ok {
		h.API.LimitRequests = lr
	}
	h.API.MerchantChanged = sw.ForgetMerchant
	return h, nil
}

// AcquirerSettings reads the acquirer id and zone PIN key that
// `posguard seed` stored.
func AcquirerSettings(ctx context.Context, st posguard.SettingStore) (string, []byte, error) {
	acq, err := st.Setting(ctx, posguard.SettingAcquirerID)
	if err != nil {
		if posguard.ErrorCode(err) == posguard.ENOTFOUND {
			return "", nil, errors.New("the database has no acquirer settings: load a world file first (posguard seed --db DSN FILE)")
		}
		return "", nil, err
	}
	zpk, err := st.Setting(ctx, posguard.SettingZonePINKey)
	if err != nil {
		return "", nil, fmt.Errorf("zone PIN key: %w", err)
	}
	return string(acq), zpk, nil
}

// channelNames returns the names of the engine's wallet channels.
func channelNames(e *qr.Engine) []string {
	var out []string
	for _, c := range e.Channels() {
		out = append(out, c.Name)
	}
	return out
}
