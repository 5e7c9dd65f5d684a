package main

import (
	"context"
	"errors"
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
	"github.com/posguard/posguard/analytics"
	"github.com/posguard/posguard/casework"
	api "github.com/posguard/posguard/http"
	"github.com/posguard/posguard/ledger"
	"github.com/posguard/posguard/metrics"
	"github.com/posguard/posguard/network"
	"github.com/posguard/posguard/payout"
	"github.com/posguard/posguard/recon"
	"github.com/posguard/posguard/reversal"
	"github.com/posguard/posguard/settlement"
	"github.com/posguard/posguard/simbank"
	switching "github.com/posguard/posguard/switch"
	"github.com/posguard/posguard/terminal"
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
	Cutoff          string
	MaxAttempts     int
	MinFirmware     string
	IncidentWindow  time.Duration
	PayoutEvery     time.Duration
	ClearingDir     string
	clearing        *clearingWatcher // set when --clearing-dir is given
	LogLevel        string
	TLSCert         string
	TLSKey          string
	MetricsAddr     string
	// Risk is "on" (the risk rules judge every card sale) or "off".
	Risk string
	// RiskNow, if set before Run, is the clock the risk rules judge
	// payments by (tests: night hours).
	RiskNow func() time.Time
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
	bo                   *api.Backoffice
	client               *network.Client
	boundTerm, boundHTTP string
	mu                   sync.Mutex
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
	return nil
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
	fs.StringVar(&c.Cutoff, "cutoff", "23:00", "local time at which the settlement day rolls over")
	fs.IntVar(&c.MaxAttempts, "reversal-max-attempts", 5, "attempts after which a reversal is flagged reversal_failed (retries continue)")
	fs.DurationVar(&c.IncidentWindow, "incident-window", time.Minute, "recent window an issuer's, terminal's or firmware's failure rate is judged over (checked six times per window)")
	fs.StringVar(&c.ClearingDir, "clearing-dir", "", "directory watched for the network's clearing files (IND{yymmdd}01ACOM) and the bank's payout result files (DF{yyyymmdd}_*.csv), reconciled on arrival")
	fs.DurationVar(&c.PayoutEvery, "payout-every", 30*time.Second, "how often queued payouts are submitted to the (simulated) bank and returns collected")
	fs.StringVar(&c.Risk, "risk", "on", "risk rules on card sales: on or off")
	fs.StringVar(&c.MinFirmware, "min-firmware", "", "lowest firmware per terminal model not flagged in health reports, e.g. NEW8210=2.3.0,S90=1.0.8")
	fs.StringVar(&c.LogLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&c.TLSCert, "tls-cert", "", "certificate file (PEM): serve the API and console over HTTPS (with --tls-key)")
	fs.StringVar(&c.TLSKey, "tls-key", "", "private key file (PEM) of --tls-cert")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", "", "serve /metrics without credentials on this separate address (otherwise /metrics needs an admin or operator token)")
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

// Run starts everything and serves until ctx ends, then shuts down: the
// terminal server drains in-flight requests first.
func (c *ServeCommand) Run(ctx context.Context) error {
	if c.Ready == nil {
		c.Ready = make(chan struct{})
	}
	c.log = newLogger(c.Stderr, c.LogLevel)
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
	st, hk, err := openStore(ctx, c.DB, c.HostKeyFile, c.log)
	if err != nil {
		return err
	}
	c.store = st
	// The terminal path's writes are watched (the switch writes through
	// tracked): /healthz, served over tracked too, reports a store that does
	// not take them.
	tracked := trackWrites(st)
	acq, zpk, err := acquirerSettings(ctx, st)
	if err != nil {
		return err
	}
	m := metrics.New()
	c.client = &network.Client{Addrs: addrs, Conns: c.UpstreamConns, Logger: c.log}
	sw, err := switching.New(ctx, tracked, c.client, hk, switching.Config{
		AcquirerID: acq, ZonePINKey: zpk, UpstreamTimeout: c.UpstreamTimeout, Cutoff: cutoff,
	}, c.log)
	if err != nil {
		return err
	}
	detector := &analytics.Detector{Store: st, Recent: c.IncidentWindow, Bucket: c.IncidentWindow / 6, Logger: c.log}
	agg := &analytics.Aggregator{Store: st, Detector: detector, Logger: c.log}
	cases := &casework.Service{Store: st, Logger: c.log}
	sw.Observer = switching.Observers{m, agg}
	sw.LateApproval = cases.OnLateApproval
	c.Switch = sw
	c.client.OnLate = sw.HandleLate
	worker := &reversal.Worker{
		Store: st, Upstream: c.client, AcquirerID: acq, InFlight: sw.InFlight,
		MaxAttempts: c.MaxAttempts, Logger: c.log,
		Attempted: func(_ *posguard.Reversal, err error) { m.ReversalAttempt(err) },
		Failed:    cases.OnReversalFailed,
	}
	sw.ReversalQueued = worker.Wake

	// Money after authorization: the ledger follows the journal on its own
	// goroutine (it never blocks an authorization), refunds are checked
	// against what the merchant still has unsettled, and payouts go to the
	// bank link — the simulated bank, which follows each settlement
	// account's status in the world file.
	money := st.Money()
	fees := &settlement.FeeBook{Store: money, Merchants: st}
	poster := &ledger.Poster{Store: money, Pricer: fees, Logger: c.log}
	sw.RefundGuard = &settlement.RefundGuard{Store: money}
	merchants, err := st.Merchants(ctx)
	if err != nil {
		return err
	}
	c.Bank = simbank.New(merchants)
	payouts := &payout.Runner{Store: money, Merchants: st, Bank: c.Bank, Cases: payoutCases{cases}, Calendar: sw.Calendar(), Audit: st.Access()}
	rc := &recon.Reconciler{Store: st.(reconStorer).Recon(), Money: money, Cases: st, Journal: st, Payouts: payouts,
		Acquirer: acq, Calendar: sw.Calendar(), Logger: c.log, Metrics: recon.NewMetrics(m.Registry())}
	if err := c.client.Start(ctx); err != nil {
		return fmt.Errorf("network link: %w", err)
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

	gw := &terminal.Gateway{Handler: sw, Logger: c.log, FrameError: m.FrameError}
	tsrv := c.terminalServer(&terminal.Server{Handler: gw, Logger: c.log, ConnState: func(_ *terminal.ConnInfo, open bool) { m.ConnState(open) }})
	c.Auth = &access.Auth{Store: st.Access(), Logger: c.log, SecureCookies: c.TLSCert != ""}
	// With --metrics-addr, /metrics is served there only (the API's
	// /metrics answers 404); otherwise to admin and operator tokens.
	apiMetrics := m.Handler()
	if c.MetricsAddr != "" {
		apiMetrics = nil
	}
	apiSrv := &api.Server{Store: tracked, Access: st.Access(), Auth: c.Auth, Metrics: apiMetrics, Logger: c.log,
		Cases: cases, Reports: &analytics.Reports{Store: st, MinFirmware: minFW}, Payouts: payouts, Recon: rc, Health: func(context.Context) map[string]string {
			s := c.client.State()
			return map[string]string{"network": fmt.Sprintf("%d connected", s.Connected)}
		}}
	if c.bo, err = c.backoffice(ctx, st, sw, cases); err != nil {
		tl.Close()
		hl.Close()
		return err
	}
	apiSrv.Backoffice = c.bo
	hsrv, hl := c.httpServer(c.withConsole(st, apiSrv, c.Auth), hl, c.log)
	c.checkFiles(c.log)

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errc := make(chan error, 8)
	wg.Add(8)
	go func() { defer wg.Done(); errc <- ignoreClosed(tsrv.Serve(tl)) }()
	go func() {
		defer wg.Done()
		if c.TLSCert != "" {
			errc <- ignoreClosed(hsrv.ServeTLS(hl, c.TLSCert, c.TLSKey))
			return
		}
		errc <- ignoreClosed(hsrv.Serve(hl))
	}()
	var msrv *nethttp.Server
	if ml != nil {
		mux := nethttp.NewServeMux()
		mux.Handle("GET /metrics", m.Handler())
		msrv = &nethttp.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = msrv.Serve(ml) }()
	}
	go func() { defer wg.Done(); _ = worker.Run(runCtx); errc <- nil }()
	go func() { defer wg.Done(); _ = agg.Run(runCtx); errc <- nil }()
	go func() { defer wg.Done(); _ = detector.Run(runCtx, c.IncidentWindow/6); errc <- nil }()
	go func() { defer wg.Done(); c.caseLoop(runCtx, cases, apiSrv.Reports); errc <- nil }()
	go func() { defer wg.Done(); _ = poster.Run(runCtx, 2*time.Second); errc <- nil }()
	go func() { defer wg.Done(); c.payoutLoop(runCtx, payouts); errc <- nil }()
	go c.watch(runCtx, st, m)
	c.startRecon(runCtx, rc, acq, &wg)
	c.log.Info("posguard serving", "terminals", tl.Addr().String(), "http", c.scheme()+"://"+hl.Addr().String(), "network", c.Network, "db", redactDSN(c.DB))
	close(c.Ready)

	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	c.log.Info("shutting down: draining in-flight terminal requests")
	sctx, scancel := context.WithTimeout(context.Background(), c.UpstreamTimeout+5*time.Second)
	defer scancel()
	_ = tsrv.Shutdown(sctx)
	_ = hsrv.Shutdown(sctx)
	if msrv != nil {
		_ = msrv.Shutdown(sctx)
	}
	cancel()
	wg.Wait()
	return err
}

// scheme is https under --tls-cert, http otherwise.
func (c *ServeCommand) scheme() string {
	if c.TLSCert != "" {
		return "https"
	}
	return "http"
}

// caseLoop opens cases for charged-but-failed transactions every minute,
// and every hour escalates overdue cases and logs the terminals that need
// attention (also at GET /v1/terminals/attention).
func (c *ServeCommand) caseLoop(ctx context.Context, cases *casework.Service, reports *analytics.Reports) {
	scan := time.NewTicker(time.Minute)
	defer scan.Stop()
	lastEscalate := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-scan.C:
		}
		if n, err := cases.Scan(ctx); err != nil {
			c.log.Error("charged-but-failed scan", "err", err)
		} else if n > 0 {
			c.log.Warn("cases opened for transactions told failed whose reversal is not acknowledged", "count", n)
		}
		if time.Since(lastEscalate) >= time.Hour {
			lastEscalate = time.Now()
			if _, err := cases.Escalate(ctx); err != nil {
				c.log.Error("case escalation", "err", err)
			}
			if list, err := reports.Attention(ctx); err == nil && len(list) > 0 {
				ids := make([]string, 0, len(list))
				for _, h := range list {
					ids = append(ids, h.TerminalID)
				}
				c.log.Warn("terminals need attention", "count", len(list), "terminals", strings.Join(ids, ","))
			}
		}
	}
}

