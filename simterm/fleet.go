package simterm

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/seed"
)

// FleetConfig describes a fleet run.
type FleetConfig struct {
	// Host is the terminal gateway's address (host:port), or several
	// instances' addresses separated by commas: the terminals are spread
	// over them and move to the next one when theirs fails.
	Host string
	// World gives the terminals (its active ones) and cards.
	World *seed.World
	// Terminals is how many terminals take part: 0 or more than the
	// world's active terminals means all of them. Each terminal has one
	// connection: terminals are never shared, so STANs stay serial.
	Terminals int
	// Rate is the fleet's total rate of financial transactions per second,
	// paced across all terminals (open loop, at most one transaction in
	// flight per terminal); 0 runs closed loop (each terminal sends its next
	// transaction when the previous one is answered).
	Rate float64
	// Count stops the run after this many financial transactions (0: no
	// limit).
	Count int
	// Duration stops the run after this long (0: no limit). With neither
	// Count nor Duration the run stops when ctx ends.
	Duration time.Duration
	// Seed makes the run's choices (operations, cards, amounts)
	// reproducible.
	Seed uint64
	// Mix is the transaction mix; the zero Mix means DefaultMix.
	Mix Mix
	// Timeout is each terminal's answer timeout (default 60s).
	Timeout time.Duration
	// Logger receives the terminals' debug lines and the fleet's warnings;
	// default slog.Default().
	Logger *slog.Logger
	// Now gives the date that decides which cards are expired; default
	// time.Now.
	Now func() time.Time
}

// Fleet runs simulated terminals against a host. Create it with NewFleet,
// start it with Run, and watch it with Snapshot from another goroutine.
type Fleet struct {
	cfg   FleetConfig
	terms []*posguard.Terminal
	cards cardPools
	tally *tally
	pace  *pacer
	sent  atomic.Int64 // financial transactions reserved (Count)
}

// NewFleet checks cfg and chooses the terminals. EINVALID when the world
// is missing, has no active terminal or no usable card, or the mix is
// wrong.
func NewFleet(cfg FleetConfig) (*Fleet, error) {
	if cfg.World == nil {
		return nil, posguard.Errorf(posguard.EINVALID, "simterm: fleet: no world")
	}
	if cfg.Host == "" {
		return nil, posguard.Errorf(posguard.EINVALID, "simterm: fleet: no host address")
	}
	if cfg.Mix == (Mix{}) {
		cfg.Mix = DefaultMix
	}
	if err := cfg.Mix.validate(); err != nil {
		return nil, err
	}
	if cfg.Rate < 0 || cfg.Count < 0 || cfg.Duration < 0 || cfg.Terminals < 0 {
		return nil, posguard.Errorf(posguard.EINVALID, "simterm: fleet: negative rate, count, duration or terminal count")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	var terms []*posguard.Terminal
	for _, t := range cfg.World.Terminals {
		if t.Status == posguard.TerminalActive {
			terms = append(terms, t)
		}
	}
	if len(terms) == 0 {
		return nil, posguard.Errorf(posguard.EINVALID, "simterm: fleet: the world has no active terminal")
	}
	if cfg.Terminals > 0 && cfg.Terminals < len(terms) {
		terms = terms[:cfg.Terminals]
	} else if cfg.Terminals > len(terms) {
		cfg.Logger.Info("simterm: fleet: fewer terminals than asked", "asked", cfg.Terminals, "active", len(terms))
	}
	pools := poolCards(cfg.World.Cards, cfg.Now().Format("0601"))
	if len(pools.good) == 0 {
		return nil, posguard.Errorf(posguard.EINVALID, "simterm: fleet: the world has no active card with a healthy balance")
	}
	f := &Fleet{cfg: cfg, terms: terms, cards: pools, tally: newTally()}
	f.tally.s.Terminals = len(terms)
	if cfg.Rate > 0 {
		f.pace = &pacer{interval: time.Duration(float64(time.Second) / cfg.Rate)}
	}
	return f, nil
}

// RunFleet runs a fleet described by cfg to its end: NewFleet, then Run.
func RunFleet(ctx context.Context, cfg FleetConfig) (*Summary, error) {
	f, err := NewFleet(cfg)
	if err != nil {
		return nil, err
	}
	return f.Run(ctx)
}

// Snapshot returns the summary so far; safe to call while Run runs.
func (f *Fleet) Snapshot() Summary { return f.tally.snapshot() }

// Run signs every terminal on, sends the mix until Count, Duration or ctx
// ends the run, then sends each terminal's pending reversal and settles its
// batch (not when ctx itself ended). It returns the summary; the error is
// not nil only when no terminal could sign on.
func (f *Fleet) Run(ctx context.Context) (*Summary, error) {
	f.tally.start = time.Now()
	runCtx := ctx
	if f.cfg.Duration > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(ctx, f.cfg.Duration)
		defer cancel()
	}
	var wg sync.WaitGroup
	var signedOn atomic.Int64
	var firstErr error
	var errOnce sync.Once
	for i, pt := range f.terms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := f.work(ctx, runCtx, i, pt, &signedOn)
			if err != nil {
				errOnce.Do(func() { firstErr = err })
			}
		}()
	}
	wg.Wait()
	s := f.Snapshot()
	if signedOn.Load() == 0 && firstErr != nil {
		return &s, firstErr
	}
	return &s, nil
}

