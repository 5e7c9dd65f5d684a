package analytics

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/diagnosis"
)

// Store is what analytics needs from the store.
type Store interface {
	posguard.AnalyticsStore
	posguard.IncidentStore
	posguard.TerminalStore
}

// rollupKey identifies one bucket of a flush.
type rollupKey struct {
	w   posguard.Window
	d   posguard.Dimension
	key string
	at  int64 // bucket start, unix seconds
}

// dimKeys are the series one answer is counted under, one per dimension
// ("" where it has none).
type dimKeys struct {
	terminal, merchant, code, category, bin, model, firmware, channel string
}

// get returns the series of dimension d.
func (k *dimKeys) get(d posguard.Dimension) string {
	switch d {
	case posguard.DimTerminal:
		return k.terminal
	case posguard.DimMerchant:
		return k.merchant
	case posguard.DimCode:
		return k.code
	case posguard.DimCategory:
		return k.category
	case posguard.DimIssuerBIN:
		return k.bin
	case posguard.DimModel:
		return k.model
	case posguard.DimFirmware:
		return k.firmware
	case posguard.DimChannel:
		return k.channel
	}
	return ""
}

// set sets the series of dimension d.
func (k *dimKeys) set(d posguard.Dimension, v string) {
	switch d {
	case posguard.DimTerminal:
		k.terminal = v
	case posguard.DimMerchant:
		k.merchant = v
	case posguard.DimCode:
		k.code = v
	case posguard.DimCategory:
		k.category = v
	case posguard.DimIssuerBIN:
		k.bin = v
	case posguard.DimModel:
		k.model = v
	case posguard.DimFirmware:
		k.firmware = v
	case posguard.DimChannel:
		k.channel = v
	}
}

// dims lists every dimension an answer is counted under.
var dims = []posguard.Dimension{posguard.DimTerminal, posguard.DimMerchant, posguard.DimCode,
	posguard.DimCategory, posguard.DimIssuerBIN, posguard.DimModel, posguard.DimFirmware, posguard.DimChannel}

// answerKey is a pending entry: the series of an answer and its minute.
// Answered adds each answer to one entry (one map operation per answer);
// Flush spreads each entry over its dimensions and every window.
type answerKey struct {
	dimKeys
	minute int64 // start of the answer's minute, unix seconds
}

// Aggregator counts answers into rollups (see the package doc). It
// implements the switch's Observer and posguard.EventRecorder. Set Store;
// Detector and the other fields are optional.
type Aggregator struct {
	Store Store
	// Detector, if set, sees every counted answer.
	Detector *Detector
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// Interval between flushes in Run. Default 1 s.
	Interval time.Duration
	Logger   *slog.Logger

	mu      sync.Mutex
	pending map[answerKey]*posguard.Counts
	seen    map[string]time.Time
	events  []posguard.TerminalEvent
	runs    map[eventKey]*eventRun
}

func (a *Aggregator) now() time.Time {
	if a.Now != nil {
		return a.Now().UTC()
	}
	return time.Now().UTC()
}

// unjournaled lists the refusals the journal does not keep, which become
// terminal events.
var unjournaled = map[string]bool{"97": true, "A0": true, "77": true}

// counted reports whether a request of type t counts in failure rates.
func counted(t posguard.TxnType) bool { return t.MovesMoney() || t == posguard.TxnInquiry }

// Category returns the cause category of an outcome: the reason's entry in
// the knowledge base, else the code's, else "unknown".
func Category(code, reason string) string {
	if posguard.ApprovedCode(code) {
		return diagnosis.CategorySuccess
	}
	if e, ok := diagnosis.Lookup(reason); ok && reason != "" {
		return e.Category
	}
	if e, ok := diagnosis.ForCode(code); ok {
		return e.Category
	}
	return "unknown"
}

// Answered counts one answered request. It never blocks on the store.
func (a *Aggregator) Answered(req *posguard.TerminalRequest, resp *posguard.TerminalResponse, _ time.Duration) {
	now := a.now()
	code := resp.Answer.Code
	var model, firmware string
	if t := resp.Terminal; t != nil {
		model, firmware = t.Model, t.Firmware
	}
	tid, merchant := seriesKeys(req, resp)
	var c posguard.Counts
	switch {
	case req.Type == posguard.TxnReversal:
		c.Reversals = 1
	case counted(req.Type):
		c.Total = 1
		if !posguard.ApprovedCode(code) {
			c.Failed = 1
		}
		switch code {
		case "98":
			c.Timeouts, c.Unavailable = 1, 1
		case "91", "96":
			c.Unavailable = 1
		}
	}
	keys := dimKeys{terminal: tid, merchant: merchant}
	if c.Total > 0 {
		keys.code = code
		keys.category = Category(code, resp.Reason)
		// A card prefix is counted only for a journaled request (it passed
		// the MAC gate), so a peer without keys cannot create BIN series.
		if req.PAN != "" && resp.TxnID != 0 {
			keys.bin = req.PAN.BIN()
		}
	}
	if model != "" {
		keys.model = model
		// A request refused for its merchant's status (frozen, closed, not
		// verified) says nothing about the terminal's firmware: it is not
		// counted for the firmware, so a frozen merchant's terminals cannot
		// open a firmware incident.
		if firmware != "" && !strings.HasPrefix(resp.Reason, "merchant.") {
			keys.firmware = model + "/" + firmware
		}
	}
	a.mu.Lock()
	if a.pending == nil {
		a.pending = map[answerKey]*posguard.Counts{}
		a.seen = map[string]time.Time{}
	}
	if req.TerminalID != "" && resp.Terminal != nil {
		a.seen[req.TerminalID] = now
	}
	if c != (posguard.Counts{}) {
		ak := answerKey{keys, posguard.WindowMinute.Bucket(now).Unix()}
		p := a.pending[ak]
		if p == nil {
			p = &posguard.Counts{}
			a.pending[ak] = p
		}
		p.Add(c)
	}
	if resp.TxnID == 0 && unjournaled[code] && req.TerminalID != "" {
		ev := terminalEvent(req, resp, now)
		if resp.Terminal == nil {
			ev.TerminalID = UnknownKey
			ev.Detail["terminal"] = req.TerminalID
		}
		a.addEvent(ev, now)
	}
	a.mu.Unlock()
	if a.Detector != nil && c != (posguard.Counts{}) {
		if c.Reversals > 0 && req.PAN != "" && keys.bin == "" {
			// The detector tells a terminal's lost answers from its card
			// issuer's outage by the card's BIN (not kept in rollups).
			keys.bin = req.PAN.BIN()
		}
		a.Detector.observe(&keys, c, now)
	}
}

