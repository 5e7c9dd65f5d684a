// Package simwallet is the simulated wallet channel of spec/wallet-channel.md
// §7: every channel of a world file served over HTTP at the path of its url,
// with the world's payers and their behaviours, request checking as a real
// channel does it, signed answers, faults, an admin API and the day bill.
package simwallet

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/posguard/posguard/wallet"
)

// Options tune a Sim.
type Options struct {
	Seed   uint64           // random seed for faults and numbers
	Now    func() time.Time // the channel's clock; time.Now when nil
	Logger *slog.Logger
	// NotifySchedule is the delay before each retry of a payment
	// notification (spec §2.6: 15 s, 30 s, 1 min, 3 min, 10 min, 30 min,
	// 1 h, 2 h, 6 h, 12 h); --notify-schedule shortens it.
	NotifySchedule []time.Duration
	// NotifyClient posts notifications (a client with a 10 s timeout when nil).
	NotifyClient *http.Client
}

// Sim plays every channel of a world.
type Sim struct {
	mu       sync.Mutex
	channels []*channel
	mchIDs   map[string]bool
	payers   []*payer
	orders   map[string]*order // app_id + "/" + out_trade_no
	byCode   map[string]*order // code_url → order
	refunds  map[string]*refund
	nonces   map[string]time.Time
	// swept is when nonces older than 600 s were last dropped.
	swept    time.Time
	bill     billBook
	faults   Faults
	rnd      *rand.Rand
	seq      int64
	now      func() time.Time
	log      *slog.Logger
	stats    map[string]int
	schedule []time.Duration
	notifier *http.Client
	notices  sync.WaitGroup
	stop     chan struct{}
	stopOnce sync.Once
}

type channel struct {
	cfg  ChannelConfig
	path string
	key  wallet.Key
}

type payer struct {
	cfg      PayerConfig
	behavior string
	count    int
	balance  int64
}

type order struct {
	ch         *channel
	outTradeNo string
	mchID      string
	mode       string // MICROPAY, NATIVE; "" for a number fenced by reverse or close
	authCode   string
	amount     int64
	subject    string
	state      string
	errCode    string
	txID       string
	paidText   string // when it was paid, as the channel shows it (UTC+08:00, RFC 3339)
	payer      *payer
	pending    int // USERPAYING queries left; -1: forever
	refunded   int64
	reversed   bool // money returned by a reverse
	codeURL    string
	expiresAt  time.Time
	notifyURL  string
}

type refund struct {
	o           *order
	outRefundNo string
	refundID    string
	amount      int64
	state       string
}

type billRow struct {
	at time.Time
	wallet.BillRow
}

// New returns the simulated channels of w.
func New(w *World, o Options) (*Sim, error) {
	s := &Sim{mchIDs: map[string]bool{}, orders: map[string]*order{}, byCode: map[string]*order{},
		refunds: map[string]*refund{}, nonces: map[string]time.Time{}, stats: map[string]int{},
		rnd: rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15)), now: o.Now, log: o.Logger,
		faults: Faults{Hang: DefaultHang}}
	if s.now == nil {
		s.now = time.Now
	}
	s.schedule, s.notifier, s.stop = o.NotifySchedule, o.NotifyClient, make(chan struct{})
	if len(s.schedule) == 0 {
		s.schedule = DefaultNotifySchedule
	}
	if s.notifier == nil {
		s.notifier = &http.Client{Timeout: 10 * time.Second}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	for _, c := range w.Channels {
		u, _ := url.Parse(c.URL)
		key, err := wallet.ParseKey(c.Key)
		if err != nil {
			return nil, fmt.Errorf("channel %s: %w", c.Name, err)
		}
		s.channels = append(s.channels, &channel{cfg: c, path: strings.TrimRight(u.Path, "/"), key: key})
	}
	for _, m := range w.Merchants {
		if m.Wallet != nil && m.Wallet.MchID != "" {
			s.mchIDs[m.Wallet.MchID] = true
		}
	}
	for _, p := range w.Payers {
		b, n, err := parseBehavior(p.Behavior)
		if err != nil {
			return nil, err
		}
		s.payers = append(s.payers, &payer{cfg: p, behavior: b, count: n, balance: p.Balance})
	}
	return s, nil
}

