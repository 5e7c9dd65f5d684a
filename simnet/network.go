package simnet

import (
	"crypto/cipher"
	"log/slog"
	"math/rand/v2"
	"net"
	"sync"
	"time"

	"github.com/posguard/posguard"
)

// Options configure a Network. The zero value is usable.
type Options struct {
	// Seed seeds the random source of auth codes and fault draws; the same
	// seed and the same traffic give the same run. Zero is a valid seed.
	Seed uint64
	// Faults is the initial fault spec (see ParseFaults); New ignores a bad
	// spec after logging it, so check it with ParseFaults first.
	Faults string
	// Logger receives one line per connection event and injected fault
	// (default slog.Default()). It never sees a full PAN or a PIN block.
	Logger *slog.Logger
	// Now is the clock for expiry checks and fault windows (default
	// time.Now).
	Now func() time.Time
	// Calendar is the network's business calendar: the clearing date of
	// an approval (zero: UTC+8, rolling at 23:00, as the host's default).
	Calendar posguard.Calendar
	// MaxConns limits the open connections (default 256); further ones are
	// closed at once.
	MaxConns int
	// IdleTimeout closes a connection that sends nothing for that long
	// (default 0: never; the host's echoes keep a healthy link busy).
	IdleTimeout time.Duration
	// WriteTimeout bounds each answer's write (default 5s).
	WriteTimeout time.Duration
	// DuplicateWindow is how many recent requests are remembered to
	// recognise retransmissions (default 100000; the oldest are forgotten
	// first).
	DuplicateWindow int
	// DisputeRulingDelay is how long after a dispute response or an
	// arbitration the network rules (docs/disputes.md): 0 rules at once
	// (the answer carries the ruling); otherwise the answer is "pending"
	// and the ruling appears in the dispute file once the delay passed
	// (or when POST /disputes/rule asks for the rulings now).
	DisputeRulingDelay time.Duration
}

// Network is the simulated card network: its issuers' accounts, the fault
// mix and the TCP server. Create it with New; its methods are safe for
// concurrent use.
type Network struct {
	opts   Options
	log    *slog.Logger
	now    func() time.Time
	pinKey cipher.Block // nil when the zone key is missing or bad

	mu          sync.Mutex
	rng         *rand.Rand
	accounts    map[string]*account
	byOrig      map[origKey]*posting
	tombstones  map[origKey]bool
	revAnswered map[origKey]bool  // originals whose reversal was answered
	revBusy     map[origKey]int   // originals with a reversal being processed
	revConn     map[origKey]*conn // the connection of an original's latest reversal
	seen        map[dupKey]*posguard.UpstreamResponse
	seenOrder   []dupKey // ring of the keys in seen, oldest at seenNext
	seenNext    int
	rrnSeq      int64
	faults      Faults
	windows     []activeWindow
	stats       Stats
	disputes    disputeBook // raised disputes and their rulings (dispute.go)

	srv server
}

// dupKey identifies a retransmission: the same MTI class, STAN,
// transmission time and terminal.
type dupKey struct {
	class, stan, time, terminal string
}

// activeWindow is an outage or decline burst in force until a time.
type activeWindow struct {
	kind  string
	bin   string
	until time.Time
}

// New returns a network holding cards (by PAN; a repeated PAN keeps its
// first entry) with their balances and statuses, sharing zonePINKey (8, 16
// or 24 bytes) with the host for PIN verification. With a missing or bad
// key, every request carrying a PIN block is answered 96.
func New(cards []posguard.Card, zonePINKey []byte, opts Options) *Network {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxConns <= 0 {
		opts.MaxConns = 256
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = 5 * time.Second
	}
	if opts.DuplicateWindow <= 0 {
		opts.DuplicateWindow = 100000
	}
	n := &Network{
		opts:        opts,
		log:         opts.Logger,
		now:         opts.Now,
		rng:         rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9E3779B97F4A7C15)),
		accounts:    make(map[string]*account, len(cards)),
		byOrig:      make(map[origKey]*posting),
		tombstones:  make(map[origKey]bool),
		revAnswered: make(map[origKey]bool),
		revBusy:     make(map[origKey]int),
		revConn:     make(map[origKey]*conn),
		seen:        make(map[dupKey]*posguard.UpstreamResponse),
		stats:       newStats(),
	}
	n.disputes.delay = opts.DisputeRulingDelay
	if len(zonePINKey) > 0 {
		c, err := zoneCipher(zonePINKey)
		if err != nil {
			n.log.Error("simnet: zone PIN key unusable; PIN blocks will be answered 96", "err", err)
		}
		n.pinKey = c
	}
	for _, c := range cards {
		pan := c.PAN.Reveal()
		if _, dup := n.accounts[pan]; dup {
			n.log.Warn("simnet: card listed twice, keeping the first", "pan", c.PAN)
			continue
		}
		if c.Status == "" {
			c.Status = posguard.CardActive
		}
		n.accounts[pan] = &account{card: c, initial: c.Balance, balance: c.Balance}
	}
	if opts.Faults != "" {
		if err := n.SetFaults(opts.Faults); err != nil {
			n.log.Error("simnet: initial fault spec ignored", "err", err)
		}
	}
	n.srv.init()
	return n
}

