package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	nethttp "net/http"
	"runtime/pprof"
	"strconv"
	"sync"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/posguard/posguard"
	"github.com/posguard/posguard/access"
	"github.com/posguard/posguard/flatjson"
	"github.com/posguard/posguard/simwallet"
	"github.com/posguard/posguard/wallet"
)

// QR orders. The QR bench runs the same host as the card bench, with its
// HTTP API served, and the simulated wallet channel (simwallet) as a real
// HTTP server in this process: clients, each a merchant's system with its
// own keep-alive connection, post micropay orders (被扫) to
// POST /v1/qr/orders with a merchant user's token, over real HTTP; every
// payment code belongs to a payer who pays at once. Each order is what
// `posguard serve` does for it: authentication, the audit record, the
// order journaled before the channel is called, the signed /pay/micropay
// over HTTP, the signed answer verified, the outcome committed, the answer
// rendered; the ledger poster posts the succeeded orders meanwhile.
//
// The channel shares the machine's cores, so a second run, the "channel
// alone", drives simwallet directly with the same number of clients, each
// a signing wallet.Client calling /pay/micropay: its CPU per call is what
// the simulated channel (with the signing on both sides) costs in the
// first run, which the report gives separately.

// Bench QR constants: public test keys.
const (
	// QRChannelKey is the bench channel's HMAC key.
	QRChannelKey = "5a5b5c5d5e5f60616263646566676869" + "6a6b6c6d6e6f70717273747576777879"
	qrAppID      = "wxbench0000000001"
	qrMchID      = "1900009999"
	// qrPayerPrefix starts every payment code of the bench (WeChat-like:
	// 18 digits starting 10-15).
	qrPayerPrefix = "13"
)

// QRConfig is a QR bench run.
type QRConfig struct {
	// DB is the in-process host's store (see HostConfig.DB).
	DB string
	// Clients is the number of concurrent merchant systems.
	Clients int
	// Warmup runs before the measured Duration.
	Warmup, Duration time.Duration
	// NoGroupCommit and CommitWindow: see Config.
	NoGroupCommit bool
	CommitWindow  time.Duration
	// NoChannel skips the channel-alone run.
	NoChannel bool
	// Rate is the open-loop rate in orders per second over all clients
	// (send times scheduled in advance, as the card bench's); 0: closed
	// loop. Clients bounds the orders in flight.
	Rate float64
	// Sweep, when set, runs a capacity sweep from Rate (capacity.go)
	// instead of one run; no channel-alone run follows.
	Sweep *Sweep
}

// QRResult is a QR bench run's outcome.
type QRResult struct {
	Machine            Machine `json:"machine"`
	Store              string  `json:"store"`
	GroupCommit        bool    `json:"group_commit"`
	CommitWindowMicros int64   `json:"commit_window_us"`
	// Posguard is the orders through posguard's API (a sweep's last
	// step); Codes counts the orders by their state in the answer
	// ("succeeded"; "http NNN" or "error" when there was none).
	Posguard *Report `json:"posguard"`
	// Capacity is the capacity sweep's outcome (QRConfig.Sweep).
	Capacity *Capacity `json:"capacity,omitempty"`
	// Channel is the channel alone: signed /pay/micropay calls straight
	// to simwallet (Codes: "SUCCESS" or the err_code).
	Channel *Report `json:"channel,omitempty"`
}

// qrWorld is the bench world with one wallet channel at channelURL, the
// merchant's wallet, and (for simwallet) one payer who pays every code.
func qrWorld(channelURL string) (*simwallet.World, error) {
	w, err := simwallet.ParseWorld([]byte(fmt.Sprintf(`
wallet_channels:
  - { name: "wx", kind: wechat, url: %q, app_id: %q, key: %q }
merchants:
  - { id: %q, wallet: { mch_id: %q } }
payers:
  - { code: %q, channel: "wx", balance: 1000000000000000, behavior: ok }
`, channelURL, qrAppID, QRChannelKey, MerchantID, qrMchID, qrPayerPrefix)))
	return w, err
}

