package analytics

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/posguard/posguard"
)

// Detector compares each key's recent failure rate with its own baseline
// and opens an incident when it jumps; it closes the incident when the rate
// recovers. The measures:
//
//	issuer BIN   share of 91/96/98 answers             → issuer_unavailable
//	terminal     terminal reversals (0400) per request  → terminal_network
//	firmware     failure share against the other        → firmware
//	             firmware versions of the same model
//	channel      share of QR orders the wallet channel  → wallet_channel_unavailable
//	             did not answer usably (analytics/qr.go)
//
// A key opens an incident when, over Recent, it has at least MinVolume
// requests, its rate is at least MinRate, at least Factor times its
// baseline (the Baseline before Recent) and MinJump above it. It closes when
// the recent rate is back under the larger of CloseRate and 1.5 × the
// baseline it had when it opened (with at least CloseVolume requests), or
// after Quiet without traffic. Zero fields take the defaults shown.
type Detector struct {
	Store posguard.IncidentStore
	Now   func() time.Time
	// Bucket is the width of the in-memory counting buckets. Default 10 s.
	Bucket time.Duration
	// Recent is the window judged. Default 1 minute.
	Recent time.Duration
	// Baseline is the window before Recent a key is compared with.
	// Default 1 hour.
	Baseline time.Duration
	// MinVolume is the fewest requests in Recent that can open an
	// incident. Default 10.
	MinVolume int64
	// MinRate, Factor and MinJump are the opening thresholds. Defaults
	// 0.3, 3 and 0.2.
	MinRate, Factor, MinJump float64
	// CloseRate, CloseVolume and Quiet govern closing. Defaults 0.1, 5 and
	// 15 minutes.
	CloseRate   float64
	CloseVolume int64
	Quiet       time.Duration
	Logger      *slog.Logger

	mu     sync.Mutex
	series map[seriesKey]*series
	open   map[seriesKey]*posguard.Incident
	loaded bool
}

type seriesKey struct {
	d   posguard.Dimension
	key string
}

type bucket struct {
	at int64 // unix seconds of the bucket start
	c  posguard.Counts
}

// series is one key's recent buckets and the merchants it failed for.
type series struct {
	buckets   []bucket
	merchants map[string]time.Time
	last      time.Time
	// binRev (terminal series) is the terminal's reversals per card BIN
	// and bucket: those of a BIN whose issuer is unavailable are the
	// issuer's outage, not the terminal's network.
	binRev map[string]map[int64]int64
}

func (d *Detector) defaults() {
	if d.Bucket <= 0 {
		d.Bucket = 10 * time.Second
	}
	if d.Recent <= 0 {
		d.Recent = time.Minute
	}
	if d.Baseline <= 0 {
		d.Baseline = time.Hour
	}
	if d.MinVolume <= 0 {
		d.MinVolume = 10
	}
	if d.MinRate <= 0 {
		d.MinRate = 0.3
	}
	if d.Factor <= 0 {
		d.Factor = 3
	}
	if d.MinJump <= 0 {
		d.MinJump = 0.2
	}
	if d.CloseRate <= 0 {
		d.CloseRate = 0.1
	}
	if d.CloseVolume <= 0 {
		d.CloseVolume = 5
	}
	if d.Quiet <= 0 {
		d.Quiet = 15 * time.Minute
	}
	if d.series == nil {
		d.series = map[seriesKey]*series{}
		d.open = map[seriesKey]*posguard.Incident{}
	}
}

func (d *Detector) now() time.Time {
	if d.Now != nil {
		return d.Now().UTC()
	}
	return time.Now().UTC()
}

// watched are the dimensions the detector keeps series for.
var watched = []posguard.Dimension{posguard.DimIssuerBIN, posguard.DimTerminal, posguard.DimFirmware, posguard.DimChannel}

