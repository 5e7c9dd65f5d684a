package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/posguard/posguard"
	"github.com/posguard/posguard/bench"
	"github.com/posguard/posguard/diagnosis"
	"github.com/posguard/posguard/recon"
	"github.com/posguard/posguard/seed"
	"github.com/posguard/posguard/simnet"
)

func init() {
	register("chaos", "kill the host repeatedly under network faults, then prove the money adds up card by card", func(stdout, stderr io.Writer) Command {
		return &ChaosCommand{Stdout: stdout, Stderr: stderr}
	})
}

// ChaosFaults is the default fault mix of a chaos run.
const ChaosFaults = "latency=1ms-5ms,timeout=0.01,drop_after_approve=0.01,timeout_no_debit=0.005,disconnect=0.002,garbage=0.002,outage=621700:5s"

// ChaosCommand runs real processes — posguard simnet, serve and sim — kills
// the host with SIGKILL several times while traffic and faults go on, then
// heals the network, waits for the reversal queue to drain and compares
// every card's money at the issuers with the journal.
type ChaosCommand struct {
	Stdout, Stderr io.Writer
	Dir            string
	Bin            string
	Duration       time.Duration
	Kills          int
	Rate           float64
	Terminals      int
	Faults         string
	World          string
	Seed           uint64
	UpstreamTO     time.Duration
	DrainLimit     time.Duration
	JSON           bool
	// Instances is how many host instances share the database (more than
	// one needs DB, a PostgreSQL database).
	Instances int
	// DB is the database of the run: empty for a SQLite file in Dir, or a
	// postgres:// URL of a scratch database (it is seeded and filled).
	DB string
	// LeaseTTL is the instances' --lease-ttl.
	LeaseTTL time.Duration

	// QR runs the QR mode (chaos_qr.go): wallet-channel faults and QR
	// orders instead of card traffic; QRReport is its outcome.
	QR       bool
	QRReport ChaosQRReport
	// NotifyFaults is the fault mix of the merchants' notify_url server in
	// QR mode (chaos_notify.go).
	NotifyFaults string
	// Report is the outcome of Run.
	Report ChaosReport
}

// ChaosReport is what a chaos run found.
type ChaosReport struct {
	Instances         int               `json:"instances"`
	Transactions      int               `json:"transactions"`
	Approved          int               `json:"approved"`
	Kills             int               `json:"kills"`
	FaultsInjected    map[string]uint64 `json:"faults_injected"`
	ReversalsDone     int               `json:"transactions_reversed"`
	ReversalsPending  int               `json:"reversals_pending"`
	LeftForwarded     int               `json:"left_forwarded"`
	ReversalFailedSet int               `json:"flagged_reversal_failed"`
	Unexplained       int               `json:"unexplained"`
	Cards             int               `json:"cards"`
	Mismatches        []recon.Mismatch  `json:"mismatches"`
	// ReconDates, ReconLines and ReconExceptions: each settlement date of
	// the run reconciled against simnet's clearing file (0 exceptions when
	// the reversal machinery left nothing behind).
	ReconDates      int            `json:"recon_dates"`
	ReconLines      int            `json:"recon_lines"`
	ReconExceptions map[string]int `json:"recon_exceptions"`
	// ReversalsResent is simnet's count of reversals sent twice upstream
	// for one transaction (a second one after the first was answered, or
	// while it was being processed).
	ReversalsResent uint64 `json:"reversals_resent"`
	// ReversalsResentAfterDrop is simnet's count of reversals sent again
	// after the connection their answer went to had closed: a host killed
	// after the network answered and before it recorded the answer sends
	// the reversal again, as it must. Reported, not a failure.
	ReversalsResentAfterDrop uint64 `json:"reversals_resent_after_drop"`
	// Abandoned is what the run left unresolved once drained: reversals
	// still pending and transactions still forwarded.
	Abandoned    int     `json:"abandoned"`
	DrainSeconds float64 `json:"drain_seconds"`
	RunSeconds   float64 `json:"run_seconds"`
}

