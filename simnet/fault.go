package simnet

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/posguard/posguard"
)

// Latency is the range an answer's delay is drawn from (uniformly); Min ==
// Max is a fixed delay.
type Latency struct {
	Min, Max time.Duration
}

// Window is a fault that targets one BIN prefix for a period, counted from
// when the fault mix is set.
type Window struct {
	BIN      string
	Duration time.Duration
}

// Faults is a fault mix. Probabilities are in [0, 1] and drawn
// independently for each request, in the order of the fields below; the
// first that fires decides what happens to the answer.
type Faults struct {
	// Latency delays every answer (reversals included).
	Latency Latency
	// Timeout applies the request (debit included) and never answers.
	Timeout float64
	// TimeoutNoDebit never answers and applies nothing.
	TimeoutNoDebit float64
	// DropAfterApprove applies an approved request and loses the answer:
	// in effect a Timeout, counted separately, and only for approvals.
	DropAfterApprove float64
	// Disconnect applies the request, then closes the connection instead
	// of answering.
	Disconnect float64
	// Garbage applies the request and answers with bytes that do not parse
	// (the real answer, cut short by one byte).
	Garbage float64
	// Outages: the BIN prefix answers nothing, and applies nothing, for the
	// period. Reversals are subject to them too.
	Outages []Window
	// DeclineBursts: the BIN prefix answers 91 (issuer inoperative), and
	// applies nothing, for the period.
	DeclineBursts []Window

	// Clearing knobs act only on the clearing file (GET /clearing), each a
	// fraction of its lines chosen by a hash of date, RRN and knob, so the
	// same date gives the same file: ClearingDrop leaves the line out,
	// ClearingDup writes it twice, ClearingAmount adds 100 fen to field 6,
	// ClearingReversed writes a reversed sale as if its reversal came after
	// the cut-off.
	ClearingDrop, ClearingDup, ClearingAmount, ClearingReversed float64
}

// Fault names, as in the spec and in the statistics.
const (
	FaultLatency          = "latency"
	FaultTimeout          = "timeout"
	FaultTimeoutNoDebit   = "timeout_no_debit"
	FaultDropAfterApprove = "drop_after_approve"
	FaultDisconnect       = "disconnect"
	FaultGarbage          = "garbage"
	FaultOutage           = "outage"
	FaultDeclineBurst     = "decline_burst"
	FaultClearingDrop     = "clearing_drop"
	FaultClearingDup      = "clearing_dup"
	FaultClearingAmount   = "clearing_amount"
	FaultClearingReversed = "clearing_reversed"
)

// ParseFaults reads a fault spec: comma-separated items name=value, e.g.
//
//	latency=2ms,timeout=0.02,drop_after_approve=0.01,outage=622588:30s,
//	decline_burst=621700:10s,disconnect=0.001,garbage=0.001,timeout_no_debit=0.01
//
// latency is a duration or a range "1ms-5ms"; outage and decline_burst are
// BIN:duration and may be repeated; the others are probabilities in [0, 1]
// and may appear once. An empty spec (or "none") is no fault. Returns
// EINVALID naming the bad item.
func ParseFaults(spec string) (Faults, error) {
	var f Faults
	spec = strings.TrimSpace(spec)
	if spec == "" || spec == "none" {
		return f, nil
	}
	seen := map[string]bool{}
	for _, item := range strings.Split(spec, ",") {
		item = strings.TrimSpace(item)
		bad := func(reason string) (Faults, error) {
			return Faults{}, posguard.Errorf(posguard.EINVALID, "simnet: fault %q: %s", item, reason)
		}
		name, val, ok := strings.Cut(item, "=")
		if !ok {
			return bad("want name=value")
		}
		name, val = strings.TrimSpace(name), strings.TrimSpace(val)
		if seen[name] && name != FaultOutage && name != FaultDeclineBurst {
			return bad("given twice")
		}
		seen[name] = true
		var p *float64
		switch name {
		case FaultLatency:
			l, err := parseLatency(val)
			if err != nil {
				return bad(err.Error())
			}
			f.Latency = l
			continue
		case FaultOutage, FaultDeclineBurst:
			w, err := parseWindow(val)
			if err != nil {
				return bad(err.Error())
			}
			if name == FaultOutage {
				f.Outages = append(f.Outages, w)
			} else {
				f.DeclineBursts = append(f.DeclineBursts, w)
			}
			continue
		case FaultTimeout:
			p = &f.Timeout
		case FaultTimeoutNoDebit:
			p = &f.TimeoutNoDebit
		case FaultDropAfterApprove:
			p = &f.DropAfterApprove
		case FaultDisconnect:
			p = &f.Disconnect
		case FaultGarbage:
			p = &f.Garbage
		case FaultClearingDrop:
			p = &f.ClearingDrop
		case FaultClearingDup:
			p = &f.ClearingDup
		case FaultClearingAmount:
			p = &f.ClearingAmount
		case FaultClearingReversed:
			p = &f.ClearingReversed
		default:
			return bad("unknown fault")
		}
		v, err := strconv.ParseFloat(val, 64)
		if err != nil || math.IsNaN(v) || v < 0 || v > 1 {
			return bad("want a probability between 0 and 1")
		}
		*p = v
	}
	return f, nil
}