// payoutLoop submits queued payouts and collects returns (退汇).
func (c *ServeCommand) payoutLoop(ctx context.Context, r *payout.Runner) {
	t := time.NewTicker(c.PayoutEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		sum, err := r.Run(ctx)
		if err != nil && ctx.Err() == nil {
			c.log.Error("payouts", "err", err)
			continue
		}
		if sum.Failed+sum.Returned > 0 {
			c.log.Warn("payouts failed or returned: money held, cases opened", "failed", sum.Failed, "returned", sum.Returned)
		}
	}
}

// payoutCases opens a casework case for each failed or returned payout.
type payoutCases struct{ svc *casework.Service }

// OpenCase implements payout.CaseOpener.
func (p payoutCases) OpenCase(ctx context.Context, r payout.CaseRequest) (string, error) {
	c, err := p.svc.OnPayoutProblem(ctx, casework.PayoutProblem{
		Returned: r.Kind == "payout_returned", MerchantID: r.MerchantID, PayoutID: r.PayoutID,
		Amount: r.Amount, Reason: r.Reason, Fix: r.Fix,
	})
	if err != nil {
		return "", err
	}
	return fmt.Sprint(c.ID), nil
}

// watch publishes the reversal queue and upstream link state as metrics.
func (c *ServeCommand) watch(ctx context.Context, st hostStore, m *metrics.Metrics) {
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		s := c.client.State()
		m.UpstreamState(s.Connected, s.Outstanding)
		if rs, err := st.Reversals(ctx, posguard.ReversalPending, 10000); err == nil {
			var oldest time.Duration
			for _, r := range rs {
				if age := time.Since(r.CreatedAt); age > oldest {
					oldest = age
				}
			}
			m.ReversalQueue(len(rs), oldest)
		}
	}
}

func ignoreClosed(err error) error {
	if errors.Is(err, terminal.ErrServerClosed) || errors.Is(err, nethttp.ErrServerClosed) || errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// acquirerSettings reads the acquirer id and zone PIN key that
// `posguard seed` stored.
func acquirerSettings(ctx context.Context, st hostStore) (string, []byte, error) {
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

// Close closes the network link and the store.
func (c *ServeCommand) Close() error {
	if c.client != nil {
		c.client.Close()
	}
	if c.store != nil {
		return c.store.Close()
	}
	return nil
}
