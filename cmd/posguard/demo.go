package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/ledger"
	"github.com/posguard/posguard/recon"
	"github.com/posguard/posguard/schedule"
	"github.com/posguard/posguard/seed"
	"github.com/posguard/posguard/settlement"
	"github.com/posguard/posguard/simterm"
)

func init() {
	register("demo", "run everything on SQLite: simulated network, host, terminal fleet, live summary", func(stdout, stderr io.Writer) Command {
		return &DemoCommand{Stdout: stdout, Stderr: stderr}
	})
}

// DemoFaults is the light fault mix of the demo: a little latency, a few
// lost answers (some after the issuer approved), the odd disconnect.
const DemoFaults = "latency=1ms-8ms,timeout=0.004,drop_after_approve=0.004,timeout_no_debit=0.002,disconnect=0.001"

// DemoCommand runs the whole system in one process.
type DemoCommand struct {
	Stdout, Stderr io.Writer
	logOpts
	Dir          string
	World        string
	Terminals    int
	Rate         float64
	Duration     time.Duration
	Faults       string
	HTTPAddr     string
	TerminalAddr string
	Every        time.Duration
	UpstreamTO   time.Duration
	// DayEndsIn moves the cut-off so the business day closes this soon
	// after the start (rounded up to a whole minute, as a cut-off is
	// HH:MM): the day rolls over and settles itself during the run. Zero
	// keeps the real cut-off (23:00 UTC+8).
	DayEndsIn time.Duration
	// D0Every is how often D0 merchants are paid same-day.
	D0Every time.Duration
}

// ParseFlags reads demo's flags; all have defaults.
func (c *DemoCommand) ParseFlags(args []string) error {
	fs := newFlagSet("demo", "demo [--dir DIR] [--terminals N] [--rate R] [--duration D] [--faults SPEC]", c.Stderr)
	c.addLogFlags(fs)
	fs.StringVar(&c.Dir, "dir", "posguard-demo", "folder for the SQLite database, host key, world file and logs")
	fs.StringVar(&c.World, "world", "", "world file (default: the demo world shipped in the binary)")
	fs.IntVar(&c.Terminals, "terminals", 8, "simulated terminals")
	fs.Float64Var(&c.Rate, "rate", 40, "transactions per second over the fleet")
	fs.DurationVar(&c.Duration, "duration", 0, "stop after this long (0: run until Ctrl-C)")
	fs.StringVar(&c.Faults, "faults", DemoFaults, "simnet fault mix")
	fs.StringVar(&c.HTTPAddr, "http-addr", "127.0.0.1:8080", "HTTP API address")
	fs.StringVar(&c.TerminalAddr, "terminal-addr", "127.0.0.1:0", "terminal address (default: any free port)")
	fs.DurationVar(&c.Every, "every", 3*time.Second, "how often the live summary is printed")
	fs.DurationVar(&c.UpstreamTO, "upstream-timeout", 2*time.Second, "host's wait for the network (short in the demo, so timeouts show)")
	fs.DurationVar(&c.DayEndsIn, "day-ends-in", time.Minute, "move the cut-off so the business day closes this soon (whole minutes), then settles itself (0: the real 23:00 UTC+8)")
	fs.DurationVar(&c.D0Every, "d0-every", 20*time.Second, "how often D0 merchants' qualifying sales (11 元 or more) are paid same-day")
	return parseFlags(fs, args)
}

