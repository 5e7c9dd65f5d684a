package bench

import (
	"context"
	"fmt"
	"io"
	"time"
)

// A capacity sweep answers "what does this machine sustain?": open-loop
// runs on one host at rising rates, until a rate is not sustained. A rate
// is sustained when its p99 latency, measured from the scheduled send
// times, stays within a bound and (nearly) every request counted succeeds.
// A host that falls behind the schedule cannot hide it: its requests wait
// and the latency from their due times grows with the backlog, where a
// closed loop would only slow its clients down. The capacity is the last
// rate sustained; closed-loop runs at a few clients measure latency more
// than capacity (rate = clients / latency).

// Sweep is a capacity search; the first rate is the run's Rate.
type Sweep struct {
	// Step is added to the rate after each sustained step (the first
	// rate / 10 when zero).
	Step float64
	// Max is the highest rate tried; 0: until a step is not sustained.
	Max float64
	// MaxP99 bounds a sustained step's p99 latency (DefaultMaxP99 when
	// zero).
	MaxP99 time.Duration
}

// DefaultMaxP99 is Sweep's default latency bound.
const DefaultMaxP99 = 100 * time.Millisecond

// SustainedShare is the share of a sustained step's requests that
// succeeded (approved sales, succeeded orders), at least.
const SustainedShare = 0.999

// Capacity is a sweep's outcome.
type Capacity struct {
	// Rate is the highest rate sustained, per second; 0 when the first
	// was not.
	Rate float64 `json:"capacity_per_s"`
	// MaxP99Micros and MinShare are the criteria a step met to count as
	// sustained.
	MaxP99Micros int64   `json:"max_p99_us"`
	MinShare     float64 `json:"min_success_share"`
	// Steps are the runs, in order; the last is the first not sustained
	// unless the sweep reached Max.
	Steps []*Report `json:"steps"`
}

// maxP99 is s.MaxP99 or its default.
func (s Sweep) maxP99() time.Duration {
	if s.MaxP99 > 0 {
		return s.MaxP99
	}
	return DefaultMaxP99
}

// Sustained reports whether the step r kept up with its rate.
func (s Sweep) Sustained(r *Report) bool {
	if r.Count == 0 {
		return false
	}
	ok := r.Codes["00"] + r.Codes["succeeded"]
	return float64(ok) >= SustainedShare*float64(r.Count) &&
		time.Duration(r.Latency.P99)*time.Microsecond <= s.maxP99()
}

// run calls step at from, from+Step, … and stops after the first step not
// sustained, or before a rate above Max.
func (s Sweep) run(ctx context.Context, from float64, step func(ctx context.Context, rate float64) (*Report, error)) (*Capacity, error) {
	if from <= 0 {
		return nil, fmt.Errorf("bench: a capacity sweep needs a first rate above 0")
	}
	inc := s.Step
	if inc <= 0 {
		inc = max(from/10, 1)
	}
	c := &Capacity{MaxP99Micros: s.maxP99().Microseconds(), MinShare: SustainedShare}
	for i := 0; ; i++ {
		rate := from + float64(i)*inc
		if s.Max > 0 && rate > s.Max {
			return c, nil
		}
		r, err := step(ctx, rate)
		if err != nil {
			return nil, err
		}
		c.Steps = append(c.Steps, r)
		if !s.Sustained(r) {
			return c, nil
		}
		c.Rate = rate
	}
}

// Print writes one line a step and the capacity.
func (c *Capacity) Print(w io.Writer) {
	unit := "terminals"
	if len(c.Steps) > 0 && c.Steps[0].Unit != "" {
		unit = c.Steps[0].Unit
	}
	inflight := 0
	if len(c.Steps) > 0 {
		inflight = c.Steps[0].Terminals
	}
	fmt.Fprintf(w, "capacity sweep, open loop, %d %s in flight at most; a rate is sustained when p99 (from the scheduled send) <= %s and at least %.1f%% succeed\n",
		inflight, unit, ms(c.MaxP99Micros), 100*c.MinShare)
	for _, r := range c.Steps {
		verdict := "sustained"
		if r.Rate > c.Rate {
			verdict = "not sustained"
		}
		ok := r.Codes["00"] + r.Codes["succeeded"]
		fmt.Fprintf(w, "  %6.0f/s offered: %6.0f/s answered, %d of %d succeeded, p50 %s p99 %s, CPU %.0fµs per request: %s\n",
			r.Rate, r.Throughput, ok, r.Count, ms(r.Latency.P50), ms(r.Latency.P99), r.CPUPerTxnMicros, verdict)
	}
	fmt.Fprintf(w, "capacity: %.0f/s\n", c.Rate)
}
