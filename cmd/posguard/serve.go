package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	nethttp "net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/access"
	"github.com/posguard/posguard/host"
	api "github.com/posguard/posguard/http"
	"github.com/posguard/posguard/risk"
	"github.com/posguard/posguard/simbank"
	"github.com/posguard/posguard/simwallet"
	"github.com/posguard/posguard/sqlite"
	switching "github.com/posguard/posguard/switch"
)

func init() {
	register("serve", "run the acquiring host: terminal link, switch, network link, HTTP API", func(stdout, stderr io.Writer) Command {
		return &ServeCommand{Stdout: stdout, Stderr: stderr}
	})
}

// ServeCommand runs the host. Tests set the addresses to ":0" and read the
// bound ones from TerminalAddr/HTTPAddr after Ready is closed.
type ServeCommand struct {
	Stdout, Stderr io.Writer

	DB              string
	HostKeyFile     string
	TerminalAddr    string
	HTTPAddr        string
	Network         string
	UpstreamTimeout time.Duration
	UpstreamConns   int
	EchoInterval    time.Duration
	Cutoff          string
	MaxAttempts     int
	// NoPINLimit (fen) and NoPINCount: the contactless no-PIN rule.
	NoPINLimit, NoPINCount int
	MinFirmware            string
	IncidentWindow         time.Duration
	PayoutEvery            time.Duration
	// DisputeURL and DisputeEvery: the network's dispute API, polled
	// (docs/disputes.md).
	DisputeURL   string
	DisputeEvery time.Duration
	// Schedule is "on" (the business calendar runs itself: close of day,
	// T+1, payouts, reconciliation, D0 every D0Every) or "off".
	Schedule    string
	D0Every     time.Duration
	ClearingDir string
	clearing    *clearingWatcher // set when --clearing-dir is given
	LogLevel    string
	logOpts
	TLSCert     string
	TLSKey      string
	MetricsAddr string
	// QR payments (spec/wallet-channel.md §6).
	QRQueryEvery, QRPayDeadline, QRWait, WalletTimeout time.Duration
	PublicURL                                          string
	// QRNotifySchedule replaces the merchant notification retry delays
	// (--qr-notify-schedule; tests and chaos runs).
	QRNotifySchedule []time.Duration
	qrNotifySchedule string
	// Instance, LeaseTTL and ReversalLease configure an instance of
	// several on one PostgreSQL database (see docs/deployment.md).
	Instance      string
	LeaseTTL      time.Duration
	ReversalLease time.Duration
	// UsageRefresh is, on PostgreSQL, how often the daily-limit usage is
	// read again from the journal (docs/deployment.md).
	UsageRefresh time.Duration
	// Risk is "on" (the risk rules judge every card sale) or "off".
	Risk string
	// RiskNow, if set before Run, is the clock the risk rules judge
	// payments by (tests: night hours).
	RiskNow func() time.Time
	// SwitchNow, if set before Run, is the switch's clock (tests move it
	// to expire pre-authorizations).
	SwitchNow func() time.Time
	// QRNow, if set before Run, is the QR engine's clock for its queues
	// (deadlines, retry times, the notification outbox's 24-hour case and
	// 7-day abandonment): tests move it forward. Requests to the channels
	// keep the real time.
	QRNow func() time.Time
	// CPUProfile, when set (--cpuprofile), is where a CPU profile of the
	// whole run is written; it is complete once Run returns.
	CPUProfile string
	connLimits

	// Ready is closed when both listeners are bound.
	Ready chan struct{}
	// Switch is the running switch (after Ready).
	Switch *switching.Switch
	// Bank is the simulated bank the payouts go to (after Ready); tests
	// change an account's status there as a merchant would at the bank.
	Bank *simbank.Bank
	// Auth authenticates API and console requests (after Ready).
	Auth *access.Auth

	log                  *slog.Logger
	store                hostStore
	host                 *host.Host
	bo                   *api.Backoffice
	boundTerm, boundHTTP string
	mu                   sync.Mutex
	lock                 *sqlite.Lock // the SQLite single-instance lock (nil on PostgreSQL)
}

// ParseFlags reads serve's flags.
func (c *ServeCommand) ParseFlags(args []string) error {
	fs := newFlagSet("serve", "serve --db DSN --terminal-addr HOST:PORT --http-addr HOST:PORT --network iso8583://HOST:PORT", c.Stderr)
	c.addFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return fmt.Errorf("--tls-cert and --tls-key go together")
	}
	if c.Schedule != "on" && c.Schedule != "off" {
		return fmt.Errorf("--schedule %q: want on or off", c.Schedule)
	}
	if c.D0Every < 0 {
		return fmt.Errorf("--d0-every must not be negative")
	}
	if c.qrNotifySchedule != "" {
		sched, err := simwallet.ParseSchedule(c.qrNotifySchedule)
		if err != nil {
			return fmt.Errorf("--qr-notify-schedule: %w", err)
		}
		c.QRNotifySchedule = sched
	}
	return checkLogFormat(c.LogFormat)
}

