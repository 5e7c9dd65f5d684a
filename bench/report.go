package bench

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Latency holds latency percentiles in microseconds.
type Latency struct {
	P50  int64 `json:"p50_us"`
	P90  int64 `json:"p90_us"`
	P99  int64 `json:"p99_us"`
	P999 int64 `json:"p99_9_us"`
	Max  int64 `json:"max_us"`
	Mean int64 `json:"mean_us"`
}

// Report is the outcome of one load run.
type Report struct {
	// Target is "posguard" or "echo".
	Target string `json:"target"`
	// Mode is "closed" or "open".
	Mode      string `json:"mode"`
	Terminals int    `json:"terminals"`
	// Unit names what Terminals counts when it is not terminals
	// ("clients": the QR bench's merchant systems).
	Unit string  `json:"unit,omitempty"`
	Rate float64 `json:"rate,omitempty"`
	// Seconds is the measured span: from the start of the measured time
	// to the last counted answer.
	Seconds float64 `json:"seconds"`
	// Count is the number of requests counted (sent in the measured time
	// and answered, or failed).
	Count int `json:"count"`
	// Throughput is Count per second; Approved counts only code 00.
	Throughput float64 `json:"throughput_per_s"`
	Approved   float64 `json:"approved_per_s"`
	// Latency is from the send time (closed loop) or the scheduled send
	// time (open loop) to the answer.
	Latency Latency `json:"latency"`
	// ApprovedLatency is Latency of the approved (00) answers alone: the
	// healthy traffic's, when faults make some requests fail or time out.
	ApprovedLatency Latency `json:"approved_latency"`
	// Codes counts the answers by field 39 ("echo" for the echo target;
	// "timeout", "error" or "mac" when there was no usable answer).
	Codes map[string]int `json:"codes"`
	// CPUUserSeconds and CPUSysSeconds are the process's CPU time during
	// the measured duration; CPUPerTxnMicros divides their sum by Count.
	CPUUserSeconds  float64 `json:"cpu_user_s"`
	CPUSysSeconds   float64 `json:"cpu_sys_s"`
	CPUPerTxnMicros float64 `json:"cpu_per_txn_us"`
	// Processes is the CPU time of the watched processes (LoadConfig.Watch)
	// over the same span, per request of Count.
	Processes []ProcessCPU `json:"processes,omitempty"`

	hist, hist00 *hdrhistogram.Histogram
}

func newReport(cfg LoadConfig) *Report {
	r := &Report{Target: "posguard", Mode: "closed", Terminals: cfg.Terminals, Rate: cfg.Rate, Codes: map[string]int{}, hist: newHistogram(), hist00: newHistogram()}
	if cfg.Echo {
		r.Target = "echo"
	}
	if cfg.Rate > 0 {
		r.Mode = "open"
	}
	return r
}

// add merges one worker's histogram and counts.
func (r *Report) add(h, h00 *hdrhistogram.Histogram, codes map[string]int) {
	r.hist.Merge(h)
	r.hist00.Merge(h00)
	for c, n := range codes {
		r.Codes[c] += n
		r.Count += n
	}
}

// finish computes the rates and percentiles.
func (r *Report) finish(d time.Duration, cpu cpuTimes) {
	r.Seconds = d.Seconds()
	r.Throughput = float64(r.Count) / r.Seconds
	r.Approved = float64(r.Codes["00"]) / r.Seconds
	r.Latency, r.ApprovedLatency = latencyOf(r.hist), latencyOf(r.hist00)
	r.CPUUserSeconds, r.CPUSysSeconds = cpu.user.Seconds(), cpu.sys.Seconds()
	if r.Count > 0 {
		r.CPUPerTxnMicros = float64((cpu.user + cpu.sys).Microseconds()) / float64(r.Count)
	}
}

// latencyOf reads the percentiles of h.
func latencyOf(h *hdrhistogram.Histogram) Latency {
	return Latency{
		P50: h.ValueAtQuantile(50), P90: h.ValueAtQuantile(90), P99: h.ValueAtQuantile(99),
		P999: h.ValueAtQuantile(99.9), Max: h.Max(), Mean: int64(h.Mean()),
	}
}

// ms formats microseconds as milliseconds.
func ms(us int64) string { return fmt.Sprintf("%.2fms", float64(us)/1000) }

func printLatency(w io.Writer, name string, l Latency) {
	fmt.Fprintf(w, "  %s p50 %s  p90 %s  p99 %s  p99.9 %s  max %s  mean %s\n",
		name, ms(l.P50), ms(l.P90), ms(l.P99), ms(l.P999), ms(l.Max), ms(l.Mean))
}

// Print writes the report in a few human lines.
func (r *Report) Print(w io.Writer) {
	mode := "closed loop"
	if r.Mode == "open" {
		mode = fmt.Sprintf("open loop at %.0f/s", r.Rate)
	}
	unit, ok := "terminals", "approved"
	if r.Unit != "" {
		unit, ok = r.Unit, "succeeded"
	}
	fmt.Fprintf(w, "%s, %s, %d %s, %.0fs: %d requests, %.0f/s (%.0f %s/s)\n",
		r.Target, mode, r.Terminals, unit, r.Seconds, r.Count, r.Throughput, r.Approved, ok)
	printLatency(w, "latency", r.Latency)
	if n := r.Codes["00"]; n > 0 && n < r.Count && r.Target == "posguard" {
		printLatency(w, "approved", r.ApprovedLatency)
	}
	codes := make([]string, 0, len(r.Codes))
	for c := range r.Codes {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = fmt.Sprintf("%s: %d", c, r.Codes[c])
	}
	fmt.Fprintf(w, "  answers %s\n", strings.Join(parts, ", "))
	fmt.Fprintf(w, "  CPU %.2fs user + %.2fs sys = %.0fµs per request (whole process)\n",
		r.CPUUserSeconds, r.CPUSysSeconds, r.CPUPerTxnMicros)
	for _, p := range r.Processes {
		if p.Error != "" {
			fmt.Fprintf(w, "  CPU of %s: not measured (%s)\n", p.Name, p.Error)
			continue
		}
		fmt.Fprintf(w, "  CPU of %s: %.2fs user + %.2fs sys = %.0fµs per request\n",
			p.Name, p.CPUUserSeconds, p.CPUSysSeconds, p.CPUPerTxnMicros)
	}
}