// Observe counts c for the keys of one answer at `at`.
func (d *Detector) Observe(keys map[posguard.Dimension]string, c posguard.Counts, at time.Time) {
	var k dimKeys
	for dim, v := range keys {
		k.set(dim, v)
	}
	d.observe(&k, c, at)
}

// observe is Observe with the series in a struct (the aggregator's, which
// builds no map per answer).
func (d *Detector) observe(keys *dimKeys, c posguard.Counts, at time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.defaults()
	b := at.Truncate(d.Bucket).Unix()
	merchant := keys.merchant
	for _, dim := range watched {
		k := keys.get(dim)
		if k == "" {
			continue
		}
		sk := seriesKey{dim, k}
		s := d.series[sk]
		if s == nil {
			s = &series{merchants: map[string]time.Time{}}
			d.series[sk] = s
		}
		if n := len(s.buckets); n > 0 && s.buckets[n-1].at == b {
			s.buckets[n-1].c.Add(c)
		} else {
			s.buckets = append(s.buckets, bucket{at: b, c: c})
		}
		s.last = at
		if bin := keys.bin; dim == posguard.DimTerminal && c.Reversals > 0 && bin != "" {
			if s.binRev == nil {
				s.binRev = map[string]map[int64]int64{}
			}
			if s.binRev[bin] == nil {
				s.binRev[bin] = map[int64]int64{}
			}
			s.binRev[bin][b] += c.Reversals
		}
		if merchant != "" && (c.Failed > 0 || c.Reversals > 0) {
			s.merchants[merchant] = at
		}
	}
}

// sum adds the buckets of s in [from, to).
func (s *series) sum(from, to time.Time) posguard.Counts {
	var c posguard.Counts
	f, t := from.Unix(), to.Unix()
	for _, b := range s.buckets {
		if b.at >= f && b.at < t {
			c.Add(b.c)
		}
	}
	return c
}

// prune drops buckets and merchants older than keep.
func (s *series) prune(keep time.Time) {
	k := keep.Unix()
	i := 0
	for i < len(s.buckets) && s.buckets[i].at < k {
		i++
	}
	s.buckets = s.buckets[i:]
	for m, at := range s.merchants {
		if at.Before(keep) {
			delete(s.merchants, m)
		}
	}
	for bin, bs := range s.binRev {
		for b := range bs {
			if b < k {
				delete(bs, b)
			}
		}
		if len(bs) == 0 {
			delete(s.binRev, bin)
		}
	}
}

// issuerReversals is how many of s's reversals in [from, to) were of cards
// whose issuer is unavailable (unavailable says which BINs are).
func (s *series) issuerReversals(from, to time.Time, unavailable func(bin string) bool) int64 {
	var n int64
	f, t := from.Unix(), to.Unix()
	for bin, bs := range s.binRev {
		if !unavailable(bin) {
			continue
		}
		for b, r := range bs {
			if b >= f && b < t {
				n += r
			}
		}
	}
	return n
}

// measure returns the rate a dimension is judged on and the volume behind it.
func measure(dim posguard.Dimension, c posguard.Counts) (rate float64, volume int64) {
	switch dim {
	case posguard.DimIssuerBIN, posguard.DimChannel:
		return c.Rate(c.Unavailable), c.Total
	case posguard.DimTerminal:
		v := max(c.Total, c.Reversals)
		if v == 0 {
			return 0, 0
		}
		return float64(c.Reversals) / float64(v), c.Total + c.Reversals
	}
	return c.Rate(c.Failed), c.Total
}

// kindOf is the incident kind of a dimension.
func kindOf(dim posguard.Dimension) posguard.IncidentKind {
	switch dim {
	case posguard.DimIssuerBIN:
		return posguard.IncidentIssuerUnavailable
	case posguard.DimTerminal:
		return posguard.IncidentTerminalNetwork
	case posguard.DimChannel:
		return posguard.IncidentWalletChannel
	}
	return posguard.IncidentFirmware
}