// Run seeds the world, starts simnet, the host and the fleet, prints a live
// summary, and on Ctrl-C (or after --duration) stops the fleet (which
// settles its batches), lets the reversal queue drain, checks the money card
// by card, and shuts down.
func (c *DemoCommand) Run(ctx context.Context) error {
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return err
	}
	logPath := filepath.Join(c.Dir, "posguard.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logFile.Close()

	worldPath := c.World
	if worldPath == "" {
		worldPath = filepath.Join(c.Dir, "world.yaml")
		if err := os.WriteFile(worldPath, seed.DemoYAML(), 0o644); err != nil {
			return err
		}
	}
	// The shipped demo world gains QR payments: simwallet starts first, its
	// address goes into the world's wallet_channels.
	svcCtx, stopSvc := context.WithCancel(context.Background())
	defer stopSvc()
	var dq *demoQR
	if c.World == "" {
		if dq, err = startDemoQR(svcCtx, worldPath, logFile); err != nil {
			return fmt.Errorf("simwallet: %w", err)
		}
	}
	w, err := seed.ParseFile(worldPath)
	if err != nil {
		return err
	}
	// The simulated issuers start from the world's balances each run, so
	// the journal starts afresh too: the money check compares one run.
	dbPath := filepath.Join(c.Dir, "posguard.db")
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(dbPath + suffix); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	db := "sqlite:" + dbPath
	if err := os.RemoveAll(filepath.Join(c.Dir, "clearing")); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(c.Dir, "clearing"), 0o755); err != nil {
		return err
	}
	sd := &SeedCommand{Stdout: io.Discard, Stderr: logFile}
	if err := sd.ParseFlags([]string{"--db", db, worldPath}); err != nil {
		return err
	}
	if err := sd.Run(ctx); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	sd.Close()
	users, err := createDemoUsers(ctx, db, w, c.logger(logFile, "warn"))
	if err != nil {
		return err
	}

	// The network's clearing day rolls over at the host's cut-off.
	cutoff, closes := demoCutoff(time.Now(), c.DayEndsIn)
	sn := &SimnetCommand{Stdout: logFile, Stderr: logFile, Ready: make(chan struct{})}
	if err := sn.ParseFlags([]string{"--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0", "--cards", worldPath, "--faults", c.Faults,
		"--cutoff", cutoff, "--dispute-ruling-delay", "30s"}); err != nil { // rulings come later, in the dispute file (docs/disputes.md)
		return err
	}
	snDone := start(svcCtx, sn, sn.Ready)
	if err := <-snDone.ready; err != nil {
		return err
	}
	netAddr, adminAddr := sn.Addrs()
	httpAddr := c.HTTPAddr
	if l, err := net.Listen("tcp", httpAddr); err != nil {
		fmt.Fprintf(c.Stdout, "(%s is taken: the API takes a free port instead)\n", httpAddr)
		httpAddr = "127.0.0.1:0"
	} else {
		l.Close()
	}
	sv := &ServeCommand{Stdout: logFile, Stderr: logFile, Ready: make(chan struct{})}
	if err := sv.ParseFlags([]string{"--db", db, "--terminal-addr", c.TerminalAddr, "--http-addr", httpAddr,
		"--network", "iso8583://" + netAddr, "--upstream-timeout", c.UpstreamTO.String(),
		"--clearing-dir", filepath.Join(c.Dir, "clearing"), "--disputes-url", "http://" + adminAddr,
		"--cutoff", cutoff, "--d0-every", c.D0Every.String()}); err != nil {
		return err
	}
	svDone := start(svcCtx, sv, sv.Ready)
	if err := <-svDone.ready; err != nil {
		return err
	}
	termAddr, httpAddr := sv.Addrs()
	fmt.Fprintf(c.Stdout, "posguard demo — data in %s, logs in %s\n", c.Dir, logPath)
	fmt.Fprintf(c.Stdout, "  terminals connect to %s · simulated network %s (admin http://%s/accounts)\n", termAddr, netAddr, adminAddr)
	fmt.Fprintf(c.Stdout, "  console: http://%s/ (中文; English: http://%s/?lang=en)\n", httpAddr, httpAddr)
	fmt.Fprintf(c.Stdout, "  API: http://%s/v1/transactions · /v1/reversals · /v1/explain/51 · /v1/openapi.json · /healthz (Bearer token)\n", httpAddr)
	printDemoUsers(c.Stdout, httpAddr, users)
	fmt.Fprintf(c.Stdout, "  faults: %s\n  Ctrl-C stops the fleet (its terminals settle their batches), drains the reversals, checks the money\n  card by card, then settles the business day with the merchants and pays them at the simulated bank.\n\n", c.Faults)

	fmt.Fprintf(c.Stdout, "  business day %s closes at %s UTC+8%s; then it settles itself (close, T+1, payouts, clearing file),\n  and D0 merchants are paid their sales of 11 元 or more every %s: see GET /v1/jobs.\n\n",
		sv.Switch.SettlementDate(time.Now()), cutoff, closes, c.D0Every)

	if err := demoBackoffice(ctx, sv, c.Stdout); err != nil {
		return err
	}

	fleet, err := simterm.NewFleet(simterm.FleetConfig{
		Host: termAddr, World: w, Terminals: c.Terminals, Rate: c.Rate, Duration: c.Duration,
		Seed: uint64(time.Now().UnixNano()), Timeout: 10 * time.Second, Logger: c.logger(logFile, "warn"),
	})
	if err != nil {
		return err
	}
	fleetCtx, stopFleet := context.WithCancel(context.Background())
	defer stopFleet()
	type fleetResult struct {
		sum *simterm.Summary
		err error
	}
	fleetDone := make(chan fleetResult, 1)
	go demoCashout(fleetCtx, termAddr, w, 5*time.Second, c.Stdout)
	if dq != nil {
		if err := dq.run(fleetCtx, sv.store, httpAddr, max(1, c.Rate/10)); err != nil {
			return fmt.Errorf("qr: %w", err)
		}
		_, wadmin := dq.wallet.Addrs()
		fmt.Fprintf(c.Stdout, "  QR payments: simulated wallet channel, admin http://%s/accounts · API /v1/qr/orders\n", wadmin)
	}
	go func() {
		s, err := fleet.Run(fleetCtx)
		fleetDone <- fleetResult{s, err}
	}()

	tick := time.NewTicker(c.Every)
	defer tick.Stop()
	var res fleetResult
	last, lastAt := 0, time.Now()
	seen, delivered := map[string]string{}, map[string]bool{}
