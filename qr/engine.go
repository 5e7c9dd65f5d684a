package qr

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/wallet"
)

// Defaults of the serve flags (spec §6) and the queues.
const (
	DefaultQueryEvery  = 5 * time.Second
	DefaultPayDeadline = 30 * time.Second
	DefaultWait        = 8 * time.Second
	// Reversals, closes and refunds are retried after 2 s, 4 s, 8 s, … at
	// most 60 s apart (spec §3.3).
	retryBase = 2 * time.Second
	retryMax  = 60 * time.Second
)

// DefaultNotifySchedule is the delay before each retry of a merchant
// notification (spec §4.5); after the last, every hour.
var DefaultNotifySchedule = []time.Duration{5 * time.Second, 15 * time.Second, 30 * time.Second, time.Minute,
	2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 30 * time.Minute, time.Hour}

// Store is what the engine keeps and reads.
type Store interface {
	posguard.QRStore
}

// CaseOpener opens a case for a QR order that needs a person.
type CaseOpener interface {
	OpenQRCase(ctx context.Context, o *posguard.QROrder, reason, title string) error
}

// Engine runs QR orders. Set the fields, call Start, then use it from the
// API and run Run in the background.
type Engine struct {
	Store     Store
	Merchants posguard.MerchantStore
	Terminals posguard.TerminalStore // may be nil: terminal_id is not checked
	Settings  posguard.SettingStore
	Cases     CaseOpener // may be nil
	// QueryEvery (5 s), PayDeadline (30 s), Wait (8 s), WalletTimeout
	// (10 s): the serve flags of the same names.
	QueryEvery, PayDeadline, Wait, WalletTimeout time.Duration
	// PublicURL is where the channels reach posguard's notification
	// endpoint (/v1/qr/notify/{channel} is appended).
	PublicURL string
	// MaxAttempts of a reversal or close after which a case is opened;
	// retries go on (5).
	MaxAttempts int
	// NotifySchedule overrides DefaultNotifySchedule (tests).
	NotifySchedule []time.Duration
	// NotifyCaseAfter (24 h) and NotifyGiveUpAfter (7 days) bound merchant
	// notification retries.
	NotifyCaseAfter, NotifyGiveUpAfter time.Duration
	// HTTP calls the channels and the merchants (a default client when nil).
	HTTP   *http.Client
	Logger *slog.Logger
	Now    func() time.Time

	// Observer, when set, is told each order and refund that becomes final
	// and each notification attempt (metrics, failure analytics).
	Observer Observer

	channels []wallet.Channel
	clients  map[string]*wallet.Client
	prefix   string // 6 characters of this store, in every out_trade_no

	mu      sync.Mutex
	watch   map[int64]chan struct{}
	wakeOrd chan struct{}
	wakeRef chan struct{}
	wakeNot chan struct{}

	lookups lookups // merchants and wallets read at a cache version
}

// SettingTradePrefix holds the store's number prefix, so that numbers
// stay unique at the channel across databases.
const SettingTradePrefix = "qr.trade_prefix"

// Start reads the channels and the number prefix from the store and sets
// defaults. Channels seeded later need a restart.
func (e *Engine) Start(ctx context.Context) error {
	if e.QueryEvery <= 0 {
		e.QueryEvery = DefaultQueryEvery
	}
	if e.PayDeadline <= 0 {
		e.PayDeadline = DefaultPayDeadline
	}
	if e.Wait <= 0 {
		e.Wait = DefaultWait
	}
	if e.WalletTimeout <= 0 {
		e.WalletTimeout = wallet.DefaultTimeout
	}
	if e.MaxAttempts <= 0 {
		e.MaxAttempts = 5
	}
	if len(e.NotifySchedule) == 0 {
		e.NotifySchedule = DefaultNotifySchedule
	}
	if e.NotifyCaseAfter <= 0 {
		e.NotifyCaseAfter = 24 * time.Hour
	}
	if e.NotifyGiveUpAfter <= 0 {
		e.NotifyGiveUpAfter = 7 * 24 * time.Hour
	}
	if e.HTTP == nil {
		// Connections to the channels (and the merchants) are kept and
		// reused: many orders at once would otherwise open a connection
		// each (the default keeps 2 idle per host). Plain-HTTP calls
		// without a proxy go through wallet.Transport, on the caller's
		// goroutine; the rest through net/http's Transport.
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConns, t.MaxIdleConnsPerHost = 1024, 256
		e.HTTP = &http.Client{Transport: &wallet.Transport{Fallback: t, Proxy: t.Proxy, MaxIdlePerHost: 256}}
	}
	if e.Logger == nil {
		e.Logger = slog.New(slog.DiscardHandler)
	}
	if e.Now == nil {
		e.Now = time.Now
	}
	e.watch = map[int64]chan struct{}{}
	e.wakeOrd, e.wakeRef, e.wakeNot = make(chan struct{}, 1), make(chan struct{}, 1), make(chan struct{}, 1)
	chs, err := e.Store.WalletChannels(ctx)
	if err != nil {
		return err
	}
	e.clients = map[string]*wallet.Client{}
	e.channels = nil
	for _, c := range chs {
		ch := wallet.Channel{Name: c.Name, Kind: wallet.Kind(c.Kind), URL: c.URL, AppID: c.AppID, Key: wallet.Key(c.Key)}
		e.channels = append(e.channels, ch)
		e.clients[c.Name] = &wallet.Client{Channel: ch, HTTP: e.HTTP, Timeout: e.WalletTimeout, Now: e.Now}
	}
	p, err := e.Settings.Setting(ctx, SettingTradePrefix)
	if posguard.ErrorCode(err) == posguard.ENOTFOUND {
		p = []byte(randomPrefix())
		err = e.Settings.PutSetting(ctx, SettingTradePrefix, p, false)
	}
	if err != nil {
		return err
	}
	e.prefix = string(p)
	return nil
}

