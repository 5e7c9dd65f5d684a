package bench

import (
	"context"
	"runtime/pprof"
	"sync"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/posguard/posguard"
	"github.com/posguard/posguard/seed"
)

// LoadConfig is one load run against one target.
type LoadConfig struct {
	// Addr is the target's terminal address (the host, or an EchoServer
	// with Echo set).
	Addr string
	// Echo: the target sends every frame back (physical-limit run).
	Echo bool
	// World supplies the terminals (their TIDs and TMKs) and cards.
	World *seed.World
	// Terminals is the number of concurrent terminals, one connection each.
	Terminals int
	// Rate is the open-loop rate in sales per second over all terminals;
	// 0 is closed loop (every terminal sends as soon as it has its answer).
	Rate float64
	// Warmup runs before the measurement and is not counted.
	Warmup time.Duration
	// Duration is the measured time.
	Duration time.Duration
	// Timeout is a terminal's wait for one answer (default 10 s).
	Timeout time.Duration
	// Watch names other processes (an external host, simnet) whose CPU
	// time over the measured span the report gives per request.
	Watch []Watch
}

// worker is one terminal's loop state; each keeps its own histogram and
// counts so the hot path shares nothing.
type worker struct {
	c      *client
	cards  []posguard.Card
	next   int
	hist   *hdrhistogram.Histogram
	hist00 *hdrhistogram.Histogram // approved answers only
	codes  map[string]int
	failed error
	// lastDone is when the last counted answer came.
	lastDone time.Time
}

// newHistogram covers 1 µs to 120 s with 3 significant digits.
func newHistogram() *hdrhistogram.Histogram { return hdrhistogram.New(1, 120_000_000, 3) }