// causeText is an incident's probable cause, zh / en.
func causeText(dim posguard.Dimension, key string, rate, base float64) string {
	r, b := pct(rate), pct(base)
	switch dim {
	case posguard.DimIssuerBIN:
		return fmt.Sprintf("发卡行不可用：卡BIN %s 的无应答/系统故障（91/96/98）比例 %s，平时 %s；请持卡人换卡或稍后再试 / issuer unavailable: BIN %s gets 91/96/98 on %s of requests (usually %s); ask cardholders to use another card or retry later", key, r, b, key, r, b)
	case posguard.DimChannel:
		return fmt.Sprintf("钱包渠道不可用：%s 渠道的扫码订单中 %s 无可信应答或被渠道拒绝（平时 %s），这些订单已撤销或失败，顾客未被扣款；请顾客改用其他钱包或刷卡，收单机构正在联系渠道 / wallet channel unavailable: %s gave no usable answer to %s of QR orders (usually %s); those orders were reversed or failed and customers were not charged; take another wallet or a card while the acquirer contacts the channel", key, r, b, key, r, b)
	case posguard.DimTerminal:
		return fmt.Sprintf("终端网络故障：终端 %s 冲正比例 %s，平时 %s，终端收不到应答；请检查终端网络（SIM卡信号、WiFi、路由器） / terminal network problem: terminal %s reverses %s of requests (usually %s) because answers do not reach it; check its network (SIM signal, Wi-Fi, router)", key, r, b, key, r, b)
	}
	return fmt.Sprintf("固件问题：%s 失败率 %s，同型号其他版本 %s；请升级终端固件 / update firmware: %s fails %s of requests against %s on the model's other versions", key, r, b, key, r, b)
}

func pct(f float64) string { return fmt.Sprintf("%.0f%%", f*100) }

