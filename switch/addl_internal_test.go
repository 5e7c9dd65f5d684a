package switching

import (
	"fmt"
	"testing"
	"time"
)

// TestAddlResponseMatchesFmt checks field 44 against fmt's %-11s%-11s,
// which it replaces on the sale path: short, exact, long, empty and
// non-ASCII ids.
func TestAddlResponseMatchesFmt(t *testing.T) {
	ids := []string{"", "0102", "01020000", "12345678901", "123456789012345", "银联01"}
	for _, a := range ids {
		for _, b := range ids {
			if got, want := addlResponse(a, b), fmt.Sprintf("%-11s%-11s", a, b); got != want {
				t.Errorf("addlResponse(%q, %q) = %q, want %q", a, b, got, want)
			}
		}
	}
}

// TestUpstreamMillisMatchesFmt checks the journal's upstream_ms text
// against fmt's %.1f, which it replaces on the sale path.
func TestUpstreamMillisMatchesFmt(t *testing.T) {
	for _, d := range []time.Duration{0, time.Microsecond, 49 * time.Microsecond, 50 * time.Microsecond, 150 * time.Microsecond,
		250 * time.Microsecond, 999 * time.Microsecond, 1234567 * time.Microsecond, 2 * time.Second, 1<<62 - 1} {
		if got, want := upstreamMillis(d), fmt.Sprintf("%.1f", float64(d.Microseconds())/1000); got != want {
			t.Errorf("%v: %q, want %q", d, got, want)
		}
	}
}