// Load runs cfg and returns its report. Terminals sign on first (not
// measured); then the load runs for Warmup + Duration. Only requests whose
// send time (closed loop) or scheduled time (open loop) falls inside the
// measured Duration are counted; the run waits for their answers, and the
// rates and CPU time cover the span from the start of the measured time to
// the last counted answer (longer than Duration when the target fell
// behind an open-loop schedule).
func Load(ctx context.Context, cfg LoadConfig) (*Report, error) {
	s, err := openLoad(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer s.close()
	return s.step(ctx, cfg.Rate)
}

// loadSession is cfg's terminals, connected and signed on, for one run or
// the steps of a capacity sweep: the terminals stay connected between
// steps and their STANs go on (a terminal signing on again keeps its
// batch, so STANs started again would be retransmissions).
type loadSession struct {
	cfg     LoadConfig
	workers []*worker
}

// openLoad checks cfg, connects its terminals and signs them on.
func openLoad(ctx context.Context, cfg LoadConfig) (_ *loadSession, err error) {
	if cfg.Terminals <= 0 || cfg.Duration <= 0 {
		return nil, posguard.Errorf(posguard.EINVALID, "bench: need terminals > 0 and a duration")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	terms, cards := usable(cfg.World)
	if len(terms) < cfg.Terminals {
		return nil, posguard.Errorf(posguard.EINVALID, "bench: the world has %d usable terminals, %d wanted", len(terms), cfg.Terminals)
	}
	if len(cards) == 0 {
		return nil, posguard.Errorf(posguard.EINVALID, "bench: the world has no usable card")
	}
	s := &loadSession{cfg: cfg, workers: make([]*worker, cfg.Terminals)}
	defer func() {
		if err != nil {
			s.close()
		}
	}()
	for i := range s.workers {
		c, err := dialClient(ctx, cfg.Addr, terms[i], cfg.Echo)
		if err != nil {
			return nil, err
		}
		s.workers[i] = &worker{c: c, cards: cards, next: i * 7}
		if err := c.signOn(ctx); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// close hangs up every terminal.
func (s *loadSession) close() {
	for _, w := range s.workers {
		if w != nil && w.c != nil {
			w.c.close()
		}
	}
}

// step runs Warmup + Duration at rate (0: closed loop) and reports the
// measured part.
func (s *loadSession) step(ctx context.Context, rate float64) (*Report, error) {
	cfg := s.cfg
	cfg.Rate = rate
	for _, w := range s.workers {
		w.hist, w.hist00, w.codes, w.lastDone = newHistogram(), newHistogram(), map[string]int{}, time.Time{}
	}
	t0 := time.Now()
	from := t0.Add(cfg.Warmup)
	to := from.Add(cfg.Duration)
	cpuSince := cpuFrom(ctx, from, cfg.Watch)

	var sched chan time.Time
	if cfg.Rate > 0 {
		sched = make(chan time.Time, 1<<16)
		go schedule(ctx, sched, t0, to, cfg.Rate)
	}
	var wg sync.WaitGroup
	for _, w := range s.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pprof.Do(ctx, pprof.Labels(PartLabel, "load"), func(ctx context.Context) { w.run(ctx, cfg, sched, from, to) })
		}()
	}
	wg.Wait()
	cpu, wstart, wend := cpuSince()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r := newReport(cfg)
	last := to
	for _, w := range s.workers {
		if w.failed != nil {
			return nil, w.failed
		}
		r.add(w.hist, w.hist00, w.codes)
		if w.lastDone.After(last) {
			last = w.lastDone
		}
	}
	// Counted requests sent near the end (or, open loop, queued behind a
	// backlog) are answered after it: the rate and the CPU time run
	// until the last counted answer.
	r.finish(last.Sub(from), cpu)
	if len(cfg.Watch) > 0 {
		r.Processes = processCPUs(cfg.Watch, wstart, wend, r.Count)
	}
	return r, nil
}

// schedule sends the open-loop send times t0, t0+1/rate, … up to end.
// The times are computed, not observed, so a worker that takes one late
// still measures from the time it was due.
func schedule(ctx context.Context, out chan<- time.Time, t0, end time.Time, rate float64) {
	defer close(out)
	interval := time.Duration(float64(time.Second) / rate)
	for i := int64(0); ; i++ {
		at := t0.Add(time.Duration(i) * interval)
		if !at.Before(end) {
			return
		}
		if d := time.Until(at); d > 0 {
			sleepUntil(ctx, at)
		}
		select {
		case out <- at:
		case <-ctx.Done():
			return
		}
	}
}

// sleepUntil waits until t or ctx ends.
func sleepUntil(ctx context.Context, t time.Time) {
	d := time.Until(t)
	if d <= 0 {
		return
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
	case <-ctx.Done():
	}
}

// nextDue returns when the next send is due: the next time of sched in
// open loop, now in closed loop (sched nil); false when the run is over
// (sched closed, or now past to).
func nextDue(sched <-chan time.Time, to time.Time) (time.Time, bool) {
	if sched != nil {
		at, ok := <-sched
		return at, ok
	}
	now := time.Now()
	return now, now.Before(to)
}

// run is one terminal's loop: closed loop when sched is nil.
func (w *worker) run(ctx context.Context, cfg LoadConfig, sched <-chan time.Time, from, to time.Time) {
	for ctx.Err() == nil && w.failed == nil {
		due, ok := nextDue(sched, to)
		if !ok {
			return
		}
		code := w.one(ctx, cfg)
		if due.Before(from) || !due.Before(to) {
			continue
		}
		now := time.Now()
		w.lastDone = now
		us := now.Sub(due).Microseconds()
		if us < 1 {
			us = 1
		}
		_ = w.hist.RecordValue(us)
		if code == "00" {
			_ = w.hist00.RecordValue(us)
		}
		w.codes[code]++
	}
}

// one does one sale and returns its outcome code; after a failed exchange
// the terminal reconnects and signs on again.
func (w *worker) one(ctx context.Context, cfg LoadConfig) string {
	card := w.cards[w.next%len(w.cards)]
	w.next++
	amount := posguard.Amount(100 + w.next%900)
	body, stan, err := w.c.sale(card, amount)
	if err != nil {
		w.failed = err
		return "error"
	}
	resp, macOK, err := w.c.roundTrip(ctx, body, stan, time.Now().Add(cfg.Timeout))
	code := answerCode(resp, macOK, err)
	if err != nil && ctx.Err() == nil {
		w.c.close()
		c, derr := dialClient(ctx, cfg.Addr, w.c.term, cfg.Echo)
		if derr == nil {
			c.stan = w.c.stan
			if derr = c.signOn(ctx); derr == nil {
				w.c = c
			}
		}
		if derr != nil {
			w.failed = derr
		}
	}
	return code
}

// usable returns the world's active terminals of active merchants and its
// active cards that have a PIN.
func usable(w *seed.World) ([]*posguard.Terminal, []posguard.Card) {
	var terms []*posguard.Terminal
	for _, t := range w.Terminals {
		m := w.Merchant(t.MerchantID)
		if t.Status == posguard.TerminalActive && m != nil && m.Status == posguard.MerchantActive && m.Allows(posguard.TxnSale) {
			terms = append(terms, t)
		}
	}
	var cards []posguard.Card
	for _, c := range w.Cards {
		if (c.Status == "" || c.Status == posguard.CardActive) && c.PIN != "" && c.Balance > 1_000_000 {
			cards = append(cards, c)
		}
	}
	return terms, cards
}