// randomPrefix returns 6 characters [0-9A-Z].
func randomPrefix() string {
	const abc = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	var b [6]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = abc[int(b[i])%len(abc)]
	}
	return string(b[:])
}

// Channels returns the configured channels in order.
func (e *Engine) Channels() []wallet.Channel { return e.channels }

// channel returns the configured channel called name.
func (e *Engine) channel(name string) (wallet.Channel, *wallet.Client, bool) {
	for _, c := range e.channels {
		if c.Name == name {
			return c, e.clients[name], true
		}
	}
	return wallet.Channel{}, nil, false
}

// firstOfKind returns the first configured channel of kind.
func (e *Engine) firstOfKind(k wallet.Kind) (wallet.Channel, bool) {
	for _, c := range e.channels {
		if c.Kind == k {
			return c, true
		}
	}
	return wallet.Channel{}, false
}

// notifyURL is the channel's notification URL for posguard.
func (e *Engine) notifyURL(channel string) string {
	return strings.TrimRight(e.PublicURL, "/") + "/v1/qr/notify/" + channel
}

// changed wakes whoever waits on order id.
func (e *Engine) changed(id int64) {
	e.mu.Lock()
	if ch, ok := e.watch[id]; ok {
		close(ch)
		delete(e.watch, id)
	}
	e.mu.Unlock()
}

// watchOrder returns a channel closed at the next change of order id.
func (e *Engine) watchOrder(id int64) <-chan struct{} {
	e.mu.Lock()
	defer e.mu.Unlock()
	ch, ok := e.watch[id]
	if !ok {
		ch = make(chan struct{})
		e.watch[id] = ch
	}
	return ch
}

// WaitFinal waits up to d for order id to leave paying (or, for a native
// order, to have a code_url when codeURL is set) and returns it as it is
// then.
func (e *Engine) WaitFinal(ctx context.Context, id int64, d time.Duration, codeURL bool) (*posguard.QROrder, error) {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		ch := e.watchOrder(id)
		o, err := e.Store.QROrder(ctx, id)
		if err != nil {
			return nil, err
		}
		if o.State.Final() || (codeURL && o.CodeURL != "") {
			return o, nil
		}
		select {
		case <-ch:
		case <-deadline.C:
			return o, nil
		case <-ctx.Done():
			return o, nil
		}
	}
}

// WaitRefund waits up to d for refund id to leave processing.
func (e *Engine) WaitRefund(ctx context.Context, r *posguard.QRRefund, d time.Duration) (*posguard.QRRefund, error) {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		ch := e.watchOrder(r.OrderID)
		got, err := e.Store.QRRefund(ctx, r.ID)
		if err != nil {
			return nil, err
		}
		if got.State != posguard.QRRefundProcessing {
			return got, nil
		}
		select {
		case <-ch:
		case <-deadline.C:
			return got, nil
		case <-ctx.Done():
			return got, nil
		}
	}
}

func wake(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// update applies u and wakes the waiters of the order, and the
// notification queue when the order has somewhere to be notified (the
// store queues nothing for an order without a notify_url: a wake would
// only read the queue for nothing).
func (e *Engine) update(ctx context.Context, u posguard.QROrderUpdate) (*posguard.QROrder, error) {
	o, err := e.Store.UpdateQROrder(ctx, u)
	if err == nil {
		e.observeOrder(o, &u)
		e.changed(o.ID)
		if u.Notify && o.NotifyURL != "" {
			wake(e.wakeNot)
		}
		if u.Task != nil && *u.Task != posguard.QRTaskNone {
			wake(e.wakeOrd)
		}
	}
	return o, err
}

// openCase opens a case for o once (the order remembers it).
func (e *Engine) openCase(ctx context.Context, o *posguard.QROrder, reason, title string) {
	if e.Cases == nil {
		return
	}
	if err := e.Cases.OpenQRCase(ctx, o, reason, title); err != nil {
		e.Logger.Error("qr: open case", "order", o.ID, "err", err)
	}
}

func ptr[T any](v T) *T { return &v }
