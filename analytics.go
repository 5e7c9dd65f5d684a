package posguard

import (
	"context"
	"time"
)

// Dimension is what failure counts are grouped by.
type Dimension string

// Dimensions of the failure rollups.
const (
	DimTerminal  Dimension = "terminal"
	DimMerchant  Dimension = "merchant"
	DimIssuerBIN Dimension = "issuer_bin"
	DimModel     Dimension = "model"
	DimFirmware  Dimension = "firmware" // "model/firmware"
	DimCategory  Dimension = "category" // diagnosis cause category
	DimCode      Dimension = "code"     // field 39; a QR order's reason
	DimChannel   Dimension = "channel"  // QR wallet channel kind (wechat, alipay, unionpay)
)

// Dimensions lists every dimension.
var Dimensions = []Dimension{DimTerminal, DimMerchant, DimIssuerBIN, DimModel, DimFirmware, DimCategory, DimCode, DimChannel}

// Valid reports whether d is a known dimension.
func (d Dimension) Valid() bool {
	for _, x := range Dimensions {
		if x == d {
			return true
		}
	}
	return false
}

// Window is the width of a rollup bucket.
type Window string

// Windows.
const (
	WindowMinute Window = "minute"
	WindowHour   Window = "hour"
	WindowDay    Window = "day"
)

// Windows lists every window.
var Windows = []Window{WindowMinute, WindowHour, WindowDay}

// Duration returns the bucket width; 0 for an unknown window.
func (w Window) Duration() time.Duration {
	switch w {
	case WindowMinute:
		return time.Minute
	case WindowHour:
		return time.Hour
	case WindowDay:
		return 24 * time.Hour
	}
	return 0
}

// Bucket returns the start of t's bucket (UTC).
func (w Window) Bucket(t time.Time) time.Time { return t.UTC().Truncate(w.Duration()) }

// Counts are the answers counted in one bucket.
type Counts struct {
	Total       int64 // financial requests answered
	Failed      int64 // not approved
	Timeouts    int64 // answered 98
	Unavailable int64 // answered 91, 96 or 98 (the network or issuer did not answer usably)
	Reversals   int64 // reversal requests (0400) the terminal sent
}

// Add adds o to c.
func (c *Counts) Add(o Counts) {
	c.Total += o.Total
	c.Failed += o.Failed
	c.Timeouts += o.Timeouts
	c.Unavailable += o.Unavailable
	c.Reversals += o.Reversals
}

// Rate returns n/Total, 0 when there is no traffic.
func (c Counts) Rate(n int64) float64 {
	if c.Total == 0 {
		return 0
	}
	return float64(n) / float64(c.Total)
}

// Rollup is one bucket of one key of one dimension.
type Rollup struct {
	Window    Window
	Dimension Dimension
	Key       string
	Bucket    time.Time // bucket start, UTC
	Counts
}

// RollupQuery selects rollups: one window and dimension, buckets in
// [From, To), optionally one key.
type RollupQuery struct {
	Window    Window
	Dimension Dimension
	Key       string
	From, To  time.Time
}

// AnalyticsStore keeps the failure rollups and terminal activity.
type AnalyticsStore interface {
	// AddRollups adds each delta's counts to its bucket (creating it) and
	// records last-seen times per terminal, in one store transaction.
	AddRollups(ctx context.Context, deltas []Rollup, seen map[string]time.Time) error
	// Rollups returns the buckets matching q, by bucket then key.
	Rollups(ctx context.Context, q RollupQuery) ([]Rollup, error)
	// TerminalSeen returns when a terminal last sent a request (zero if
	// never).
	TerminalSeen(ctx context.Context, tid string) (time.Time, error)
}
