package http

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/posguard/posguard"
)

func TestCursorRoundTrip(t *testing.T) {
	for _, id := range []int64{1, 9, 100, 123456789, 1<<63 - 1} {
		got, err := decodeCursor(encodeCursor(id))
		if err != nil || got != id {
			t.Errorf("id %d: got %d, %v", id, got, err)
		}
	}
}

func TestCursorRejects(t *testing.T) {
	for _, c := range []string{"", "x", "!!!", "dDE6", "dDE6MA", "dDE6LTE", "dDE6MDE", "dDI6MQ", "dDE6MSA"} {
		// dDE6 "t1:", dDE6MA "t1:0", dDE6LTE "t1:-1", dDE6MDE "t1:01", dDI6MQ "t2:1", dDE6MSA "t1:1 "
		if id, err := decodeCursor(c); err == nil {
			t.Errorf("cursor %q accepted as %d", c, id)
		} else if posguard.ErrorCode(err) != posguard.EINVALID || !strings.HasPrefix(posguard.ErrorMessage(err), "cursor: ") {
			t.Errorf("cursor %q: error %v", c, err)
		}
	}
}

// FuzzDecodeCursor checks that no input panics and that every accepted
// cursor re-encodes to itself.
func FuzzDecodeCursor(f *testing.F) {
	for _, s := range []string{"", "dDE6MQ", encodeCursor(42), encodeCursor(1 << 62), "dDE6LTE", "dDE6N0", "====", "dDE6OTk5OTk5OTk5OTk5OTk5OTk5OTk5", "dDE6\nMQ", "dDE6MQ\r\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := decodeCursor(s)
		if err != nil {
			if posguard.ErrorCode(err) != posguard.EINVALID {
				t.Fatalf("error code %q", posguard.ErrorCode(err))
			}
			return
		}
		if id <= 0 {
			t.Fatalf("accepted non-positive ID %d", id)
		}
		if again := encodeCursor(id); again != s {
			t.Fatalf("cursor %q decodes to %d which encodes to %q", s, id, again)
		}
	})
}

// FuzzParseTxnFilter checks that no query panics the filter parser and that
// an accepted filter respects the documented bounds.
func FuzzParseTxnFilter(f *testing.F) {
	for _, s := range []string{
		"", "limit=5", "state=approved&code=51", "from=2026-03-01T00:00:00Z&to=2026-03-02T00:00:00Z",
		"cursor=" + encodeCursor(7), "limit=0", "code=%00%01", "merchant=M1&terminal=T1", "to=2026-01-01T00:00:00+08:00",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		flt, err := parseTxnFilter(q)
		if err != nil {
			if posguard.ErrorCode(err) != posguard.EINVALID {
				t.Fatalf("error code %q", posguard.ErrorCode(err))
			}
			return
		}
		if flt.Limit < 1 || flt.Limit > maxListLimit || flt.After < 0 {
			t.Fatalf("filter out of bounds: %+v", flt)
		}
		if flt.State != "" && !states[flt.State] {
			t.Fatalf("unknown state accepted: %q", flt.State)
		}
	})
}

var longRun = regexp.MustCompile(`[0-9]{13,}`)

func TestMaskDigitRuns(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"no digits", "no digits"},
		{"rrn 000000100001", "rrn 000000100001"}, // 12 digits stay
		{"6225880012345678", "622588******5678"},
		{"card 6225880012345678, again 4111111111111111.", "card 622588******5678, again 411111******1111."},
		{"1234567890123", "123456***0123"},
		{"中文6225880012345678中文", "中文622588******5678中文"},
	}
	for _, tt := range tests {
		if got := maskDigitRuns(tt.in); got != tt.want {
			t.Errorf("maskDigitRuns(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzMaskDigitRuns checks that the output never holds 13 digits in a row
// and keeps the input's length and non-digit bytes.
func FuzzMaskDigitRuns(f *testing.F) {
	f.Add("card 6225880012345678")
	f.Add("00000000000000000000000000000000000000000000000000000000000000")
	f.Add("a1b2")
	f.Fuzz(func(t *testing.T, s string) {
		out := maskDigitRuns(s)
		if len(out) != len(s) {
			t.Fatalf("length %d → %d", len(s), len(out))
		}
		if longRun.MatchString(out) {
			t.Fatalf("%q still holds a long digit run: %q", s, out)
		}
		for i := 0; i < len(s); i++ {
			if (s[i] < '0' || s[i] > '9') && s[i] != out[i] {
				t.Fatalf("byte %d changed: %q → %q", i, s, out)
			}
		}
	})
}
