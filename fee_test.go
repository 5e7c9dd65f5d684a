package posguard_test

import (
	"fmt"
	"testing"

	"github.com/posguard/posguard"
)

func TestParseRate(t *testing.T) {
	tests := []struct {
		in   string
		want posguard.Rate
		str  string
	}{
		{"0.60%", 6000, "0.60%"},
		{"0.38%", 3800, "0.38%"},
		{"0.5%", 5000, "0.50%"},
		{"1%", 10000, "1.00%"},
		{"0.0125%", 125, "0.0125%"},
		{" 0.10% ", 1000, "0.10%"},
		{"0%", 0, "0.00%"},
		{"100%", 1_000_000, "100.00%"},
	}
	for _, tt := range tests {
		r, err := posguard.ParseRate(tt.in)
		if err != nil || r != tt.want {
			t.Errorf("posguard.ParseRate(%q) = %d, %v; want %d", tt.in, r, err, tt.want)
			continue
		}
		if r.String() != tt.str {
			t.Errorf("posguard.Rate(%d).String() = %q, want %q", r, r.String(), tt.str)
		}
		if back, err := posguard.ParseRate(r.String()); err != nil || back != r {
			t.Errorf("posguard.ParseRate(%q) = %d, %v; want it to read back %d", r.String(), back, err, r)
		}
	}
	for _, bad := range []string{"", "%", "0.60", "0.6.0%", "-0.5%", "0.00001%", "101%", "1e2%", ".5%", "5.%", "abc%"} {
		if r, err := posguard.ParseRate(bad); err == nil {
			t.Errorf("posguard.ParseRate(%q) = %d, want an error", bad, r)
		}
	}
}

func TestRateFee(t *testing.T) {
	tests := []struct {
		rate   posguard.Rate
		amount posguard.Amount
		want   posguard.Amount
	}{
		{6000, 10000, 60},             // 0.60% of 100.00 = 0.60
		{6000, 12345, 74},             // 74.07 fen rounds down
		{3800, 250, 1},                // 0.95 fen rounds up
		{5000, 100, 1},                // 0.5 fen rounds half up
		{5000, 99, 0},                 // 0.495 fen rounds down
		{6000, -10000, -60},           // refunds return the fee with the sign
		{1_000_000, 1 << 60, 1 << 60}, // no overflow at 100%
		{0, 5000000, 0},
	}
	for _, tt := range tests {
		if got := tt.rate.Fee(tt.amount); got != tt.want {
			t.Errorf("posguard.Rate(%d).Fee(%d) = %d, want %d", tt.rate, tt.amount, got, tt.want)
		}
	}
}

func ExampleParseRate() {
	r, _ := posguard.ParseRate("0.60%")
	fmt.Println(int64(r), r, r.Fee(12345))
	// Output: 6000 0.60% 0.74
}