loop:
	for {
		select {
		case <-ctx.Done():
			fmt.Fprintln(c.Stdout, "\nstopping the fleet…")
			stopFleet()
			res = <-fleetDone
			break loop
		case res = <-fleetDone:
			break loop
		case <-tick.C:
			s := fleet.Snapshot()
			rate := float64(s.Sent-last) / time.Since(lastAt).Seconds()
			last, lastAt = s.Sent, time.Now()
			c.printLive(ctx, sv, &s, rate)
			c.printJobs(ctx, sv, seen)
			c.deliverClearing(ctx, sv, sn, delivered)
		}
	}
	if res.sum != nil {
		fmt.Fprintln(c.Stdout, "\nfleet summary:")
		res.sum.PrintWith(c.Stdout, codeMeaning)
	}
	stopFleet() // the QR orders stop with the fleet
	c.finish(sv, sn)
	c.printJobs(context.Background(), sv, seen)
	if dq != nil {
		dq.finish(c.Stdout, sv.store)
	}
	// Reconciliation once the card reversals and the QR queues have
	// drained: the clearing file with the wallet channel's bills.
	eodCtx, eodCancel := context.WithTimeout(context.Background(), 60*time.Second)
	c.endOfDay(eodCtx, sv, sn)
	eodCancel()
	c.settle(sv)
	stopSvc()
	<-snDone.done
	<-svDone.done
	return res.err
}

// printLive prints one line of the live summary.
func (c *DemoCommand) printLive(ctx context.Context, sv *ServeCommand, s *simterm.Summary, rate float64) {
	approved := s.ByCode["00"]
	type kv struct {
		code string
		n    int
	}
	var declines []kv
	for code, n := range s.ByCode {
		if code != "00" {
			declines = append(declines, kv{code, n})
		}
	}
	sort.Slice(declines, func(i, k int) bool { return declines[i].n > declines[k].n })
	var parts []string
	for i, d := range declines {
		if i == 5 {
			break
		}
		m := codeMeaning(d.code)
		if i := strings.Index(m, " / "); i > 0 {
			m = m[i+3:]
		}
		parts = append(parts, fmt.Sprintf("%s×%d (%s)", d.code, d.n, m))
	}
	pending, done := 0, 0
	if rs, err := sv.store.Reversals(ctx, posguard.ReversalPending, 10000); err == nil {
		pending = len(rs)
	}
	if rs, err := sv.store.Reversals(ctx, posguard.ReversalDone, 10000); err == nil {
		done = len(rs)
	}
	fmt.Fprintf(c.Stdout, "[%5.0fs] %6.1f tx/s · sent %d · approved %d · timeouts %d · host reversals %d done, %d pending · declines: %s\n",
		s.Elapsed.Seconds(), rate, s.Sent, approved, s.Timeouts, done, pending, strings.Join(parts, ", "))
}

