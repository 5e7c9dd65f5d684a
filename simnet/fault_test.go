package simnet

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard"
)

func TestParseFaults(t *testing.T) {
	tests := []struct {
		spec string
		want Faults
	}{
		{"", Faults{}},
		{"none", Faults{}},
		{"latency=2ms", Faults{Latency: Latency{2 * time.Millisecond, 2 * time.Millisecond}}},
		{"latency=1ms-5ms, timeout=0.02", Faults{Latency: Latency{time.Millisecond, 5 * time.Millisecond}, Timeout: 0.02}},
		{"latency=2ms,timeout=0.02,drop_after_approve=0.01,outage=622588:30s,decline_burst=621700:10s,disconnect=0.001,garbage=0.001,timeout_no_debit=0.01",
			Faults{Latency: Latency{2 * time.Millisecond, 2 * time.Millisecond}, Timeout: 0.02, DropAfterApprove: 0.01,
				Outages: []Window{{"622588", 30 * time.Second}}, DeclineBursts: []Window{{"621700", 10 * time.Second}},
				Disconnect: 0.001, Garbage: 0.001, TimeoutNoDebit: 0.01}},
		{"outage=622588:1m,outage=621700:2s", Faults{Outages: []Window{{"622588", time.Minute}, {"621700", 2 * time.Second}}}},
		{"timeout=1,garbage=0", Faults{Timeout: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			got, err := ParseFaults(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			again, err := ParseFaults(got.String())
			if err != nil || !reflect.DeepEqual(again, got) {
				t.Fatalf("String %q does not read back: %+v, %v", got.String(), again, err)
			}
		})
	}
}

func TestParseFaultsErrors(t *testing.T) {
	tests := []struct{ spec, item string }{
		{"timeout", "timeout"},
		{"timeout=1.5", "timeout=1.5"},
		{"timeout=-0.1", "timeout=-0.1"},
		{"timeout=NaN", "timeout=NaN"},
		{"latency=2ms,jitter=0.1", "jitter=0.1"},
		{"latency=fast", "latency=fast"},
		{"latency=5ms-1ms", "latency=5ms-1ms"},
		{"latency=-1ms", "latency=-1ms"},
		{"outage=622588", "outage=622588"},
		{"outage=62a588:1s", "outage=62a588:1s"},
		{"outage=622588:0s", "outage=622588:0s"},
		{"decline_burst=123456789012:1s", "decline_burst=123456789012:1s"},
		{"timeout=0.1,timeout=0.2", "timeout=0.2"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			_, err := ParseFaults(tt.spec)
			if posguard.ErrorCode(err) != posguard.EINVALID {
				t.Fatalf("ParseFaults(%q) = %v, want invalid", tt.spec, err)
			}
			if !strings.Contains(err.Error(), `"`+tt.item+`"`) {
				t.Fatalf("error %q does not name the item %q", err, tt.item)
			}
		})
	}
}

func FuzzParseFaults(f *testing.F) {
	for _, s := range []string{"", "latency=2ms", "latency=1ms-5ms,timeout=0.5", "outage=622588:30s,decline_burst=6:1h",
		"timeout=1e-3,garbage=1,disconnect=0", "a=b", "latency=-", "outage=:", ",,", "timeout=0x1p-2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		got, err := ParseFaults(spec)
		if err != nil {
			if posguard.ErrorCode(err) != posguard.EINVALID {
				t.Fatalf("error code %q", posguard.ErrorCode(err))
			}
			return
		}
		again, err := ParseFaults(got.String())
		if err != nil {
			t.Fatalf("canonical form %q rejected: %v", got.String(), err)
		}
		if !reflect.DeepEqual(again, got) {
			t.Fatalf("round trip of %q: %+v != %+v", spec, again, got)
		}
	})
}