func (c *ServeCommand) addFlags(fs interface {
	StringVar(*string, string, string, string)
	DurationVar(*time.Duration, string, time.Duration, string)
	IntVar(*int, string, int, string)
}) {
	fs.StringVar(&c.DB, "db", "sqlite:posguard-data/posguard.db", "store: sqlite:PATH or a postgres:// URL")
	fs.StringVar(&c.HostKeyFile, "host-key-file", "", "host key file (default: beside a SQLite database, ./posguard.hostkey for PostgreSQL; created if missing)")
	fs.StringVar(&c.TerminalAddr, "terminal-addr", "127.0.0.1:5800", "address for POS terminals (ISO 8583 over TCP)")
	fs.StringVar(&c.HTTPAddr, "http-addr", "127.0.0.1:8080", "address of the HTTP API, /healthz and /metrics")
	fs.StringVar(&c.Network, "network", "iso8583://127.0.0.1:5900", "card network link: iso8583://HOST:PORT[,HOST:PORT…]")
	fs.DurationVar(&c.UpstreamTimeout, "upstream-timeout", 15*time.Second, "wait for the network's answer (shorter than the terminals' timeout)")
	fs.IntVar(&c.UpstreamConns, "upstream-conns", 2, "connections per network address")
	fs.DurationVar(&c.EchoInterval, "echo-interval", 30*time.Second, "send an echo test (0800) on a network connection silent this long")
	fs.StringVar(&c.Cutoff, "cutoff", "23:00", "local time at which the settlement day rolls over")
	fs.IntVar(&c.NoPINLimit, "contactless-no-pin-limit", 100000, "largest contactless (闪付) sale in fen allowed without a PIN; above it 55 (PIN required)")
	fs.IntVar(&c.NoPINCount, "contactless-no-pin-count", 0, "no-PIN contactless sales one card may make at one merchant per settlement day (0: no bound)")
	fs.IntVar(&c.MaxAttempts, "reversal-max-attempts", 5, "attempts after which a reversal is flagged reversal_failed (retries continue)")
	fs.DurationVar(&c.IncidentWindow, "incident-window", time.Minute, "recent window an issuer's, terminal's or firmware's failure rate is judged over (checked six times per window)")
	fs.StringVar(&c.ClearingDir, "clearing-dir", "", "directory watched for the network's clearing files (IND{yymmdd}01ACOM) and the bank's payout result files (DF{yyyymmdd}_*.csv), reconciled on arrival")
	fs.DurationVar(&c.PayoutEvery, "payout-every", 30*time.Second, "how often queued payouts are submitted to the (simulated) bank and returns collected")
	fs.StringVar(&c.DisputeURL, "disputes-url", "", "the network's dispute API (simnet's admin server, http://HOST:PORT): its dispute file is imported every --dispute-every and responses are sent there")
	fs.DurationVar(&c.DisputeEvery, "dispute-every", time.Minute, "how often the network's dispute file is fetched and disputes past their deadline are lost")
	fs.StringVar(&c.Risk, "risk", "on", "risk rules on card sales: on or off")
	fs.StringVar(&c.Schedule, "schedule", "on", "the business calendar runs itself (on or off): at the cut-off the day is closed, settled T+1, paid and reconciled; D0 merchants are paid every --d0-every; runs at GET /v1/jobs")
	fs.DurationVar(&c.D0Every, "d0-every", 5*time.Minute, "how often D0 merchants' qualifying sales are paid same-day (0: no D0 job)")
	fs.StringVar(&c.MinFirmware, "min-firmware", "", "lowest firmware per terminal model not flagged in health reports, e.g. NEW8210=2.3.0,S90=1.0.8")
	fs.StringVar(&c.LogLevel, "log-level", "info", "debug, info, warn or error")
	c.addLogFlags(fs)
	fs.StringVar(&c.TLSCert, "tls-cert", "", "certificate file (PEM): serve the API and console over HTTPS (with --tls-key)")
	fs.StringVar(&c.TLSKey, "tls-key", "", "private key file (PEM) of --tls-cert")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", "", "serve /metrics without credentials on this separate address (otherwise /metrics needs an admin or operator token)")
	fs.DurationVar(&c.QRQueryEvery, "qr-query-every", 5*time.Second, "QR: how often an order whose outcome is unknown is queried at its channel")
	fs.DurationVar(&c.QRPayDeadline, "qr-pay-deadline", 30*time.Second, "QR: a micropay order not confirmed this long after its creation is reversed")
	fs.DurationVar(&c.QRWait, "qr-wait", 8*time.Second, "QR: how long POST /v1/qr/orders (and refunds) waits for a final state before answering")
	fs.DurationVar(&c.WalletTimeout, "wallet-timeout", 10*time.Second, "QR: wait for a wallet channel's answer")
	fs.StringVar(&c.qrNotifySchedule, "qr-notify-schedule", "", "QR: retry delays of merchant notifications, e.g. 1s,2s,5s (the last repeats; default the spec's 5s,15s,30s,1m,2m,5m,10m,30m,1h); for test and chaos runs")
	fs.StringVar(&c.PublicURL, "public-url", "", "QR: base URL where the wallet channels reach this host's notification endpoint (default http:// + the bound --http-addr)")
	fs.StringVar(&c.Instance, "instance", "", "name of this instance among several on one PostgreSQL database, in leases and claims (default: host name and process id)")
	fs.DurationVar(&c.LeaseTTL, "lease-ttl", 15*time.Second, "PostgreSQL: how long a singleton job's lease (ledger poster, payouts, incident detection…) lasts unrenewed; a dead leader's jobs move within about 1.3 times this")
	fs.DurationVar(&c.UsageRefresh, "usage-refresh", time.Second, "PostgreSQL: how often each instance reads the daily-limit usage (per merchant, card and terminal) again from the journal; shorter is more exact across instances and costs a query per merchant each time")
	fs.DurationVar(&c.ReversalLease, "reversal-lease", 30*time.Second, "PostgreSQL: how long a claimed reversal stays with the instance that claimed it before another may send it")
	fs.StringVar(&c.CPUProfile, "cpuprofile", "", "write a CPU profile of the whole run to this file, complete when serve stops (measuring the host under load: bench/realhost.sh)")
	c.connLimits.addFlags(fs)
}