// ParseFlags reads chaos's flags.
func (c *ChaosCommand) ParseFlags(args []string) error {
	fs := newFlagSet("chaos", "chaos [--duration D] [--kills N] [--rate R] [--faults SPEC]", c.Stderr)
	fs.StringVar(&c.Dir, "dir", "", "working folder for the database and the processes' logs (default: a temp folder)")
	fs.StringVar(&c.Bin, "bin", "", "posguard binary to run (default: this one)")
	fs.DurationVar(&c.Duration, "duration", 30*time.Second, "how long traffic runs")
	fs.IntVar(&c.Kills, "kills", 3, "how many times the host is killed with SIGKILL and restarted")
	fs.Float64Var(&c.Rate, "rate", 100, "transactions per second over the fleet")
	fs.IntVar(&c.Terminals, "terminals", 8, "simulated terminals")
	fs.StringVar(&c.Faults, "faults", ChaosFaults, "simnet fault mix during the run")
	fs.StringVar(&c.World, "world", "demo", "demo (the shipped demo world: every status, low balances, limits), bench (one merchant without limits, healthy cards: almost every answer is an approval), or a world file")
	fs.Uint64Var(&c.Seed, "seed", 1, "random seed for faults and traffic")
	fs.DurationVar(&c.UpstreamTO, "upstream-timeout", time.Second, "host's wait for the network")
	fs.DurationVar(&c.DrainLimit, "drain-limit", 120*time.Second, "how long the reversal queue may take to drain once the network is healthy")
	fs.BoolVar(&c.JSON, "json", false, "print the report as JSON")
	fs.BoolVar(&c.QR, "qr", false, "QR mode: simwallet with channel faults (--faults defaults to "+ChaosQRFaults+"), QR orders of every payer behaviour at --rate per second, host kills; then the money the channel holds is checked order by order")
	fs.StringVar(&c.NotifyFaults, "notify-faults", ChaosNotifyFaults, "QR mode: faults of the merchants' notify_url server, probabilities per delivery: fail (HTTP 500 after reading), close (connection closed without an answer), timeout (held for hold, past posguard's 10 s)")
	fs.IntVar(&c.Instances, "instances", 1, "host instances sharing the database; more than 1 needs --postgres (terminals are spread over them and move when theirs dies)")
	// Not --db: POSGUARD_DB, which serve reads, must never send a chaos run
	// into a real database.
	fs.StringVar(&c.DB, "postgres", "", "postgres:// URL of a scratch database for the run (seeded and filled; refused when it already holds transactions); empty: a SQLite file in --dir")
	fs.DurationVar(&c.LeaseTTL, "lease-ttl", 3*time.Second, "the instances' --lease-ttl (singleton jobs' failover)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if _, err := parseNotifyFaults(c.NotifyFaults); err != nil {
		return fmt.Errorf("--notify-faults: %w", err)
	}
	if c.Instances < 1 {
		return fmt.Errorf("--instances %d: want 1 or more", c.Instances)
	}
	if c.DB != "" && !strings.HasPrefix(c.DB, "postgres://") && !strings.HasPrefix(c.DB, "postgresql://") {
		return fmt.Errorf("--postgres %q: want a postgres:// URL (the SQLite database is made in --dir)", redactDSN(c.DB))
	}
	if c.Instances > 1 && c.DB == "" {
		return fmt.Errorf("--instances %d: several instances share a PostgreSQL database: give --postgres postgres://…", c.Instances)
	}
	return nil
}

// proc is one child process.
type proc struct {
	cmd *exec.Cmd
	log *os.File
}

func (c *ChaosCommand) spawn(name string, args ...string) (*proc, error) {
	lf, err := os.OpenFile(filepath.Join(c.Dir, name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(c.Bin, args...)
	cmd.Stdout, cmd.Stderr = lf, lf
	cmd.Dir = c.Dir
	if err := cmd.Start(); err != nil {
		lf.Close()
		return nil, err
	}
	return &proc{cmd: cmd, log: lf}, nil
}

// instances are the serve instances of a chaos run: instance i runs with
// args(i) and answers HTTP on httpAddrs[i].
type instances struct {
	c         *ChaosCommand
	args      func(i int) []string
	httpAddrs []string
	procs     []*proc
}

// hostSet returns the run's instances, none started yet.
func (c *ChaosCommand) hostSet(args func(i int) []string, httpAddrs []string) *instances {
	return &instances{c: c, args: args, httpAddrs: httpAddrs, procs: make([]*proc, c.Instances)}
}

// name is instance i's name in the logs: serve, or serve-i when there are
// several.
func (h *instances) name(i int) string {
	if h.c.Instances == 1 {
		return "serve"
	}
	return fmt.Sprint("serve-", i)
}

// start starts instance i and waits until it answers /healthz.
func (h *instances) start(ctx context.Context, i int) error {
	var err error
	if h.procs[i], err = h.c.spawn(h.name(i), h.args(i)...); err != nil {
		return err
	}
	return waitHTTP(ctx, "http://"+h.httpAddrs[i]+"/healthz", 30*time.Second)
}

// stopAll stops every instance still running.
func (h *instances) stopAll() {
	for _, p := range h.procs {
		p.stop(10 * time.Second)
	}
}

// stop asks the process to end (SIGINT) and waits up to d before killing it.
func (p *proc) stop(d time.Duration) {
	if p == nil || p.cmd.Process == nil {
		return
	}
	_ = p.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
		_ = p.cmd.Process.Kill()
		<-done
	}
	p.log.Close()
}

// kill ends the process at once, as a crash would.
func (p *proc) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	_ = p.cmd.Wait()
	p.log.Close()
}