// demoCutoff returns the cut-off (HH:MM, UTC+8) that closes the business
// day about in after now, rounded up to a whole minute, and a note of when
// that is; with in zero, or when the day would close after 23:59, the real
// cut-off (23:00).
func demoCutoff(now time.Time, in time.Duration) (string, string) {
	if in <= 0 {
		return "23:00", ""
	}
	at := now.Add(in).In(posguard.ChinaStandardTime)
	up := at.Truncate(time.Minute)
	if up.Before(at) {
		up = up.Add(time.Minute)
	}
	local := now.In(posguard.ChinaStandardTime)
	if up.YearDay() != local.YearDay() || up.Hour() == 0 && up.Minute() == 0 {
		return "23:00", " (the moved cut-off would fall after midnight: the real one is kept)"
	}
	return up.Format("15:04"), fmt.Sprintf(" (in %s: moved by --day-ends-in)", up.Sub(now).Round(time.Second))
}

// printJobs prints each scheduled run that started or changed since the
// last call (seen: key → state and attempt).
func (c *DemoCommand) printJobs(ctx context.Context, sv *ServeCommand, seen map[string]string) {
	jobs, err := sv.store.Jobs(ctx, posguard.JobFilter{Limit: 50})
	if err != nil {
		return
	}
	for i := len(jobs) - 1; i >= 0; i-- {
		j := jobs[i]
		mark := fmt.Sprintf("%s/%d", j.State, j.Attempts)
		if seen[j.Key] == mark {
			continue
		}
		seen[j.Key] = mark
		if j.Kind == posguard.JobD0 && j.State == posguard.JobDone && strings.HasPrefix(j.Result, "D0: nothing") {
			continue
		}
		fmt.Fprintf(c.Stdout, "  job %s\n", schedule.Describe(j))
	}
}

// finish lets the reversal queue drain (the network is healthy by then)
// and compares every card's money with the journal.
func (c *DemoCommand) finish(sv *ServeCommand, sn *SimnetCommand) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := sn.Net.SetFaults("latency=1ms"); err != nil {
		fmt.Fprintf(c.Stdout, "clearing faults: %v\n", err)
	}
	for {
		fwd, rev, err := recon.Outstanding(ctx, sv.store)
		if err != nil || fwd+rev == 0 {
			break
		}
		select {
		case <-ctx.Done():
			fmt.Fprintf(c.Stdout, "still outstanding after 60s: %d forwarded, %d reversals\n", fwd, rev)
			return
		case <-time.After(200 * time.Millisecond):
		}
	}
	journal, err := recon.JournalNet(ctx, sv.store)
	if err != nil {
		fmt.Fprintf(c.Stdout, "money check: %v\n", err)
		return
	}
	journalHeld, err := recon.JournalHeld(ctx, sv.store)
	if err != nil {
		fmt.Fprintf(c.Stdout, "money check: %v\n", err)
		return
	}
	issuer, issuerHeld := map[string]posguard.Amount{}, map[string]posguard.Amount{}
	for _, a := range sn.Net.Accounts() {
		if card, ok := cardByMasked(sn, a.PAN); ok {
			issuer[a.PAN] = card - a.Balance
			issuerHeld[a.PAN] = a.Held
		}
	}
	mm := append(recon.Compare(issuer, journal), recon.CompareHeld(issuerHeld, journalHeld)...)
	fmt.Fprintf(c.Stdout, "\nmoney check: %d cards, %d mismatches between the issuers and the journal\n", len(issuer), len(mm))
	for _, m := range mm {
		verb := "took"
		if m.What == "held" {
			verb = "holds"
		}
		fmt.Fprintf(c.Stdout, "  %s issuer %s %s, journal says %s\n", m.PAN, verb, m.Issuer, m.Journal)
	}
}

// deliverClearing puts the simulated network's clearing file of each
// business day already settled by the scheduler into serve's
// --clearing-dir, once, as the network sends it after its day closes: the
// scheduler's reconciliation job of that day finds it there.
func (c *DemoCommand) deliverClearing(ctx context.Context, sv *ServeCommand, sn *SimnetCommand, delivered map[string]bool) {
	jobs, err := sv.store.Jobs(ctx, posguard.JobFilter{Kind: posguard.JobSettle, Limit: 10})
	if err != nil {
		return
	}
	for _, j := range jobs {
		if j.State != posguard.JobDone || delivered[j.Day] {
			continue
		}
		delivered[j.Day] = true
		body, _ := sn.Net.Clearing(j.Day)
		if err := os.WriteFile(filepath.Join(c.Dir, "clearing", recon.ClearingName(j.Day)), body, 0o644); err != nil {
			fmt.Fprintf(c.Stdout, "clearing file of %s: %v\n", j.Day, err)
		}
	}
}

