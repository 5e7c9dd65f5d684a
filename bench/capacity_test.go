package bench

import (
	"context"
	"strings"
	"testing"
	"time"
)

// stepReport is what a step at rate reports: count requests, ok of them
// succeeded, p99 in microseconds.
func stepReport(rate float64, count, ok int, p99 int64) *Report {
	return &Report{Target: "posguard", Mode: "open", Rate: rate, Terminals: 8, Count: count,
		Throughput: float64(count), Codes: map[string]int{"00": ok, "96": count - ok}, Latency: Latency{P50: p99 / 4, P99: p99}}
}

// TestSweepStopsAtFirstStepNotSustained: the sweep climbs by its step and
// stops after the first rate whose p99 is above the bound; the capacity is
// the rate before.
func TestSweepStopsAtFirstStepNotSustained(t *testing.T) {
	var asked []float64
	s := Sweep{Step: 250, MaxP99: 50 * time.Millisecond}
	c, err := s.run(context.Background(), 1000, func(_ context.Context, rate float64) (*Report, error) {
		asked = append(asked, rate)
		p99 := int64(5000) // 5 ms
		if rate >= 1750 {
			p99 = 400_000 // a backlog: 400 ms
		}
		return stepReport(rate, int(rate), int(rate), p99), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{1000, 1250, 1500, 1750}
	if len(asked) != len(want) || len(c.Steps) != len(want) {
		t.Fatalf("asked %v, %d steps; want %v", asked, len(c.Steps), want)
	}
	for i := range want {
		if asked[i] != want[i] {
			t.Fatalf("asked %v, want %v", asked, want)
		}
	}
	if c.Rate != 1500 || c.MaxP99Micros != 50_000 {
		t.Fatalf("capacity %v (bound %dµs), want 1500 (50000µs)", c.Rate, c.MaxP99Micros)
	}
	var b strings.Builder
	c.Print(&b)
	out := b.String()
	if !strings.Contains(out, "capacity: 1500/s") || strings.Count(out, ": sustained") != 3 || strings.Count(out, "not sustained") != 1 {
		t.Errorf("report:\n%s", out)
	}
}

// TestSweepFailuresEndIt: a step whose answers are more than 0.1 % failures
// is not sustained, however fast; when the first step is not, the
// capacity is 0.
func TestSweepFailuresEndIt(t *testing.T) {
	s := Sweep{}
	if !s.Sustained(stepReport(1000, 10000, 9990, 1000)) {
		t.Error("0.1% failed: should be sustained")
	}
	if s.Sustained(stepReport(1000, 10000, 9989, 1000)) {
		t.Error("0.11% failed: should not be sustained")
	}
	if s.Sustained(stepReport(1000, 0, 0, 0)) {
		t.Error("nothing answered: should not be sustained")
	}
	if s.Sustained(stepReport(1000, 100, 100, DefaultMaxP99.Microseconds()+1)) {
		t.Error("p99 above the default bound: should not be sustained")
	}
	c, err := s.run(context.Background(), 300, func(_ context.Context, rate float64) (*Report, error) {
		return stepReport(rate, 100, 50, 1000), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Rate != 0 || len(c.Steps) != 1 {
		t.Fatalf("capacity %v after %d steps, want 0 after 1", c.Rate, len(c.Steps))
	}
}

// TestSweepStopsAtMax: every step sustained, the sweep ends at the last
// rate not above Max; the default step is a tenth of the first rate.
func TestSweepStopsAtMax(t *testing.T) {
	var asked []float64
	c, err := Sweep{Max: 1250}.run(context.Background(), 1000, func(_ context.Context, rate float64) (*Report, error) {
		asked = append(asked, rate)
		return stepReport(rate, 10, 10, 1000), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(asked) != 3 || asked[1] != 1100 || asked[2] != 1200 || c.Rate != 1200 {
		t.Fatalf("asked %v, capacity %v; want 1000, 1100, 1200 and 1200", asked, c.Rate)
	}
	if _, err := (Sweep{}).run(context.Background(), 0, nil); err == nil {
		t.Error("a sweep from rate 0 ran")
	}
}

// TestCapacitySweepKeepsTerminals runs a two-step card sweep on a real
// host: each step counts exactly its scheduled sales, and the network saw
// every sale of both steps once. The terminals stay signed on between
// steps and their STANs go on; STANs started again would make the second
// step's sales retransmissions, answered from the journal without reaching
// the network.
func TestCapacitySweepKeepsTerminals(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a host")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	w := World(4, 10)
	h, err := StartHost(ctx, HostConfig{World: w, GroupCommit: true})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	ls, err := openLoad(ctx, LoadConfig{Addr: h.Addr, World: w, Terminals: 4, Duration: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer ls.close()
	// A bound no step on any machine misses: the test is about the steps,
	// not about speed.
	c, err := Sweep{Step: 100, Max: 200, MaxP99: time.Minute}.run(ctx, 100, ls.step)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Steps) != 2 || c.Rate != 200 {
		t.Fatalf("%d steps, capacity %v; want 2 and 200", len(c.Steps), c.Rate)
	}
	for i, want := range []int{100, 200} {
		if r := c.Steps[i]; r.Count != want || r.Codes["00"] != want || r.Rate != float64(want) {
			t.Fatalf("step %d at %v/s: counted %d (%v), want %d, all 00", i, r.Rate, r.Count, r.Codes, want)
		}
	}
	posted := 0
	for _, a := range h.Net.Accounts() {
		posted += len(a.Postings)
	}
	if posted != 300 {
		t.Fatalf("the network posted %d sales, want the 300 of both steps", posted)
	}
}

// TestQRCapacitySweep runs a two-step QR sweep on a real host and
// simwallet: each step counts exactly its scheduled orders, all succeeded.
func TestQRCapacitySweep(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a host")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := RunQR(ctx, QRConfig{Clients: 4, Rate: 100, Duration: time.Second,
		Sweep: &Sweep{Step: 100, Max: 200, MaxP99: time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	c := res.Capacity
	if c == nil || len(c.Steps) != 2 || c.Rate != 200 || res.Channel != nil {
		t.Fatalf("capacity %+v, channel run %v; want 2 steps, 200/s, no channel run", c, res.Channel)
	}
	for i, want := range []int{100, 200} {
		if r := c.Steps[i]; r.Count != want || r.Codes["succeeded"] != want {
			t.Fatalf("step %d: counted %d (%v), want %d, all succeeded", i, r.Count, r.Codes, want)
		}
	}
	var b strings.Builder
	res.Print(&b)
	if !strings.Contains(b.String(), "capacity: 200/s") || !strings.Contains(b.String(), "4 clients in flight") {
		t.Errorf("report:\n%s", b.String())
	}
}