// SetFaults replaces the fault mix; outage and decline burst periods start
// now. Returns EINVALID, naming the bad item, for a bad spec (the mix is
// then unchanged).
func (n *Network) SetFaults(spec string) error {
	f, err := ParseFaults(spec)
	if err != nil {
		return err
	}
	now := n.now()
	var w []activeWindow
	for _, o := range f.Outages {
		w = append(w, activeWindow{kind: FaultOutage, bin: o.BIN, until: now.Add(o.Duration)})
	}
	for _, d := range f.DeclineBursts {
		w = append(w, activeWindow{kind: FaultDeclineBurst, bin: d.BIN, until: now.Add(d.Duration)})
	}
	n.mu.Lock()
	n.faults, n.windows = f, w
	n.mu.Unlock()
	n.log.Info("simnet: faults set", "spec", f.String())
	return nil
}

// Faults returns the current fault mix.
func (n *Network) Faults() Faults {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.faults
}

// inWindow reports whether a window of kind covers pan now.
func (n *Network) inWindow(kind, pan string, now time.Time) bool {
	for _, w := range n.windows {
		if w.kind == kind && now.Before(w.until) && len(pan) >= len(w.bin) && pan[:len(w.bin)] == w.bin {
			return true
		}
	}
	return false
}

// draw reports whether an event of probability p happens. It consumes no
// randomness when p is 0, so a run without a fault stays reproducible
// when another is added with probability 0.
func (n *Network) draw(p float64) bool {
	switch {
	case p <= 0:
		return false
	case p >= 1:
		return true
	}
	return n.rng.Float64() < p
}

// latency draws the answer's delay.
func (n *Network) latency() time.Duration {
	l := n.faults.Latency
	if l.Max <= l.Min {
		return l.Min
	}
	return l.Min + time.Duration(n.rng.Int64N(int64(l.Max-l.Min)+1))
}

// action is what happens to an answer.
type action uint8

const (
	actAnswer     action = iota
	actSilent            // no answer
	actDisconnect        // close the connection instead of answering
	actGarbage           // answer with bytes that do not parse
)

// outcome is the decision for one request.
type outcome struct {
	resp  *posguard.UpstreamResponse
	act   action
	delay time.Duration
}

// process decides one request: faults before it (outage, decline burst,
// timeout without debit), the issuer's answer (or the stored answer of a
// retransmission), faults after it (timeout, lost approval, disconnect,
// garbage) and the latency. Reversals are subject only to latency,
// disconnect and outage.
func (n *Network) process(req *posguard.UpstreamRequest) outcome {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.stats.Requests++
	class := mtiClass(req.MTI)
	if class == "080" {
		r := n.baseResponse(req)
		r.Code = codeApproved
		n.stats.Answers[r.Code]++
		return outcome{resp: r}
	}
	reversal := class == "042"
	pan := requestPAN(req)
	now := n.now()
	if n.inWindow(FaultOutage, pan, now) {
		return n.fault(FaultOutage, outcome{act: actSilent})
	}
	if !reversal {
		if n.inWindow(FaultDeclineBurst, pan, now) {
			r := n.baseResponse(req)
			r.Code = codeInoperative
			n.stats.Faults[FaultDeclineBurst]++
			return n.finish(outcome{resp: r})
		}
		if n.draw(n.faults.TimeoutNoDebit) {
			return n.fault(FaultTimeoutNoDebit, outcome{act: actSilent})
		}
	}
	dk := dupKey{class, req.STAN, req.Time, req.TerminalID}
	resp := n.seen[dk]
	if resp != nil {
		n.stats.Duplicates++
		c := *resp
		resp = &c
	} else {
		resp = n.apply(req)
		n.remember(dk, resp)
	}
	out := outcome{resp: resp}
	if !reversal {
		if n.draw(n.faults.Timeout) {
			return n.fault(FaultTimeout, outcome{act: actSilent})
		}
		if resp.Code == codeApproved && n.draw(n.faults.DropAfterApprove) {
			return n.fault(FaultDropAfterApprove, outcome{act: actSilent})
		}
	}
	if n.draw(n.faults.Disconnect) {
		return n.fault(FaultDisconnect, outcome{act: actDisconnect})
	}
	if !reversal && n.draw(n.faults.Garbage) {
		out.act = actGarbage
		n.stats.Faults[FaultGarbage]++
	}
	return n.finish(out)
}

// remember stores the answer to a request for its retransmissions,
// forgetting the oldest beyond DuplicateWindow.
func (n *Network) remember(k dupKey, resp *posguard.UpstreamResponse) {
	c := *resp
	if len(n.seenOrder) < n.opts.DuplicateWindow {
		n.seenOrder = append(n.seenOrder, k)
	} else {
		delete(n.seen, n.seenOrder[n.seenNext])
		n.seenOrder[n.seenNext] = k
		n.seenNext = (n.seenNext + 1) % len(n.seenOrder)
	}
	n.seen[k] = &c
}

// fault counts an injected fault and finishes the outcome.
func (n *Network) fault(kind string, o outcome) outcome {
	n.stats.Faults[kind]++
	return n.finish(o)
}

// finish adds the latency and counts an answer that will be sent.
func (n *Network) finish(o outcome) outcome {
	if o.act != actSilent {
		o.delay = n.latency()
		if o.delay > 0 {
			n.stats.Faults[FaultLatency]++
		}
	}
	if o.act == actAnswer {
		n.stats.Answers[o.resp.Code]++
	}
	return o
}

// server is the TCP side's state.
type server struct {
	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[*conn]struct{}
	closing   bool
	inflight  sync.WaitGroup // requests being processed or answered
	readers   sync.WaitGroup // connection goroutines
}

func (s *server) init() {
	s.listeners = make(map[net.Listener]struct{})
	s.conns = make(map[*conn]struct{})
}