// RunQR starts simwallet and the in-process host with its API, creates a
// merchant user and token, drives QR orders, then the channel alone.
func RunQR(ctx context.Context, cfg QRConfig) (*QRResult, error) {
	if cfg.Clients <= 0 || cfg.Duration <= 0 {
		return nil, posguard.Errorf(posguard.EINVALID, "bench: need clients > 0 and a duration")
	}
	res := &QRResult{Machine: ThisMachine(), Store: storeName(cfg.DB), GroupCommit: !cfg.NoGroupCommit,
		CommitWindowMicros: cfg.CommitWindow.Microseconds()}

	// The channel, on a loopback port of its own.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	channelURL := "http://" + ln.Addr().String() + "/wx"
	sw, err := qrWorld(channelURL)
	if err != nil {
		ln.Close()
		return nil, err
	}
	sim, err := simwallet.New(sw, simwallet.Options{Seed: 1})
	if err != nil {
		ln.Close()
		return nil, err
	}
	defer sim.Close()
	srv := &nethttp.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	go pprof.Do(context.Background(), pprof.Labels(PartLabel, "simwallet"), func(context.Context) { _ = srv.Serve(ln) })
	defer srv.Close()

	key, err := wallet.ParseKey(QRChannelKey)
	if err != nil {
		return nil, err
	}
	w := World(1, 1)
	w.WalletChannels = []posguard.WalletChannel{{Name: "wx", Kind: "wechat", URL: channelURL, AppID: qrAppID, Key: key}}
	w.Wallets = []posguard.MerchantWallet{{MerchantID: MerchantID, MchID: qrMchID, NotifyKey: key}}
	var h *Host
	pprof.Do(ctx, pprof.Labels(PartLabel, "host"), func(ctx context.Context) {
		h, err = StartHost(ctx, HostConfig{DB: cfg.DB, World: w, GroupCommit: !cfg.NoGroupCommit, CommitWindow: cfg.CommitWindow, API: true})
	})
	if err != nil {
		return nil, err
	}
	defer h.Close()
	ph, err := access.HashPassword(wallet.NewNonce())
	if err != nil {
		return nil, err
	}
	u := &posguard.User{Name: "bench-erp", Role: posguard.RoleMerchant, MerchantID: MerchantID, PasswordHash: ph}
	if err := h.Posguard.Auth.Store.CreateUser(ctx, u); err != nil {
		return nil, err
	}
	token, _, err := h.Posguard.Auth.IssueToken(ctx, u, posguard.TokenAPI, 24*time.Hour, "bench")
	if err != nil {
		return nil, err
	}

	tr := &nethttp.Transport{MaxIdleConns: cfg.Clients * 2, MaxIdleConnsPerHost: cfg.Clients * 2, IdleConnTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	hc := &nethttp.Client{Transport: tr, Timeout: 30 * time.Second}
	merchants := make([]*merchantConn, cfg.Clients)
	for i := range merchants {
		merchants[i] = newMerchantConn(h.APIAddr, "/v1/qr/orders", token, 30*time.Second)
		defer merchants[i].close()
	}
	order := func(ctx context.Context, client, seq int) string {
		return postOrder(ctx, merchants[client], client, seq)
	}
	if cfg.Sweep != nil {
		// Each step's orders get numbers of their own (out_order_no
		// repeats would be answered from the journal, not paid again).
		var base int
		res.Capacity, err = cfg.Sweep.run(ctx, cfg.Rate, func(ctx context.Context, rate float64) (*Report, error) {
			step := cfg
			step.Rate = rate
			first := base
			r, err := loadQR(ctx, "posguard", step, func(ctx context.Context, client, seq int) string {
				return order(ctx, client, first+seq)
			})
			base += 1 << 24
			return r, err
		})
		if err != nil {
			return nil, err
		}
		res.Posguard = res.Capacity.Steps[len(res.Capacity.Steps)-1]
		return res, nil
	}
	res.Posguard, err = loadQR(ctx, "posguard", cfg, order)
	if err != nil {
		return nil, err
	}
	if cfg.NoChannel {
		return res, nil
	}
	wc := &wallet.Client{Channel: wallet.Channel{Name: "wx", Kind: wallet.KindWeChat, URL: channelURL, AppID: qrAppID, Key: key}, HTTP: hc}
	res.Channel, err = loadQR(ctx, "channel", cfg, func(ctx context.Context, client, seq int) string {
		a, err := wc.Micropay(ctx, wallet.MicropayRequest{MchID: qrMchID, OutTradeNo: fmt.Sprintf("CH%03d%09d", client, seq),
			AuthCode: wallet.AuthCode(payCode(client+500, seq)), Amount: int64(100 + seq%900), Subject: "bench"})
		switch {
		case err != nil:
			return "error"
		case a.OK():
			return wallet.CodeSuccess
		}
		return a.Code()
	})
	return res, err
}

// payCode is a unique 18-digit payment code of the bench payer.
func payCode(client, seq int) string {
	var b [24]byte
	return string(appendPayCode(b[:0], client, seq))
}

// appendPayCode appends payCode(client, seq) to b: what fmt's
// "%s%04d%012d" of the payer prefix, client and seq writes (for client and
// seq not negative), without fmt.
func appendPayCode(b []byte, client, seq int) []byte {
	b = append(b, qrPayerPrefix...)
	b = appendZeroPadded(b, client, 4)
	return appendZeroPadded(b, seq, 12)
}

// appendZeroPadded appends n (not negative) in decimal, with zeros in front
// up to width digits.
func appendZeroPadded(b []byte, n, width int) []byte {
	var d [20]byte
	digits := strconv.AppendInt(d[:0], int64(n), 10)
	for i := len(digits); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, digits...)
}

// orderAnswer is what the bench reads of an order answer.
type orderAnswer struct {
	State string `json:"state"`
}