// parseMinFirmware reads MODEL=VERSION pairs.
func parseMinFirmware(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range strings.Split(s, ",") {
		if kv = strings.TrimSpace(kv); kv == "" {
			continue
		}
		m, v, ok := strings.Cut(kv, "=")
		if !ok || m == "" || v == "" {
			return nil, fmt.Errorf("--min-firmware %q: want MODEL=VERSION", kv)
		}
		out[m] = v
	}
	return out, nil
}

// networkAddrs parses --network.
func networkAddrs(s string) ([]string, error) {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "iso8583" || u.Host == "" {
		return nil, fmt.Errorf("--network %q: want iso8583://HOST:PORT", s)
	}
	return strings.Split(u.Host, ","), nil
}

func parseCutoff(s string) (time.Duration, error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, fmt.Errorf("--cutoff %q: want HH:MM", s)
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

// Addrs returns the bound terminal and HTTP addresses (after Ready).
func (c *ServeCommand) Addrs() (term, http string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.boundTerm, c.boundHTTP
}

// Run assembles the host (package host, the same assembly bench measures)
// and serves until ctx ends, then shuts down: the terminal server drains
// in-flight requests first.
func (c *ServeCommand) Run(ctx context.Context) error {
	if c.Ready == nil {
		c.Ready = make(chan struct{})
	}
	c.log = c.logger(c.Stderr, c.LogLevel)
	if c.CPUProfile != "" {
		stop, err := startCPUProfile(c.CPUProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	addrs, err := networkAddrs(c.Network)
	if err != nil {
		return err
	}
	cutoff, err := parseCutoff(c.Cutoff)
	if err != nil {
		return err
	}
	minFW, err := parseMinFirmware(c.MinFirmware)
	if err != nil {
		return err
	}
	// SQLite serves one instance: a second serve on the file is refused.
	if c.lock, err = lockSQLite(c.DB, "posguard serve"); err != nil {
		return err
	}
	st, hk, err := openStore(ctx, c.DB, c.HostKeyFile, true, c.log)
	if err != nil {
		return err
	}
	c.store = st
	// The terminal path's writes are watched (the switch and the API go
	// through tracked): /healthz reports a store that does not take them.
	tracked := trackWrites(st)
	h, err := host.New(ctx, host.Config{
		Store: st, Front: tracked, HostKey: hk, Network: addrs, UpstreamConns: c.UpstreamConns, EchoInterval: c.EchoInterval, UpstreamTimeout: c.UpstreamTimeout,
		Cutoff: cutoff, ReversalMaxAttempts: c.MaxAttempts, IncidentWindow: c.IncidentWindow, PayoutEvery: c.PayoutEvery,
		ContactlessNoPINLimit: posguard.Amount(c.NoPINLimit), ContactlessNoPINCount: c.NoPINCount,
		DisputeURL: c.DisputeURL, DisputeEvery: c.DisputeEvery,
		MinFirmware: minFW, SecureCookies: c.TLSCert != "", Logger: c.log,
		QRQueryEvery: c.QRQueryEvery, QRPayDeadline: c.QRPayDeadline, QRWait: c.QRWait, WalletTimeout: c.WalletTimeout, PublicURL: c.PublicURL,
		// PostgreSQL may be shared by several instances; SQLite is locked
		// to this one.
		Shared: c.lock == nil, Instance: c.Instance, LeaseTTL: c.LeaseTTL, ReversalLease: c.ReversalLease, UsageRefresh: c.UsageRefresh,
		Schedule: c.Schedule != "off", D0Every: d0Every(c.D0Every), RiskHolds: st.Onboarding().ReviewsHeld,
	})
	if err != nil {
		return err
	}
	c.host, c.Switch, c.Bank = h, h.Switch, h.Bank
	if c.SwitchNow != nil {
		h.Switch.Now = c.SwitchNow
	}
	if c.QRNow != nil {
		h.QR.Now = c.QRNow
	}

	tl, err := net.Listen("tcp", c.TerminalAddr)
	if err != nil {
		return fmt.Errorf("--terminal-addr: %w", err)
	}
	hl, err := net.Listen("tcp", c.HTTPAddr)
	if err != nil {
		tl.Close()
		return fmt.Errorf("--http-addr: %w", err)
	}
	var ml net.Listener
	if c.MetricsAddr != "" {
		if ml, err = net.Listen("tcp", c.MetricsAddr); err != nil {
			tl.Close()
			hl.Close()
			return fmt.Errorf("--metrics-addr: %w", err)
		}
	}
	c.mu.Lock()
	c.boundTerm, c.boundHTTP = tl.Addr().String(), hl.Addr().String()
	c.mu.Unlock()
	if len(c.QRNotifySchedule) > 0 {
		h.QR.NotifySchedule = c.QRNotifySchedule
	}
	if h.QR.PublicURL == "" {
		h.QR.PublicURL = c.scheme() + "://" + hl.Addr().String()
	}
	c.terminalServer(h.Terminals)
	c.Auth = h.Auth
	h.TLSCert, h.TLSKey = c.TLSCert, c.TLSKey
	// Onboarding and risk rules (the rules judge card sales in the switch).
	if c.bo, err = c.backoffice(ctx, st, h.Switch, h.Cases); err != nil {
		tl.Close()
		hl.Close()
		return err
	}
	h.API.Backoffice = c.bo
	for _, col := range risk.Collectors() {
		if err := h.Metrics.Registry().Register(col); err != nil {
			c.log.Warn("risk metrics", "err", err)
		}
	}
	if c.MetricsAddr != "" {
		// /metrics is served on --metrics-addr only; the API's answers 404.
		h.API.Metrics = nil
	}
	h.HTTP, hl = c.httpServer(c.withConsole(st, h.API, h.Auth), hl, c.log)
	c.checkFiles(c.log)
	var msrv *nethttp.Server
	if ml != nil {
		mux := nethttp.NewServeMux()
		mux.Handle("GET /metrics", h.Metrics.Handler())
		msrv = &nethttp.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = msrv.Serve(ml) }()
		defer msrv.Close()
	}
	c.startRecon(h)
	return h.Run(ctx, tl, hl, func() {
		c.log.Info("posguard serving", "instance", h.Instance, "shared", h.Shared, "terminals", tl.Addr().String(), "http", c.scheme()+"://"+hl.Addr().String(), "network", c.Network, "db", redactDSN(c.DB))
		close(c.Ready)
	})
}

// d0Every maps --d0-every to host.Config.D0Every (0: no D0 job).
func d0Every(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}

// scheme is https under --tls-cert, http otherwise.
func (c *ServeCommand) scheme() string {
	if c.TLSCert != "" {
		return "https"
	}
	return "http"
}

// Close closes the network link and the store.
func (c *ServeCommand) Close() error {
	if c.host != nil {
		c.host.Close()
	}
	var err error
	if c.store != nil {
		err = c.store.Close()
	}
	if c.lock != nil {
		c.lock.Release()
		c.lock = nil
	}
	return err
}
