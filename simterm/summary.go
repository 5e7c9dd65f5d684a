package simterm

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/posguard/posguard"
)

// Pseudo codes of Summary.ByType for requests that got no usable answer.
const (
	CodeTimeout = "timeout" // no answer within the terminal timeout
	CodeError   = "error"   // connection failure or malformed answer
)

// Summary is what a fleet did. Sent, Answered and ByCode count financial
// transactions only (inquiries, sales, voids, refunds); ByType counts every
// request by type, sign-ons and settlements included. An approval whose MAC
// failed is counted under A0, the terminal's own verdict.
type Summary struct {
	Terminals int // terminals that took part
	Sent      int // financial requests sent
	Answered  int // financial requests answered
	ByCode    map[string]int
	ByType    map[string]map[string]int // type → field 39 (or CodeTimeout, CodeError) → count

	Timeouts    int // financial requests with no answer in time
	Errors      int // connection failures and malformed answers
	MACFailures int // approvals whose MAC failed

	Reversals       int // 0400s sent
	ReversalsAcked  int // 0400s answered 00
	ReversalsGaveUp int // records dropped after MaxReversalTries

	SignOns         int // sign-ons answered 00
	Settlements     int // 0500s answered 00
	SettledBalanced int // of which balanced

	Elapsed time.Duration
	// Latencies of answered financial requests.
	P50, P90, P99, Max time.Duration
}

// tally accumulates a Summary under a mutex, for Snapshot.
type tally struct {
	mu    sync.Mutex
	s     Summary
	hist  *hdrhistogram.Histogram
	start time.Time
}

func newTally() *tally {
	return &tally{
		s:     Summary{ByCode: map[string]int{}, ByType: map[string]map[string]int{}},
		hist:  hdrhistogram.New(1, int64(10*time.Minute/time.Microsecond), 3),
		start: time.Now(),
	}
}

func (t *tally) byType(typ posguard.TxnType, code string) {
	m := t.s.ByType[string(typ)]
	if m == nil {
		m = map[string]int{}
		t.s.ByType[string(typ)] = m
	}
	m[code]++
}

// financial records the outcome of one financial transaction.
func (t *tally) financial(typ posguard.TxnType, res *Result, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if res == nil {
		t.s.Errors++
		t.byType(typ, CodeError)
		return
	}
	t.s.Sent++
	switch {
	case res.Code != "":
		code := res.Code
		if res.MACFailed {
			code = "A0"
			t.s.MACFailures++
		}
		t.s.Answered++
		t.s.ByCode[code]++
		t.byType(typ, code)
		t.hist.RecordValue(max(res.Elapsed.Microseconds(), 1))
	case res.TimedOut:
		t.s.Timeouts++
		t.byType(typ, CodeTimeout)
	default:
		t.s.Errors++
		t.byType(typ, CodeError)
	}
}

// management records a sign-on or settlement.
func (t *tally) management(typ posguard.TxnType, code string, balanced bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.byType(typ, code)
	if code != "00" {
		return
	}
	switch typ {
	case posguard.TxnSignOn:
		t.s.SignOns++
	case posguard.TxnSettlement:
		t.s.Settlements++
		if balanced {
			t.s.SettledBalanced++
		}
	}
}

// reversals adds a terminal's reversal counts since the last call.
func (t *tally) reversals(d counters) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.s.Reversals += d.reversalsSent
	t.s.ReversalsAcked += d.reversalsAcked
	t.s.ReversalsGaveUp += d.reversalsGaveUp
}

// snapshot returns a deep copy with the latency figures and elapsed time.
func (t *tally) snapshot() Summary {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.s
	s.ByCode = maps.Clone(t.s.ByCode)
	s.ByType = make(map[string]map[string]int, len(t.s.ByType))
	for k, v := range t.s.ByType {
		s.ByType[k] = maps.Clone(v)
	}
	s.Elapsed = time.Since(t.start)
	if t.hist.TotalCount() > 0 {
		us := func(v int64) time.Duration { return time.Duration(v) * time.Microsecond }
		s.P50 = us(t.hist.ValueAtQuantile(50))
		s.P90 = us(t.hist.ValueAtQuantile(90))
		s.P99 = us(t.hist.ValueAtQuantile(99))
		s.Max = us(t.hist.Max())
	}
	return s
}

// Print writes the summary: totals, then a table by response code.
func (s *Summary) Print(w io.Writer) { s.PrintWith(w, nil) }

// PrintWith writes the summary like Print, with meaning(code) in a last
// column when meaning is not nil (the caller knows the code table).
func (s *Summary) PrintWith(w io.Writer, meaning func(code string) string) {
	secs := s.Elapsed.Seconds()
	rate := 0.0
	if secs > 0 {
		rate = float64(s.Answered) / secs
	}
	fmt.Fprintf(w, "terminals %d  sent %d  answered %d  timeouts %d  errors %d  in %s (%.1f tx/s)\n",
		s.Terminals, s.Sent, s.Answered, s.Timeouts, s.Errors, s.Elapsed.Round(time.Millisecond), rate)
	fmt.Fprintf(w, "latency p50 %s  p90 %s  p99 %s  max %s\n", s.P50, s.P90, s.P99, s.Max)
	fmt.Fprintf(w, "reversals sent %d  acknowledged %d  given up %d  answer MAC failures %d\n",
		s.Reversals, s.ReversalsAcked, s.ReversalsGaveUp, s.MACFailures)
	fmt.Fprintf(w, "sign-ons %d  settlements %d (balanced %d)\n", s.SignOns, s.Settlements, s.SettledBalanced)
	codes := slices.Sorted(maps.Keys(s.ByCode))
	fmt.Fprintf(w, "\n%-4s %8s %7s", "code", "count", "share")
	if meaning != nil {
		fmt.Fprint(w, "  meaning")
	}
	fmt.Fprintln(w)
	for _, c := range codes {
		n := s.ByCode[c]
		share := 0.0
		if s.Answered > 0 {
			share = 100 * float64(n) / float64(s.Answered)
		}
		fmt.Fprintf(w, "%-4s %8d %6.1f%%", c, n, share)
		if meaning != nil {
			fmt.Fprint(w, "  ", meaning(c))
		}
		fmt.Fprintln(w)
	}
}