// postOrder creates one micropay order and returns its state ("http NNN"
// or "error" when there is no order in the answer).
func postOrder(ctx context.Context, mc *merchantConn, client, seq int) string {
	body := make([]byte, 0, 96)
	body = append(body, `{"out_order_no":"B`...)
	body = strconv.AppendInt(body, int64(client), 10)
	body = append(body, '-')
	body = strconv.AppendInt(body, int64(seq), 10)
	body = append(body, `","amount":`...)
	body = strconv.AppendInt(body, int64(100+seq%900), 10)
	body = append(body, `,"auth_code":"`...)
	body = appendPayCode(body, client, seq)
	body = append(body, `"}`...)
	status, b, err := mc.post(ctx, body)
	if err != nil {
		return "error"
	}
	if status != nethttp.StatusCreated && status != nethttp.StatusOK {
		return "http " + strconv.Itoa(status)
	}
	var a orderAnswer
	if !a.decodeFlat(b) && json.Unmarshal(b, &a) != nil || a.State == "" {
		return "error"
	}
	return a.State
}

// decodeFlat reads a's state from b, one flat JSON object (a new order's
// answer: its lists empty, no explanation), exactly as json.Unmarshal
// would; false, a left as it was, for anything else.
func (a *orderAnswer) decodeFlat(b []byte) bool {
	v := *a
	s := flatjson.NewScanner(b)
	for s.Next() {
		if string(s.Key()) == "state" {
			var ok bool
			if v.State, ok = s.String(); !ok {
				return false
			}
		} // other keys are skipped, as encoding/json skips them
	}
	if !s.Done() {
		return false
	}
	*a = v
	return true
}

// loadQR runs do from cfg.Clients goroutines for Warmup + Duration and
// reports the calls due in the measured Duration (as Load does for
// terminals): in closed loop each client sends its next call when the last
// is answered; in open loop (cfg.Rate) the clients take the send times of
// one schedule, and a call's latency runs from the time it was due, so a
// backlog shows. do returns the outcome to count.
func loadQR(ctx context.Context, target string, cfg QRConfig, do func(ctx context.Context, client, seq int) string) (*Report, error) {
	r := &Report{Target: target, Mode: "closed", Terminals: cfg.Clients, Unit: "clients", Codes: map[string]int{},
		hist: newHistogram(), hist00: newHistogram()}
	t0 := time.Now()
	from := t0.Add(cfg.Warmup)
	to := from.Add(cfg.Duration)
	cpuSince := cpuFrom(ctx, from, nil)
	var sched chan time.Time
	if cfg.Rate > 0 {
		r.Mode, r.Rate = "open", cfg.Rate
		sched = make(chan time.Time, 1<<16)
		go schedule(ctx, sched, t0, to, cfg.Rate)
	}
	type tally struct {
		hist, hist00 *hdrhistogram.Histogram
		codes        map[string]int
		last         time.Time
	}
	tallies := make([]*tally, cfg.Clients)
	var wg sync.WaitGroup
	for i := range tallies {
		t := &tally{hist: newHistogram(), hist00: newHistogram(), codes: map[string]int{}}
		tallies[i] = t
		wg.Add(1)
		go pprof.Do(ctx, pprof.Labels(PartLabel, "load"), func(ctx context.Context) {
			defer wg.Done()
			for seq := 1; ctx.Err() == nil; seq++ {
				start, ok := nextDue(sched, to)
				if !ok {
					return
				}
				code := do(ctx, i, seq)
				if start.Before(from) || !start.Before(to) {
					continue
				}
				now := time.Now()
				t.last = now
				us := max(now.Sub(start).Microseconds(), 1)
				_ = t.hist.RecordValue(us)
				if code == "succeeded" || code == wallet.CodeSuccess {
					_ = t.hist00.RecordValue(us)
				}
				t.codes[code]++
			}
		})
	}
	wg.Wait()
	cpu, _, _ := cpuSince()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	last := to
	for _, t := range tallies {
		r.add(t.hist, t.hist00, t.codes)
		if t.last.After(last) {
			last = t.last
		}
	}
	r.finish(last.Sub(from), cpu)
	ok := r.Codes["succeeded"] + r.Codes[wallet.CodeSuccess]
	r.Approved = float64(ok) / r.Seconds
	return r, nil
}

// Print writes the result for people.
func (r *QRResult) Print(w io.Writer) {
	fmt.Fprintf(w, "machine: %d CPUs, %s, %s %s\n", r.Machine.CPUs, r.Machine.Model, r.Machine.GoVersion, r.Machine.OS)
	gc := "on"
	if r.CommitWindowMicros > 0 {
		gc = fmt.Sprintf("on, window %v", time.Duration(r.CommitWindowMicros)*time.Microsecond)
	}
	if !r.GroupCommit {
		gc = "off"
	}
	fmt.Fprintf(w, "QR micropay orders over the HTTP API; store: %s, group commit %s; simwallet in this process over loopback HTTP\n", r.Store, gc)
	if r.Capacity != nil {
		r.Capacity.Print(w)
		return
	}
	r.Posguard.Print(w)
	if r.Channel != nil {
		r.Channel.Print(w)
		if r.Channel.CPUPerTxnMicros > 0 {
			fmt.Fprintf(w, "CPU per order less the channel alone's per call: %.0fµs (posguard, its API client and the HTTP to the channel)\n",
				r.Posguard.CPUPerTxnMicros-r.Channel.CPUPerTxnMicros)
		}
	}
}
