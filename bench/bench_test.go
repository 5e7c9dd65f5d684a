package bench

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestClosedLoopAgainstHost runs one second of closed-loop sales against an
// in-process host on SQLite, then the echo, and checks that every answer
// is an approval and that the report's counts add up.
func TestClosedLoopAgainstHost(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a host")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := Run(ctx, Config{Terminals: 4, Cards: 10, Duration: time.Second, Warmup: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	p := res.Posguard
	if p.Count == 0 || p.Codes["00"] != p.Count {
		t.Fatalf("answers %v of %d, want all 00", p.Codes, p.Count)
	}
	if got := int(p.hist.TotalCount()); got != p.Count {
		t.Fatalf("histogram holds %d latencies, report counts %d", got, p.Count)
	}
	if p.Latency.P50 > p.Latency.P99 || p.Latency.P99 > p.Latency.Max || p.Latency.P50 <= 0 {
		t.Fatalf("percentiles out of order: %+v", p.Latency)
	}
	if p.Seconds < 1 || p.Throughput != float64(p.Count)/p.Seconds || p.Approved != p.Throughput {
		t.Fatalf("throughput %.1f approved %.1f for %d in %.1fs", p.Throughput, p.Approved, p.Count, p.Seconds)
	}
	e := res.Echo
	if e == nil || e.Count == 0 || e.Codes["echo"] != e.Count {
		t.Fatalf("echo answers %v", e)
	}
	if res.EchoRatio <= 0 {
		t.Fatalf("echo ratio %f", res.EchoRatio)
	}
}

// TestOpenLoopCountsScheduledSends checks that an open-loop run counts
// exactly the sends scheduled in the measured time.
func TestOpenLoopCountsScheduledSends(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a host")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := Run(ctx, Config{Terminals: 4, Cards: 10, Rate: 200, Duration: time.Second, NoEcho: true})
	if err != nil {
		t.Fatal(err)
	}
	p := res.Posguard
	if p.Count != 200 || p.Codes["00"] != 200 {
		t.Fatalf("counted %d (%v), want the 200 scheduled sends, all 00", p.Count, p.Codes)
	}
}

// TestQROpenLoopCountsScheduledSends checks that a QR run in open loop
// counts exactly the orders scheduled in the measured time, and the
// channel-alone run the calls scheduled in its own.
func TestQROpenLoopCountsScheduledSends(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a host")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := RunQR(ctx, QRConfig{Clients: 4, Rate: 200, Duration: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	p, c := res.Posguard, res.Channel
	if p.Mode != "open" || p.Count != 200 || p.Codes["succeeded"] != 200 {
		t.Fatalf("%s loop: counted %d (%v), want the 200 scheduled orders, all succeeded", p.Mode, p.Count, p.Codes)
	}
	if c == nil || c.Mode != "open" || c.Count != 200 || c.Codes["SUCCESS"] != 200 {
		t.Fatalf("channel alone: %+v, want the 200 scheduled calls, all SUCCESS", c)
	}
	var b strings.Builder
	res.Print(&b)
	if !strings.Contains(b.String(), "open loop at 200/s, 4 clients") {
		t.Errorf("report:\n%s", b.String())
	}
}

// TestApprovedLatencySeparate: the approved answers' latency is kept apart
// from the failures', so a fault run still shows the healthy traffic's.
func TestApprovedLatencySeparate(t *testing.T) {
	r := newReport(LoadConfig{Terminals: 1})
	h, h00 := newHistogram(), newHistogram()
	for range 90 {
		_ = h.RecordValue(2000) // 2 ms approvals
		_ = h00.RecordValue(2000)
	}
	for range 10 {
		_ = h.RecordValue(1_000_000) // 1 s timeouts
	}
	r.add(h, h00, map[string]int{"00": 90, "98": 10})
	r.finish(time.Second, cpuTimes{})
	if r.Latency.P99 < 900_000 {
		t.Errorf("all-answers p99 %d µs, want the timeouts' ~1 s", r.Latency.P99)
	}
	if r.ApprovedLatency.P99 > 2100 || r.ApprovedLatency.Max > 2100 {
		t.Errorf("approved p99 %d µs, max %d µs: want the approvals' 2 ms", r.ApprovedLatency.P99, r.ApprovedLatency.Max)
	}
	var b strings.Builder
	r.Print(&b)
	if !strings.Contains(b.String(), "approved p50 2.00ms") {
		t.Errorf("report lacks the approved line:\n%s", b.String())
	}
}

// TestQROrdersAgainstHost runs one second of QR orders against an
// in-process host on SQLite with its API and simwallet, then the channel
// alone, and checks that every order succeeded and the counts add up.
func TestQROrdersAgainstHost(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a host")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := RunQR(ctx, QRConfig{Clients: 4, Duration: time.Second, Warmup: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	p := res.Posguard
	if p.Count == 0 || p.Codes["succeeded"] != p.Count || p.Approved != p.Throughput {
		t.Fatalf("orders %v of %d, want all succeeded", p.Codes, p.Count)
	}
	if got := int(p.hist.TotalCount()); got != p.Count || p.Latency.P50 <= 0 || p.CPUPerTxnMicros <= 0 {
		t.Fatalf("histogram %d of %d, p50 %d µs, CPU %f µs", got, p.Count, p.Latency.P50, p.CPUPerTxnMicros)
	}
	c := res.Channel
	if c == nil || c.Count == 0 || c.Codes["SUCCESS"] != c.Count {
		t.Fatalf("channel alone: %+v", c)
	}
	var b strings.Builder
	res.Print(&b)
	if !strings.Contains(b.String(), "4 clients") || !strings.Contains(b.String(), "succeeded/s") {
		t.Errorf("report:\n%s", b.String())
	}
}