// endOfDay receives the simulated network's clearing file of every day of
// the run into serve's --clearing-dir, as an acquirer receives it by file
// transfer, and has serve reconcile it.
func (c *DemoCommand) endOfDay(ctx context.Context, sv *ServeCommand, sn *SimnetCommand) {
	dates := map[string]bool{}
	list, err := sv.store.List(ctx, posguard.TxnFilter{Limit: 1000})
	if err != nil {
		fmt.Fprintf(c.Stdout, "reconciliation: %v\n", err)
		return
	}
	for _, t := range list {
		if t.SettlementDate != "" {
			dates[t.SettlementDate] = true
		}
	}
	dir := filepath.Join(c.Dir, "clearing")
	for d := range dates {
		body, _ := sn.Net.Clearing(d)
		if err := os.WriteFile(filepath.Join(dir, recon.ClearingName(d)), body, 0o644); err != nil {
			fmt.Fprintf(c.Stdout, "reconciliation: %v\n", err)
			return
		}
	}
	for _, rep := range sv.ImportClearing(ctx) {
		fmt.Fprintf(c.Stdout, "reconciliation %s (%s, run %s): %d lines, %d matched, %d exceptions %v\n",
			rep.Date, rep.ClearingFile, rep.RunID, rep.Lines, rep.Matched, len(rep.Exceptions), rep.Counts())
		for _, b := range rep.QRBills {
			fmt.Fprintf(c.Stdout, "  QR bill %s of %s (%s): %d rows (%d paid, %d reversed, %d refunded), %d matched, %d exceptions\n",
				b.Channel, b.Merchant, b.MchID, b.Rows, b.Totals.PayCount, b.Totals.ReverseCount, b.Totals.RefundCount, b.Matched, b.Exceptions)
		}
	}
}

// settle settles the demo's business day as `posguard settle` would (the
// ledger catches up with the journal, T+1 batches are made for every
// merchant) and pays the payouts at the simulated bank, then prints what
// happened and how to look at it. The demo's day is settled even before
// the cut-off: no more sales come once the fleet has stopped.
func (c *DemoCommand) settle(sv *ServeCommand) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	date := sv.Switch.SettlementDate(time.Now())
	money := sv.store.Money()
	fees := &settlement.FeeBook{Store: money, Merchants: sv.store}
	posted, err := (&ledger.Poster{Store: money, Pricer: fees}).Drain(ctx)
	if err != nil {
		fmt.Fprintf(c.Stdout, "settlement: ledger: %v\n", err)
		return
	}
	rep, err := (&settlement.Settler{Store: money, Merchants: sv.store, Fees: fees}).Settle(ctx, date)
	if err != nil {
		fmt.Fprintf(c.Stdout, "settlement of %s: %v\n", date, err)
		return
	}
	fmt.Fprintf(c.Stdout, "\nsettled business day %s (UTC+8): posted %d ledger postings\n  %s\n", date, posted, rep)
	sum, err := sv.host.Payouts.Run(ctx)
	if err != nil {
		fmt.Fprintf(c.Stdout, "  payouts: %v\n", err)
		return
	}
	fmt.Fprintf(c.Stdout, "  payouts at the simulated bank: %d paid, %d failed (money held, a case opened for each), %d without an answer yet\n",
		sum.Succeeded, sum.Failed, sum.Pending)
	fmt.Fprintf(c.Stdout, "  see them: posguard statement --db sqlite:%s --merchant 898310048990001 --from %s --to %s\n",
		filepath.Join(c.Dir, "posguard.db"), date, date)
}

// cardByMasked returns the initial balance of the card with this masked PAN.
func cardByMasked(sn *SimnetCommand, masked string) (posguard.Amount, bool) {
	for _, c := range sn.world.Cards {
		if c.PAN.String() == masked {
			return c.Balance, true
		}
	}
	return 0, false
}

// Close does nothing: Run stops what it started.
func (c *DemoCommand) Close() error { return nil }

// started tracks a command run in the background.
type started struct {
	ready chan error // nil when ready, the error when it failed first
	done  chan struct{}
}

// start runs cmd until ctx ends and reports when it is ready.
func start(ctx context.Context, cmd Command, ready chan struct{}) started {
	s := started{ready: make(chan error, 1), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		err := cmd.Run(ctx)
		cmd.Close()
		select {
		case s.ready <- err:
		default:
		}
	}()
	go func() {
		select {
		case <-ready:
			s.ready <- nil
		case <-s.done:
		}
	}()
	return s
}