// channelFor returns the channel whose path prefixes p, and the endpoint.
// s.channels is set by New and never changes: no lock is needed.
func (s *Sim) channelFor(p string) (*channel, string) {
	var best *channel
	for _, c := range s.channels {
		if strings.HasPrefix(p, c.path+"/") && (best == nil || len(c.path) > len(best.path)) {
			best = c
		}
	}
	if best == nil {
		return nil, ""
	}
	return best, p[len(best.path):]
}

// payerOf returns the payer of ch whose code is the longest prefix of code.
func (s *Sim) payerOf(ch *channel, code string) *payer {
	var best *payer
	for _, p := range s.payers {
		if p.cfg.Channel == ch.cfg.Name && strings.HasPrefix(code, p.cfg.Code) &&
			(best == nil || len(p.cfg.Code) > len(best.cfg.Code)) {
			best = p
		}
	}
	return best
}

// nextID returns a new channel number with prefix, of the day of the
// channel's clock.
func (s *Sim) nextID(prefix string) string { return s.nextIDAt(prefix, s.now()) }

// nextIDAt returns a new channel number with prefix, of the day of now.
func (s *Sim) nextIDAt(prefix string, now time.Time) string {
	s.seq++
	// prefix, the day (YYYYMMDD) and the sequence on at least 10 digits,
	// as fmt's "%s%s%010d" writes them, appended into one buffer.
	var b [48]byte
	out := append(b[:0], prefix...)
	out = now.AppendFormat(out, "20060102")
	var d [20]byte
	n := strconv.AppendInt(d[:0], s.seq, 10)
	for i := len(n); i < 10; i++ {
		out = append(out, '0')
	}
	return string(append(out, n...))
}

// pay takes o's amount from p at now; false when the balance does not cover it.
// The payment's number, its time and its bill row read the clock once, and
// its time is formatted once for the answers, the bill and the admin API.
func (s *Sim) pay(o *order, p *payer) bool {
	if p.balance < o.amount {
		return false
	}
	p.balance -= o.amount
	now := s.now()
	o.payer, o.state, o.txID, o.paidText = p, wallet.StateSuccess, s.nextIDAt("T", now), channelTime(now)
	s.addBillAt(now, o.paidText, o, wallet.BillPay, o.amount, nil)
	return true
}

// channelTime is t as the channel shows times: RFC 3339 in UTC+08:00.
func channelTime(t time.Time) string { return t.In(cst).Format(time.RFC3339) }

// addBill records one money movement for the day bill, now.
func (s *Sim) addBill(o *order, typ string, amount int64, r *refund) {
	now := s.now()
	s.addBillAt(now, channelTime(now), o, typ, amount, r)
}

// addBillAt records one money movement at now (shown as text).
func (s *Sim) addBillAt(now time.Time, text string, o *order, typ string, amount int64, r *refund) {
	row := billRow{at: now, BillRow: wallet.BillRow{TradeTime: text,
		AppID: o.ch.cfg.AppID, MchID: o.mchID, OutTradeNo: o.outTradeNo, TransactionID: o.txID,
		TradeType: o.mode, Type: typ, Amount: amount}}
	if r != nil {
		row.OutRefundNo, row.RefundID = r.outRefundNo, r.refundID
	}
	s.bill.add(row)
}

// cst is UTC+08:00, the zone of bills and times the channel shows.
var cst = time.FixedZone("CST", 8*3600)

// BillRows returns the bill of one sub-merchant of one channel for date.
func (s *Sim) billFor(appID, mchID string, day time.Time) []wallet.BillRow {
	end := day.AddDate(0, 0, 1)
	var rows []wallet.BillRow
	s.bill.each(func(r *billRow) bool {
		if r.AppID == appID && r.MchID == mchID && !r.at.Before(day) && r.at.Before(end) {
			rows = append(rows, r.BillRow)
		}
		return true
	})
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].TradeTime < rows[j].TradeTime })
	return rows
}
