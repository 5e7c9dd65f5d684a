package metrics_test

import (
	"bufio"
	"errors"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/metrics"
	switching "github.com/posguard/posguard/switch"
)

// Metrics is the switch's observer.
var _ switching.Observer = (*metrics.Metrics)(nil)

// scrape fetches the handler's exposition and returns every sample as
// "name{labels}" → value.
func scrape(t *testing.T, m *metrics.Metrics) map[string]float64 {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			t.Fatalf("bad sample line %q", line)
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("bad value in %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestScrape(t *testing.T) {
	m := metrics.New()
	sale := &posguard.TerminalRequest{Type: posguard.TxnSale}
	void := &posguard.TerminalRequest{Type: posguard.TxnVoid}
	ok := &posguard.TerminalResponse{Answer: posguard.Answer{Code: "00"}}
	nsf := &posguard.TerminalResponse{Answer: posguard.Answer{Code: "51"}}

	m.Answered(sale, ok, 3*time.Millisecond)
	m.Answered(sale, ok, 40*time.Millisecond)
	m.Answered(sale, nsf, 2*time.Second)
	m.Answered(void, ok, 200*time.Microsecond)
	m.Answered(nil, nil, time.Millisecond)

	m.ConnState(true)
	m.ConnState(true)
	m.ConnState(true)
	m.ConnState(false)

	m.UpstreamState(2, 7)
	m.UpstreamState(1, 3)

	m.ReversalAttempt(nil)
	m.ReversalAttempt(posguard.Errorf(posguard.ETIMEOUT, "no answer"))
	m.ReversalAttempt(posguard.Errorf(posguard.ETIMEOUT, "no answer"))
	m.ReversalAttempt(errors.New("boom"))
	m.ReversalQueue(4, 90*time.Second)

	m.FrameError("length")
	m.FrameError("length")
	m.FrameError("mac")

	got := scrape(t, m)
	want := map[string]float64{
		`posguard_transactions_total{code="00",type="sale"}`:                    2,
		`posguard_transactions_total{code="51",type="sale"}`:                    1,
		`posguard_transactions_total{code="00",type="void"}`:                    1,
		`posguard_transactions_total{code="none",type="unknown"}`:               1,
		`posguard_transaction_duration_seconds_count{type="sale"}`:              3,
		`posguard_transaction_duration_seconds_sum{type="sale"}`:                2.043,
		`posguard_transaction_duration_seconds_bucket{type="sale",le="0.005"}`:  1,
		`posguard_transaction_duration_seconds_bucket{type="sale",le="0.05"}`:   2,
		`posguard_transaction_duration_seconds_bucket{type="sale",le="1"}`:      2,
		`posguard_transaction_duration_seconds_bucket{type="sale",le="2.5"}`:    3,
		`posguard_transaction_duration_seconds_bucket{type="sale",le="30"}`:     3,
		`posguard_transaction_duration_seconds_bucket{type="sale",le="+Inf"}`:   3,
		`posguard_transaction_duration_seconds_bucket{type="void",le="0.0005"}`: 1,
		`posguard_terminal_connections`:                                         2,
		`posguard_terminal_connections_total`:                                   3,
		`posguard_upstream_connections`:                                         1,
		`posguard_upstream_outstanding`:                                         3,
		`posguard_reversal_attempts_total{result="acknowledged"}`:               1,
		`posguard_reversal_attempts_total{result="timeout"}`:                    2,
		`posguard_reversal_attempts_total{result="internal"}`:                   1,
		`posguard_reversal_queue_depth`:                                         4,
		`posguard_reversal_oldest_seconds`:                                      90,
		`posguard_frame_errors_total{kind="length"}`:                            2,
		`posguard_frame_errors_total{kind="mac"}`:                               1,
	}
	for series, v := range want {
		g, ok := got[series]
		if !ok {
			t.Errorf("series %s missing", series)
			continue
		}
		if diff := g - v; diff > 1e-9 || diff < -1e-9 {
			t.Errorf("%s = %v, want %v", series, g, v)
		}
	}
	if _, ok := got[`go_goroutines`]; !ok {
		t.Error("runtime collector missing: go_goroutines not exposed")
	}
}

func TestReversalQueueEmptyResetsAge(t *testing.T) {
	m := metrics.New()
	m.ReversalQueue(3, time.Minute)
	m.ReversalQueue(0, time.Minute)
	got := scrape(t, m)
	if got[`posguard_reversal_queue_depth`] != 0 || got[`posguard_reversal_oldest_seconds`] != 0 {
		t.Fatalf("empty queue: depth %v oldest %v", got[`posguard_reversal_queue_depth`], got[`posguard_reversal_oldest_seconds`])
	}
}

// TestOwnRegistry checks two Metrics values do not share series (nothing is
// registered in the global default registry).
func TestOwnRegistry(t *testing.T) {
	a, b := metrics.New(), metrics.New()
	a.FrameError("tpdu")
	if v, ok := scrape(t, b)[`posguard_frame_errors_total{kind="tpdu"}`]; ok {
		t.Fatalf("second registry sees the first one's series (value %v)", v)
	}
	if scrape(t, a)[`posguard_frame_errors_total{kind="tpdu"}`] != 1 {
		t.Fatal("first registry lost its series")
	}
}