type errText string

func (e errText) Error() string { return string(e) }

func parseLatency(v string) (Latency, error) {
	lo, hi, isRange := strings.Cut(v, "-")
	if strings.HasPrefix(v, "-") {
		return Latency{}, errText("negative duration")
	}
	min, err := time.ParseDuration(strings.TrimSpace(lo))
	if err != nil {
		return Latency{}, errText("want a duration or a range like 1ms-5ms")
	}
	max := min
	if isRange {
		if max, err = time.ParseDuration(strings.TrimSpace(hi)); err != nil {
			return Latency{}, errText("want a duration or a range like 1ms-5ms")
		}
	}
	if min < 0 || max < min {
		return Latency{}, errText("range must not be negative or decreasing")
	}
	return Latency{Min: min, Max: max}, nil
}

func parseWindow(v string) (Window, error) {
	bin, d, ok := strings.Cut(v, ":")
	if !ok || bin == "" || len(bin) > 11 || strings.Trim(bin, "0123456789") != "" {
		return Window{}, errText("want BIN:duration with a BIN of 1 to 11 digits")
	}
	dur, err := time.ParseDuration(d)
	if err != nil || dur <= 0 {
		return Window{}, errText("want a positive duration after the BIN")
	}
	return Window{BIN: bin, Duration: dur}, nil
}

// String returns the spec of f in canonical form (what ParseFaults reads
// back to an equal Faults); "" for no fault.
func (f Faults) String() string {
	var items []string
	if f.Latency.Max > 0 {
		s := f.Latency.Min.String()
		if f.Latency.Max != f.Latency.Min {
			s += "-" + f.Latency.Max.String()
		}
		items = append(items, FaultLatency+"="+s)
	}
	for _, p := range []struct {
		name string
		v    float64
	}{
		{FaultTimeout, f.Timeout}, {FaultTimeoutNoDebit, f.TimeoutNoDebit},
		{FaultDropAfterApprove, f.DropAfterApprove}, {FaultDisconnect, f.Disconnect}, {FaultGarbage, f.Garbage},
		{FaultClearingDrop, f.ClearingDrop}, {FaultClearingDup, f.ClearingDup},
		{FaultClearingAmount, f.ClearingAmount}, {FaultClearingReversed, f.ClearingReversed},
	} {
		if p.v > 0 {
			items = append(items, p.name+"="+strconv.FormatFloat(p.v, 'g', -1, 64))
		}
	}
	for _, w := range f.Outages {
		items = append(items, FaultOutage+"="+w.BIN+":"+w.Duration.String())
	}
	for _, w := range f.DeclineBursts {
		items = append(items, FaultDeclineBurst+"="+w.BIN+":"+w.Duration.String())
	}
	return strings.Join(items, ",")
}