// Check judges every key at the detector's clock, opening and closing
// incidents in the store. It returns the incidents it opened and closed.
func (d *Detector) Check(ctx context.Context) (opened, closed []*posguard.Incident, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.defaults()
	if !d.loaded {
		list, err := d.Store.Incidents(ctx, posguard.IncidentFilter{Status: posguard.IncidentOpen, Limit: 1000})
		if err != nil {
			return nil, nil, err
		}
		for _, i := range list {
			d.open[seriesKey{posguard.Dimension(i.Dimension), i.Key}] = i
		}
		d.loaded = true
	}
	now := d.now()
	recentFrom := now.Add(-d.Recent)
	baseFrom := recentFrom.Add(-d.Baseline)
	// Firmware peers: per model, the sum of every version over Recent+Baseline.
	peers := map[string]posguard.Counts{}
	for sk, s := range d.series {
		s.prune(baseFrom)
		if sk.d == posguard.DimFirmware {
			c := peers[model(sk.key)]
			c.Add(s.sum(baseFrom, now))
			peers[model(sk.key)] = c
		}
	}
	keys := make([]seriesKey, 0, len(d.series))
	for sk := range d.series {
		keys = append(keys, sk)
	}
	sort.Slice(keys, func(i, j int) bool {
		return keys[i].d < keys[j].d || (keys[i].d == keys[j].d && keys[i].key < keys[j].key)
	})
	for _, sk := range keys {
		s := d.series[sk]
		var recent, base posguard.Counts
		if sk.d == posguard.DimFirmware {
			// Judged against the model's other versions over the whole span.
			recent = s.sum(baseFrom, now)
			base = peers[model(sk.key)]
			base.Total -= recent.Total
			base.Failed -= recent.Failed
		} else {
			recent, base = s.sum(recentFrom, now), s.sum(baseFrom, recentFrom)
		}
		if sk.d == posguard.DimTerminal {
			// A terminal reverses what it got no answer for; when the card's
			// issuer is down that is the issuer's outage (an incident of its
			// own, judged first: issuer_bin sorts before terminal), not the
			// terminal's network, and merchants must not be sent to check
			// their Wi-Fi.
			recent.Reversals -= s.issuerReversals(recentFrom, now, func(bin string) bool {
				return d.issuerDown(bin, recentFrom, now)
			})
		}
		rate, vol := measure(sk.d, recent)
		baseRate, baseVol := measure(sk.d, base)
		if baseVol < d.MinVolume {
			baseRate = 0
			if sk.d == posguard.DimFirmware {
				continue // no peers to compare with
			}
		}
		if inc := d.open[sk]; inc != nil {
			recovered := vol >= d.CloseVolume && rate <= max(d.CloseRate, inc.Baseline*1.5)
			quiet := now.Sub(s.last) >= d.Quiet
			if recovered || quiet {
				inc.Status, inc.ClosedAt, inc.UpdatedAt, inc.Rate = posguard.IncidentClosed, now, now, rate
				if err := d.Store.UpdateIncident(ctx, inc); err != nil {
					return opened, closed, err
				}
				delete(d.open, sk)
				closed = append(closed, inc)
				d.log().Info("incident closed", "kind", inc.Kind, "key", inc.Key)
			} else if vol > 0 {
				inc.Rate, inc.Volume, inc.UpdatedAt = rate, vol, now
				inc.Merchants = mergeMerchants(inc.Merchants, s.merchants)
				if err := d.Store.UpdateIncident(ctx, inc); err != nil {
					return opened, closed, err
				}
			}
			continue
		}
		if vol < d.MinVolume || rate < d.MinRate || rate < baseRate*d.Factor || rate-baseRate < d.MinJump {
			continue
		}
		inc := &posguard.Incident{
			Kind: kindOf(sk.d), Status: posguard.IncidentOpen, Dimension: string(sk.d), Key: sk.key,
			Cause: causeText(sk.d, sk.key, rate, baseRate), Rate: rate, Baseline: baseRate, Volume: vol,
			Merchants: mergeMerchants(nil, s.merchants), OpenedAt: now,
		}
		if err := d.Store.OpenIncident(ctx, inc); err != nil {
			if posguard.ErrorCode(err) == posguard.ECONFLICT {
				continue // another host instance opened it
			}
			return opened, closed, err
		}
		d.open[sk] = inc
		opened = append(opened, inc)
		d.log().Warn("incident opened", "kind", inc.Kind, "key", inc.Key, "rate", rate, "baseline", baseRate)
	}
	return opened, closed, nil
}

// issuerDown reports whether BIN bin's issuer is unavailable over [from,
// to): an issuer incident is open for it, or its share of 91/96/98 answers
// reaches the opening rate.
func (d *Detector) issuerDown(bin string, from, to time.Time) bool {
	sk := seriesKey{posguard.DimIssuerBIN, bin}
	if d.open[sk] != nil {
		return true
	}
	s := d.series[sk]
	if s == nil {
		return false
	}
	rate, _ := measure(posguard.DimIssuerBIN, s.sum(from, to))
	return rate >= d.MinRate
}

// model is the model part of a "model/firmware" key.
func model(key string) string {
	if i := strings.LastIndexByte(key, '/'); i >= 0 {
		return key[:i]
	}
	return key
}

// mergeMerchants adds the keys of m to list, sorted, without duplicates.
func mergeMerchants(list []string, m map[string]time.Time) []string {
	set := map[string]bool{}
	for _, x := range list {
		set[x] = true
	}
	for x := range m {
		set[x] = true
	}
	out := make([]string, 0, len(set))
	for x := range set {
		out = append(out, x)
	}
	sort.Strings(out)
	return out
}

func (d *Detector) log() *slog.Logger {
	if d.Logger != nil {
		return d.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// Run checks every interval (default 10 s) until ctx ends.
func (d *Detector) Run(ctx context.Context, interval time.Duration) error {
	if interval <= 0 {
		interval = 10 * time.Second
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
			if _, _, err := d.Check(ctx); err != nil {
				d.log().Error("incident check", "err", err)
			}
		}
	}
}
