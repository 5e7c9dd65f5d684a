package analytics_test

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/analytics"
)

// BenchmarkAnswered is the aggregator's work on the answer path of every
// request (counting into pending rollups and the detector's series), for
// approved sales spread over 256 terminals and 4 card prefixes.
func BenchmarkAnswered(b *testing.B) {
	agg := &analytics.Aggregator{Detector: &analytics.Detector{}}
	type pair struct {
		req  *posguard.TerminalRequest
		resp *posguard.TerminalResponse
	}
	var ps []pair
	for i := range 1024 {
		t := &posguard.Terminal{ID: fmt.Sprintf("T%07d", i%256), MerchantID: "898310048990001", Model: "PAX S90", Firmware: "3.2.0"}
		bin := []string{"622588", "411111", "622202", "625807"}[i%4]
		ps = append(ps, pair{
			&posguard.TerminalRequest{Type: posguard.TxnSale, TerminalID: t.ID, MerchantID: t.MerchantID, PAN: posguard.PAN(bin + "0012345678")},
			&posguard.TerminalResponse{Answer: posguard.Answer{Code: "00"}, Reason: posguard.ReasonApproved, Terminal: t, TxnID: int64(i + 1)},
		})
	}
	b.ReportAllocs()
	start := cpuTime()
	i := 0
	for b.Loop() {
		p := ps[i%len(ps)]
		agg.Answered(p.req, p.resp, 0)
		i++
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

// cpuTime is the process's user and system CPU so far: on a shared machine
// it measures the work where wall time measures the neighbours.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