// maxConsecutiveErrors is how many failures in a row make a terminal pause
// between tries (the host is restarting or cut off).
const maxConsecutiveErrors = 5

// work runs one terminal: sign on, transact until the run ends, settle.
// ctx bounds the exchanges; runCtx ends the sending of new transactions.
func (f *Fleet) work(ctx, runCtx context.Context, i int, pt *posguard.Terminal, signedOn *atomic.Int64) error {
	cfg := ConfigFor(pt)
	cfg.Timeout = f.cfg.Timeout
	cfg.Logger = f.cfg.Logger
	// With several host addresses, terminal i starts on the i-th: the
	// fleet is spread over the instances.
	host := f.cfg.Host
	if hs := splitAddrs(host); len(hs) > 1 {
		k := i % len(hs)
		host = strings.Join(append(append([]string{}, hs[k:]...), hs[:k]...), ",")
	}
	t, err := Dial(ctx, host, cfg)
	if err != nil {
		f.tally.management(posguard.TxnSignOn, CodeError, false)
		f.cfg.Logger.Warn("simterm: terminal cannot connect", "tid", pt.ID, "err", err)
		return err
	}
	defer t.Close()
	if err := t.SignOn(ctx); err != nil {
		f.tally.management(posguard.TxnSignOn, codeOf(err), false)
		f.cfg.Logger.Warn("simterm: sign-on failed", "tid", pt.ID, "err", err)
		return err
	}
	f.tally.management(posguard.TxnSignOn, "00", false)
	signedOn.Add(1)
	w := &worker{f: f, t: t, rng: newRand(f.cfg.Seed + uint64(i)*0x9E3779B97F4A7C15)}
	if m := f.cfg.World.Merchant(pt.MerchantID); m != nil {
		w.limit = m.Limits.PerTxn
	}
	errs := 0
	for runCtx.Err() == nil {
		if !f.reserve() {
			break
		}
		if err := f.pace.wait(runCtx); err != nil {
			break
		}
		typ, res, err := w.step(ctx)
		f.tally.financial(typ, res, err)
		f.tally.reversals(t.takeCounters())
		if res == nil || (err != nil && !res.TimedOut && res.Code == "") {
			// The host is unreachable (a restart, a network cut): a real
			// terminal keeps trying, so this one pauses a little longer
			// after each failure (up to 2 s) and goes on.
			errs++
			if errs == maxConsecutiveErrors {
				f.cfg.Logger.Warn("simterm: host unreachable, retrying", "tid", pt.ID, "err", err)
			}
			if errs >= maxConsecutiveErrors {
				pause := min(time.Duration(errs)*100*time.Millisecond, 2*time.Second)
				select {
				case <-runCtx.Done():
				case <-time.After(pause):
				}
			}
		} else {
			errs = 0
		}
	}
	if ctx.Err() != nil {
		return nil
	}
	res, err := t.Settle(ctx)
	f.tally.reversals(t.takeCounters())
	switch {
	case err != nil && res == nil:
		f.tally.management(posguard.TxnSettlement, codeOf(err), false)
	case res.Code == "":
		f.tally.management(posguard.TxnSettlement, CodeTimeout, false)
	default:
		f.tally.management(posguard.TxnSettlement, res.Code, res.Balanced)
	}
	return nil
}

// reserve takes one transaction of the Count budget.
func (f *Fleet) reserve() bool {
	n := f.sent.Add(1)
	return f.cfg.Count == 0 || n <= int64(f.cfg.Count)
}

// codeOf returns the field 39 of a DeclineError, CodeTimeout or CodeError.
func codeOf(err error) string {
	var d *DeclineError
	if errors.As(err, &d) {
		return d.Code
	}
	if posguard.ErrorCode(err) == posguard.ETIMEOUT {
		return CodeTimeout
	}
	return CodeError
}

// pacer spaces requests interval apart across the fleet, without bursts:
// a request that finds the schedule behind goes at once and the schedule
// restarts from now.
type pacer struct {
	mu       sync.Mutex
	interval time.Duration
	next     time.Time
}

// wait blocks until the caller's turn, or ctx ends. A nil pacer (closed
// loop) never waits.
func (p *pacer) wait(ctx context.Context) error {
	if p == nil {
		return ctx.Err()
	}
	p.mu.Lock()
	now := time.Now()
	if p.next.Before(now) {
		p.next = now
	}
	at := p.next
	p.next = p.next.Add(p.interval)
	p.mu.Unlock()
	d := time.Until(at)
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}
