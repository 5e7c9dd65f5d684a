package analytics

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/posguard/posguard"
)

// Health is one terminal's condition.
type Health struct {
	TerminalID     string                   `json:"terminal_id"`
	MerchantID     string                   `json:"merchant_id"`
	Status         string                   `json:"status"`
	Model          string                   `json:"model,omitempty"`
	Firmware       string                   `json:"firmware,omitempty"`
	MinFirmware    string                   `json:"min_firmware,omitempty"`
	FirmwareOld    bool                     `json:"firmware_outdated"`
	SignedOn       bool                     `json:"signed_on"`
	SignedOnAt     time.Time                `json:"signed_on_at,omitzero"`
	Batch          string                   `json:"batch"`
	LastSeen       time.Time                `json:"last_seen,omitzero"`
	Day            Rate                     `json:"last_24h"`
	Events         []posguard.TerminalEvent `json:"security_events"`
	OpenIncidents  []*posguard.Incident     `json:"open_incidents"`
	Problems       []string                 `json:"problems"`
	NeedsAttention bool                     `json:"needs_attention"`
}

// CompareVersions compares dotted version strings numerically part by part
// ("3.10" > "3.9"); a non-numeric part compares as text. It returns -1, 0
// or 1.
func CompareVersions(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < max(len(pa), len(pb)); i++ {
		x, y := "0", "0"
		if i < len(pa) {
			x = pa[i]
		}
		if i < len(pb) {
			y = pb[i]
		}
		nx, ex := strconv.Atoi(x)
		ny, ey := strconv.Atoi(y)
		switch {
		case ex == nil && ey == nil && nx != ny:
			if nx < ny {
				return -1
			}
			return 1
		case (ex != nil || ey != nil) && x != y:
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

// Health returns terminal id's health; ENOTFOUND for an unknown terminal.
func (r *Reports) Health(ctx context.Context, id string) (*Health, error) {
	t, err := r.Store.Terminal(ctx, id)
	if err != nil {
		return nil, err
	}
	now := r.now()
	rows, err := r.Store.Rollups(ctx, posguard.RollupQuery{Window: posguard.WindowHour, Dimension: posguard.DimTerminal, Key: id,
		From: posguard.WindowHour.Bucket(now.Add(-24 * time.Hour)), To: now.Add(time.Hour)})
	if err != nil {
		return nil, err
	}
	var day posguard.Counts
	for _, row := range rows {
		day.Add(row.Counts)
	}
	incs, err := r.Store.Incidents(ctx, posguard.IncidentFilter{Status: posguard.IncidentOpen, Limit: 1000})
	if err != nil {
		return nil, err
	}
	h, err := r.judge(ctx, t, day, incs, now)
	if err != nil {
		return nil, err
	}
	if h.Events, err = r.Store.TerminalEvents(ctx, id, now.Add(-24*time.Hour), 50); err != nil {
		return nil, err
	}
	if len(h.Events) > 0 {
		h.Problems = append(h.Problems, strconv.Itoa(len(h.Events))+" security refusals (97/A0/77) in the last 24 h")
		h.NeedsAttention = true
	}
	return h, nil
}

// judge fills the health of t from its last day's counts.
func (r *Reports) judge(ctx context.Context, t *posguard.Terminal, day posguard.Counts, incs []*posguard.Incident, now time.Time) (*Health, error) {
	errRate, revRate, minVol, silent := r.ErrorRate, r.ReversalRate, r.MinVolume, r.Silent
	if errRate <= 0 {
		errRate = 0.2
	}
	if revRate <= 0 {
		revRate = 0.05
	}
	if minVol <= 0 {
		minVol = 20
	}
	if silent <= 0 {
		silent = 24 * time.Hour
	}
	seen, err := r.Store.TerminalSeen(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	if t.LastSeen.After(seen) {
		seen = t.LastSeen
	}
	h := &Health{
		TerminalID: t.ID, MerchantID: t.MerchantID, Status: string(t.Status), Model: t.Model, Firmware: t.Firmware,
		SignedOn: t.SignedOn, SignedOnAt: t.SignedOnAt, Batch: t.Batch, LastSeen: seen,
		Day: rateOf(t.ID, time.Time{}, day), Events: []posguard.TerminalEvent{}, OpenIncidents: []*posguard.Incident{}, Problems: []string{},
	}
	add := func(p string) { h.Problems = append(h.Problems, p) }
	if min, ok := r.MinFirmware[t.Model]; ok && t.Firmware != "" && CompareVersions(t.Firmware, min) < 0 {
		h.MinFirmware, h.FirmwareOld = min, true
		add("firmware " + t.Firmware + " is below the minimum " + min + " for " + t.Model + ": update it")
	}
	if t.Status == posguard.TerminalActive {
		if !t.SignedOn {
			add("not signed on")
		}
		if seen.IsZero() || now.Sub(seen) > silent {
			add("no request in the last " + silent.String())
		}
	}
	if day.Total >= minVol {
		if day.Rate(day.Failed) > errRate {
			add("error rate " + pct(day.Rate(day.Failed)) + " in the last 24 h")
		}
		if day.Rate(day.Reversals) > revRate {
			add("reversal rate " + pct(day.Rate(day.Reversals)) + " in the last 24 h")
		}
	}
	for _, i := range incs {
		if (i.Dimension == string(posguard.DimTerminal) && i.Key == t.ID) ||
			(i.Dimension == string(posguard.DimFirmware) && i.Key == t.Model+"/"+t.Firmware) {
			h.OpenIncidents = append(h.OpenIncidents, i)
			add("open incident: " + string(i.Kind))
		}
	}
	h.NeedsAttention = len(h.Problems) > 0
	return h, nil
}

// Attention returns the terminals that need attention (firmware below the
// minimum, not signed on or silent while active, high error or reversal
// rate, an open incident), worst first. It reads the day's rollups once.
func (r *Reports) Attention(ctx context.Context) ([]*Health, error) {
	now := r.now()
	terms, err := r.Store.Terminals(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := r.Store.Rollups(ctx, posguard.RollupQuery{Window: posguard.WindowHour, Dimension: posguard.DimTerminal,
		From: posguard.WindowHour.Bucket(now.Add(-24 * time.Hour)), To: now.Add(time.Hour)})
	if err != nil {
		return nil, err
	}
	day := map[string]*posguard.Counts{}
	for _, row := range rows {
		c := day[row.Key]
		if c == nil {
			c = &posguard.Counts{}
			day[row.Key] = c
		}
		c.Add(row.Counts)
	}
	incs, err := r.Store.Incidents(ctx, posguard.IncidentFilter{Status: posguard.IncidentOpen, Limit: 1000})
	if err != nil {
		return nil, err
	}
	out := []*Health{}
	for _, t := range terms {
		var c posguard.Counts
		if d := day[t.ID]; d != nil {
			c = *d
		}
		h, err := r.judge(ctx, t, c, incs, now)
		if err != nil {
			return nil, err
		}
		if h.NeedsAttention {
			out = append(out, h)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i].Problems) > len(out[j].Problems) })
	return out, nil
}