// freeAddr returns a loopback address free now, for a process the chaos
// run starts (and restarts on the same address after a kill). The port is
// taken below the kernel's ephemeral range (ip_local_port_range): a port
// from that range, left free while its instance is down, can be given to
// any outgoing connection or ":0" listener on the machine (the run's own
// clients, other tests), and the restart would then fail to bind. Without
// room below that range it falls back to an ephemeral port.
func freeAddr() (string, error) {
	low := ephemeralLow()
	const first = 10000
	if low-first >= 1000 {
		for range 200 {
			port := first + rand.IntN(low-first)
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
			if err != nil {
				continue
			}
			addr := l.Addr().String()
			l.Close()
			return addr, nil
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// ephemeralLow is the first port of the kernel's ephemeral range (Linux's
// ip_local_port_range; 32768, its default, when it cannot be read).
func ephemeralLow() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 32768
	}
	var low int
	if _, err := fmt.Sscan(string(b), &low); err != nil || low <= 0 || low > 65535 {
		return 32768
	}
	return low
}

// waitHTTP waits until url answers 200.
func waitHTTP(ctx context.Context, url string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after %s", url, limit)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Run performs the chaos run and fails if any card's money differs or a
// reversal is left pending.
func (c *ChaosCommand) Run(ctx context.Context) error {
	start := time.Now()
	if c.Bin == "" {
		exe, err := os.Executable()
		if err != nil {
			return err
		}
		c.Bin = exe
	}
	if c.Dir == "" {
		d, err := os.MkdirTemp("", "posguard-chaos-")
		if err != nil {
			return err
		}
		c.Dir = d
	}
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return err
	}
	if c.QR {
		return c.runQR(ctx)
	}
	w, err := c.world()
	if err != nil {
		return err
	}
	worldYAML, err := seed.Marshal(w)
	if err != nil {
		return err
	}
	worldPath, db, keyFile, err := c.seedWorld(ctx, worldYAML)
	if err != nil {
		return err
	}
	c.Report.Instances = c.Instances
	addrs := make([]string, 2+2*c.Instances)
	for i := range addrs {
		if addrs[i], err = freeAddr(); err != nil {
			return err
		}
	}
	netAddr, adminAddr := addrs[0], addrs[1]
	termAddrs, httpAddrs := make([]string, c.Instances), make([]string, c.Instances)
	for i := range termAddrs {
		termAddrs[i], httpAddrs[i] = addrs[2+2*i], addrs[3+2*i]
	}
	sn, err := c.spawn("simnet", "simnet", "--addr", netAddr, "--admin-addr", adminAddr, "--cards", worldPath,
		"--faults", c.Faults, "--seed", fmt.Sprint(c.Seed), "--log-level", "warn")
	if err != nil {
		return err
	}
	defer sn.stop(5 * time.Second)
	if err := waitHTTP(ctx, "http://"+adminAddr+"/faults", 20*time.Second); err != nil {
		return err
	}
	// Instance i: its own terminal and HTTP addresses, the shared database
	// and host key.
	serveArgs := func(i int) []string {
		args := []string{"serve", "--db", db, "--host-key-file", keyFile, "--terminal-addr", termAddrs[i], "--http-addr", httpAddrs[i],
			"--network", "iso8583://" + netAddr, "--upstream-timeout", c.UpstreamTO.String(), "--log-level", "warn"}
		if c.Instances > 1 {
			args = append(args, "--instance", fmt.Sprint("i", i), "--lease-ttl", c.LeaseTTL.String(), "--reversal-lease", "15s")
		}
		return args
	}
	hosts := c.hostSet(serveArgs, httpAddrs)
	defer hosts.stopAll()
	for i := range hosts.procs {
		if err := hosts.start(ctx, i); err != nil {
			return err
		}
	}
	sim, err := c.spawn("sim", "sim", "--host", strings.Join(termAddrs, ","), "--world", worldPath, "--terminals", fmt.Sprint(c.Terminals),
		"--rate", fmt.Sprint(c.Rate), "--duration", c.Duration.String(), "--timeout", "5s", "--seed", fmt.Sprint(c.Seed), "--log-level", "error")
	if err != nil {
		return err
	}
	simDone := make(chan error, 1)
	go func() { simDone <- sim.cmd.Wait(); sim.log.Close() }()

	// Kill a host at intervals while traffic runs: the only one at even
	// intervals, or, with several instances, one picked at random at
	// jittered intervals, restarted after a pause in which its terminals
	// move to the others.
	rng := rand.New(rand.NewPCG(c.Seed, 0x6b696c6c))
	every := c.Duration / time.Duration(c.Kills+1)
	for i := 0; i < c.Kills; i++ {
		wait, pause := killTiming(rng, every, c.Instances)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		k := 0
		if c.Instances > 1 {
			k = rng.IntN(c.Instances)
		}
		hosts.procs[k].kill()
		c.Report.Kills++
		fmt.Fprintf(c.Stderr, "chaos: host %s killed (%d/%d), restarting\n", hosts.name(k), i+1, c.Kills)
		if i == 0 {
			// A second issuer outage, mid-run.
			postFaults(adminAddr, c.Faults+",outage=622202:3s")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
		if err := hosts.start(ctx, k); err != nil {
			return err
		}
	}
	select {
	case <-simDone:
	case <-time.After(c.Duration + 2*time.Minute):
		_ = sim.cmd.Process.Kill()
		<-simDone
	}

	// Heal the network and let the hosts drain the reversal queue.
	if err := postFaults(adminAddr, "latency=0ms"); err != nil {
		return err
	}
	healed := time.Now()
	st, _, err := openStore(ctx, db, keyFile, false, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer st.Close()
	for {
		fwd, rev, err := recon.Outstanding(ctx, st)
		if err != nil {
			return err
		}
		c.Report.LeftForwarded, c.Report.ReversalsPending = fwd, rev
		if fwd+rev == 0 || time.Since(healed) > c.DrainLimit {
			break
		}
		time.Sleep(100 * time.Millisecond) // polling another process's queue
	}
	c.Report.Abandoned = c.Report.LeftForwarded + c.Report.ReversalsPending
	c.Report.DrainSeconds = time.Since(healed).Seconds()

	if err := c.audit(ctx, st, w, adminAddr); err != nil {
		return err
	}
	c.Report.RunSeconds = time.Since(start).Seconds()
	c.print()
	switch {
	case len(c.Report.Mismatches) > 0:
		return fmt.Errorf("%d cards whose money differs between the issuers and the journal", len(c.Report.Mismatches))
	case c.Report.Unexplained > 0:
		return fmt.Errorf("%d transactions without a known cause", c.Report.Unexplained)
	case len(c.Report.ReconExceptions) > 0:
		return fmt.Errorf("reconciliation against the network's clearing files found exceptions: %v", c.Report.ReconExceptions)
	case c.Report.ReversalsResent > 0:
		return fmt.Errorf("%d reversals sent twice upstream for one transaction", c.Report.ReversalsResent)
	case c.Report.ReversalsPending > 0 || c.Report.LeftForwarded > 0:
		return fmt.Errorf("queue not drained after %s: %d reversals pending, %d transactions forwarded", c.DrainLimit, c.Report.ReversalsPending, c.Report.LeftForwarded)
	}
	return nil
}

// world returns the world of the run.
func (c *ChaosCommand) world() (*seed.World, error) {
	switch c.World {
	case "", "demo":
		return seed.Demo()
	case "bench":
		return bench.World(c.Terminals, 200), nil
	}
	return seed.ParseFile(c.World)
}

// audit fills the report: journal counts, simnet's faults, and the money.
func (c *ChaosCommand) audit(ctx context.Context, st hostStore, w *seed.World, adminAddr string) error {
	var after int64
	for {
		page, err := st.List(ctx, posguard.TxnFilter{After: after, Limit: 1000})
		if err != nil {
			return err
		}
		for _, t := range page {
			if !explained(t) {
				c.Report.Unexplained++
			}
			if t.Type.MovesMoney() || t.Type == posguard.TxnInquiry {
				c.Report.Transactions++
				switch t.State {
				case posguard.StateApproved, posguard.StateVoided, posguard.StatePartRefunded, posguard.StateRefunded:
					c.Report.Approved++
				case posguard.StateReversed:
					c.Report.ReversalsDone++
				}
			}
		}
		if len(page) < 1000 {
			break
		}
		after = page[len(page)-1].ID
	}
	var stats simnet.Stats
	if err := getJSON("http://"+adminAddr+"/stats", &stats); err != nil {
		return err
	}
	c.Report.FaultsInjected = stats.Faults
	c.Report.ReversalsResent = stats.ReversalsResent
	c.Report.ReversalsResentAfterDrop = stats.ReversalsResentAfterDrop
	var accounts []simnet.AccountView
	if err := getJSON("http://"+adminAddr+"/accounts", &accounts); err != nil {
		return err
	}
	initial := map[string]posguard.Amount{}
	for _, card := range w.Cards {
		initial[card.PAN.String()] = card.Balance
	}
	issuer, issuerHeld := map[string]posguard.Amount{}, map[string]posguard.Amount{}
	for _, a := range accounts {
		issuer[a.PAN] = initial[a.PAN] - a.Balance
		issuerHeld[a.PAN] = a.Held
	}
	journal, err := recon.JournalNet(ctx, st)
	if err != nil {
		return err
	}
	journalHeld, err := recon.JournalHeld(ctx, st)
	if err != nil {
		return err
	}
	c.Report.Cards = len(issuer)
	c.Report.Mismatches = append(recon.Compare(issuer, journal), recon.CompareHeld(issuerHeld, journalHeld)...)
	return c.reconcile(ctx, st, adminAddr)
}

// reconcile runs reconciliation of every settlement date of the journal
// against simnet's clearing file of that date, oldest first.
func (c *ChaosCommand) reconcile(ctx context.Context, st hostStore, adminAddr string) error {
	dates := map[string]bool{}
	var after int64
	for {
		page, err := st.List(ctx, posguard.TxnFilter{After: after, Limit: 1000})
		if err != nil {
			return err
		}
		for _, t := range page {
			if t.SettlementDate != "" {
				dates[t.SettlementDate] = true
			}
		}
		if len(page) < 1000 {
			break
		}
		after = page[len(page)-1].ID
	}
	order := make([]string, 0, len(dates))
	for d := range dates {
		order = append(order, d)
	}
	sort.Strings(order)
	rc := &recon.Reconciler{Store: st.Recon(), Money: st.Money(), Cases: st, Journal: st}
	c.Report.ReconExceptions = map[string]int{}
	for _, d := range order {
		resp, err := http.Get("http://" + adminAddr + "/clearing?date=" + d)
		if err != nil {
			return err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			return fmt.Errorf("clearing file of %s: %d %v", d, resp.StatusCode, err)
		}
		rep, _, err := rc.Run(ctx, recon.Input{Date: d, ClearingName: recon.ClearingName(d), Clearing: bytes.NewReader(body)})
		if err != nil {
			return fmt.Errorf("reconcile %s: %w", d, err)
		}
		c.Report.ReconDates++
		c.Report.ReconLines += rep.Lines
		for class, n := range rep.Counts() {
			c.Report.ReconExceptions[class] += n
		}
	}
	return nil
}

func (c *ChaosCommand) print() {
	r := c.Report
	if c.JSON {
		b, _ := json.MarshalIndent(r, "", "  ")
		fmt.Fprintln(c.Stdout, string(b))
		return
	}
	fmt.Fprintf(c.Stdout, "chaos run: %.0fs, %d host instance(s), %d transactions (%d approved), %d host kills (SIGKILL)\n", r.RunSeconds, r.Instances, r.Transactions, r.Approved, r.Kills)
	var faults []string
	for k, v := range r.FaultsInjected {
		faults = append(faults, fmt.Sprintf("%s=%d", k, v))
	}
	fmt.Fprintf(c.Stdout, "faults injected: %s\n", strings.Join(faults, " "))
	fmt.Fprintf(c.Stdout, "transactions reversed: %d, reversals pending: %d, left forwarded: %d; queue drained %.1fs after the network healed\n",
		r.ReversalsDone, r.ReversalsPending, r.LeftForwarded, r.DrainSeconds)
	fmt.Fprintf(c.Stdout, "reversals sent twice upstream for one transaction: %d (sent again after a dropped connection: %d); abandoned: %d\n", r.ReversalsResent, r.ReversalsResentAfterDrop, r.Abandoned)
	fmt.Fprintf(c.Stdout, "causes: %d transactions without a known reason and category\n", r.Unexplained)
	fmt.Fprintf(c.Stdout, "money: %d cards, %d mismatches between the issuers and the journal\n", r.Cards, len(r.Mismatches))
	fmt.Fprintf(c.Stdout, "reconciliation: %d dates, %d clearing lines, exceptions %v\n", r.ReconDates, r.ReconLines, r.ReconExceptions)
	for _, m := range r.Mismatches {
		verb := "took"
		if m.What == "held" {
			verb = "holds"
		}
		fmt.Fprintf(c.Stdout, "  %s issuer %s %s, journal says %s\n", m.PAN, verb, m.Issuer, m.Journal)
	}
}

// explained reports whether a transaction carries a reason the knowledge
// base knows, with a category (approved ones need none).
func explained(t *posguard.Transaction) bool {
	if t.State == posguard.StateApproved && t.Reason == posguard.ReasonApproved {
		return true
	}
	e, ok := diagnosis.Lookup(t.Reason)
	return ok && e.Category != ""
}

// scratchOnly refuses a PostgreSQL database that already holds
// transactions: a chaos run seeds and fills the database it is given.
func scratchOnly(ctx context.Context, dsn string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return fmt.Errorf("--postgres: %w", err)
	}
	defer conn.Close(ctx)
	var has bool
	if err := conn.QueryRow(ctx, `SELECT to_regclass('transactions') IS NOT NULL`).Scan(&has); err != nil {
		return fmt.Errorf("--postgres: %w", err)
	}
	if !has {
		return nil
	}
	var any bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM transactions)`).Scan(&any); err != nil {
		return fmt.Errorf("--postgres: %w", err)
	}
	if any {
		return fmt.Errorf("--postgres %s already holds transactions: a chaos run needs a scratch database (or schema: ?search_path=…)", redactDSN(dsn))
	}
	return nil
}

func postFaults(admin, spec string) error {
	body, _ := json.Marshal(map[string]string{"spec": spec})
	resp, err := http.Post("http://"+admin+"/faults", "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("POST /faults %q: %s: %s", spec, resp.Status, b)
	}
	return nil
}

func getJSON(url string, v any) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return errors.New(url + ": " + resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// Close does nothing: Run stops its processes.
func (c *ChaosCommand) Close() error { return nil }

// killTiming returns how long a chaos run waits before its next kill and
// how long the killed host then stays down. With one instance the kills
// come at even intervals and the host restarts at once; with several, the
// interval is jittered around every and the host stays down 0.5 – 3 s (taken
// out of the wait, so the run keeps its length), long enough for its
// terminals or orders to move to the others.
func killTiming(rng *rand.Rand, every time.Duration, instances int) (wait, pause time.Duration) {
	if instances <= 1 {
		return every, 0
	}
	wait = every/2 + time.Duration(rng.Int64N(int64(every)))
	pause = 500*time.Millisecond + time.Duration(rng.Int64N(int64(2500*time.Millisecond)))
	return wait - pause, pause
}

// seedWorld writes worldYAML into the run's directory, picks the run's
// database (a SQLite file there, or --postgres after checking it is a
// scratch database) and host key file, and seeds the world into it.
func (c *ChaosCommand) seedWorld(ctx context.Context, worldYAML []byte) (worldPath, db, keyFile string, err error) {
	worldPath = filepath.Join(c.Dir, "world.yaml")
	if err := os.WriteFile(worldPath, worldYAML, 0o644); err != nil {
		return "", "", "", err
	}
	dbPath := filepath.Join(c.Dir, "posguard.db")
	db, keyFile = "sqlite:"+dbPath, dbPath+".hostkey"
	if c.DB != "" {
		db, keyFile = c.DB, filepath.Join(c.Dir, "posguard.hostkey")
		if err := scratchOnly(ctx, c.DB); err != nil {
			return "", "", "", err
		}
	}
	if out, err := exec.Command(c.Bin, "seed", "--db", db, "--host-key-file", keyFile, worldPath).CombinedOutput(); err != nil {
		return "", "", "", fmt.Errorf("seed: %v: %s", err, out)
	}
	return worldPath, db, keyFile, nil
}
