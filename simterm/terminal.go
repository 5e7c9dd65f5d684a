package simterm

import (
	"bufio"
	"context"
	"encoding/hex"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/posguard/posguard"
)

// Terminal is one simulated POS terminal speaking the terminal profile over
// one TCP connection. Its methods may be called from several goroutines;
// they are serialized, as a real terminal does one thing at a time.
type Terminal struct {
	ID         string // field 41
	MerchantID string // field 42
	TMK        []byte // terminal master key
	Scheme     string // key scheme: 001, 003 or 004
	MACAlg     string // cups-ecb or x919

	cfg   Config
	addrs []string // the host's addresses: the first is tried first
	cur   int      // the address of the current (or last) connection
	log   *slog.Logger
	tpdu  [5]byte
	hdr   [6]byte

	mu       sync.Mutex // serializes operations
	conn     net.Conn
	br       *bufio.Reader
	rbuf     []byte
	stan     int
	keys     posguard.WorkingKeys
	signedOn bool
	resign   bool // the host asked for a new sign-on (77 + requirement 3, A0)
	book     book
	pending  *pendingReversal
	stats    counters
}

// counters are what a terminal counts about itself.
type counters struct {
	reversalsSent   int // 0400s sent
	reversalsAcked  int // 0400s answered 00
	reversalsGaveUp int // records dropped after MaxReversalTries
	macFailures     int // answers whose MAC failed
	signOns         int // sign-ons answered 00
}

// Dial connects a terminal to the host at addr. It does not sign on. A
// Config error gives EINVALID, a connection failure EUNAVAILABLE.
func Dial(ctx context.Context, addr string, c Config) (*Terminal, error) {
	t, err := newTerminal(addr, c)
	if err != nil {
		return nil, err
	}
	if err := t.connect(ctx); err != nil {
		return nil, err
	}
	return t, nil
}

// newTerminal checks c and returns an unconnected terminal.
func newTerminal(addr string, c Config) (*Terminal, error) {
	c = c.withDefaults()
	if err := c.validate(); err != nil {
		return nil, err
	}
	t := &Terminal{
		ID:         c.ID,
		MerchantID: c.MerchantID,
		TMK:        append([]byte(nil), c.TMK...),
		Scheme:     c.Scheme,
		MACAlg:     c.MACAlg,
		cfg:        c,
		addrs:      splitAddrs(addr),
		log:        c.Logger.With("tid", c.ID),
		stan:       c.STAN,
		book:       book{batch: c.Batch},
	}
	tp, _ := hex.DecodeString(c.TPDU)
	copy(t.tpdu[:], tp)
	h, _ := hex.DecodeString(c.Header)
	copy(t.hdr[:], h)
	return t, nil
}

// splitAddrs reads "host:port[,host:port…]".
func splitAddrs(addr string) []string {
	var out []string
	for _, a := range strings.Split(addr, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		out = []string{addr}
	}
	return out
}

// connect opens the TCP connection: to the current address, or when it
// does not answer, to the next ones in turn (several host instances behind
// one terminal, as a load balancer would spread them).
func (t *Terminal) connect(ctx context.Context) error {
	var d net.Dialer
	var err error
	for k := range t.addrs {
		i := (t.cur + k) % len(t.addrs)
		var conn net.Conn
		if conn, err = d.DialContext(ctx, "tcp", t.addrs[i]); err == nil {
			t.cur = i
			t.conn = conn
			t.br = bufio.NewReader(conn)
			return nil
		}
		if ctx.Err() != nil {
			break
		}
	}
	return posguard.WrapError(posguard.EUNAVAILABLE, err, "simterm: terminal %s: dial %s", t.ID, strings.Join(t.addrs, ","))
}

// dropConn closes the connection after an I/O error; the next exchange
// dials again.
func (t *Terminal) dropConn() {
	if t.conn != nil {
		t.conn.Close()
		t.conn = nil
		t.br = nil
		// With several host addresses, the next connection goes to
		// another instance.
		t.cur = (t.cur + 1) % len(t.addrs)
	}
}

// Close closes the connection. A pending reversal record is kept in memory
// only and is lost with the Terminal.
func (t *Terminal) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.conn == nil {
		return nil
	}
	err := t.conn.Close()
	t.conn = nil
	return err
}

// Batch returns the batch the terminal has open.
func (t *Terminal) Batch() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.book.batch
}

// STAN returns the last STAN the terminal used (0 before the first message).
func (t *Terminal) STAN() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.stan
}

// SignedOn reports whether the terminal holds working keys from a sign-on
// and the host has not asked for a new one.
func (t *Terminal) SignedOn() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.signedOn && !t.resign
}

// Totals returns the settlement totals of the open batch, from the
// terminal's own records.
func (t *Terminal) Totals() posguard.BatchTotals {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.book.totals()
}

// Records returns a copy of the open batch's records.
func (t *Terminal) Records() []Record {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Record(nil), t.book.records...)
}

// PendingReversal returns the terminal's reversal record, if it has one.
func (t *Terminal) PendingReversal() (PendingReversal, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.pending == nil {
		return PendingReversal{}, false
	}
	return t.pending.describe(), true
}

// takeSTAN advances the STAN counter and returns the new STAN as 6 digits.
func (t *Terminal) takeSTAN() string {
	t.stan = nextSTAN(t.stan)
	return stan6(t.stan)
}

func stan6(n int) string {
	const digits = "0123456789"
	b := []byte("000000")
	for i := 5; i >= 0; i-- {
		b[i] = digits[n%10]
		n /= 10
	}
	return string(b)
}

// deadline returns when the answer to a request sent now must have come.
func (t *Terminal) deadline(ctx context.Context) time.Time {
	d := time.Now().Add(t.cfg.Timeout)
	if cd, ok := ctx.Deadline(); ok && cd.Before(d) {
		d = cd
	}
	return d
}

// takeCounters returns the counters gathered since the last call and
// resets them.
func (t *Terminal) takeCounters() counters {
	t.mu.Lock()
	defer t.mu.Unlock()
	c := t.stats
	t.stats = counters{}
	return c
}