// terminalEvent builds the record of an unjournaled refusal with its
// evidence: the batches of a batch mismatch, the terminal's status.
func terminalEvent(req *posguard.TerminalRequest, resp *posguard.TerminalResponse, at time.Time) posguard.TerminalEvent {
	d := map[string]string{"type": string(req.Type), "stan": req.STAN}
	if t := resp.Terminal; t != nil {
		d["status"] = string(t.Status)
		d["signed_on"] = strconv.FormatBool(t.SignedOn)
		if !t.SignedOnAt.IsZero() {
			d["signed_on_at"] = t.SignedOnAt.UTC().Format(time.RFC3339)
		}
		if resp.Reason == posguard.ReasonBatchMismatch {
			d["batch"], d["host_batch"] = req.Batch, t.Batch
		}
	}
	if req.MerchantID != "" {
		d["merchant"] = req.MerchantID
	}
	return posguard.TerminalEvent{TerminalID: req.TerminalID, Code: resp.Answer.Code, Reason: resp.Reason, Detail: d, At: at}
}

// RecordTerminalEvent stores one terminal event now (posguard.EventRecorder).
func (a *Aggregator) RecordTerminalEvent(ctx context.Context, tid, code, reason string, at time.Time) error {
	if at.IsZero() {
		at = a.now()
	}
	return a.Store.AddTerminalEvent(ctx, &posguard.TerminalEvent{TerminalID: tid, Code: code, Reason: reason, At: at})
}

// Flush writes the pending increments, last-seen times and terminal events
// to the store. On a store error the increments are put back for the next
// flush.
func (a *Aggregator) Flush(ctx context.Context) error {
	a.mu.Lock()
	a.closeRuns(a.now())
	pending, seen, events := a.pending, a.seen, a.events
	a.pending, a.seen, a.events = nil, nil, nil
	a.mu.Unlock()
	buckets := make(map[rollupKey]*posguard.Counts, len(pending))
	for ak, c := range pending {
		minute := time.Unix(ak.minute, 0)
		for _, d := range dims {
			k := ak.get(d)
			if k == "" {
				continue
			}
			for _, w := range posguard.Windows {
				rk := rollupKey{w: w, d: d, key: k, at: w.Bucket(minute).Unix()}
				if p := buckets[rk]; p != nil {
					p.Add(*c)
				} else {
					cc := *c
					buckets[rk] = &cc
				}
			}
		}
	}
	deltas := make([]posguard.Rollup, 0, len(buckets))
	for k, c := range buckets {
		deltas = append(deltas, posguard.Rollup{Window: k.w, Dimension: k.d, Key: k.key, Bucket: time.Unix(k.at, 0).UTC(), Counts: *c})
	}
	if err := a.Store.AddRollups(ctx, deltas, seen); err != nil {
		a.restore(pending, seen, events)
		return err
	}
	for i := range events {
		if err := a.Store.AddTerminalEvent(ctx, &events[i]); err != nil {
			a.restore(nil, nil, events[i:])
			return err
		}
	}
	return nil
}

// restore merges unflushed work back.
func (a *Aggregator) restore(pending map[answerKey]*posguard.Counts, seen map[string]time.Time, events []posguard.TerminalEvent) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.pending == nil {
		a.pending = map[answerKey]*posguard.Counts{}
		a.seen = map[string]time.Time{}
	}
	for k, c := range pending {
		if p := a.pending[k]; p != nil {
			p.Add(*c)
		} else {
			a.pending[k] = c
		}
	}
	for k, t := range seen {
		if t.After(a.seen[k]) {
			a.seen[k] = t
		}
	}
	a.events = append(events, a.events...)
}

// pruner is a store that deletes analytics past its retention.
type pruner interface {
	PruneAnalytics(ctx context.Context, now time.Time) (int64, error)
}

// PruneEvery is how often Run deletes rollups and terminal events past
// their retention (when the store can).
const PruneEvery = time.Hour

// Run flushes every Interval until ctx ends, then once more. Every
// PruneEvery (and at start) it also prunes old analytics when the store
// implements PruneAnalytics.
func (a *Aggregator) Run(ctx context.Context) error {
	iv := a.Interval
	if iv <= 0 {
		iv = time.Second
	}
	tick := time.NewTicker(iv)
	defer tick.Stop()
	var lastPrune time.Time
	for {
		if p, ok := a.Store.(pruner); ok && time.Since(lastPrune) >= PruneEvery {
			lastPrune = time.Now()
			if _, err := p.PruneAnalytics(ctx, a.now()); err != nil && a.Logger != nil {
				a.Logger.Error("analytics retention", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return a.Flush(context.WithoutCancel(ctx))
		case <-tick.C:
			if err := a.Flush(ctx); err != nil && a.Logger != nil {
				a.Logger.Error("analytics flush", "err", err)
			}
		}
	}
}
