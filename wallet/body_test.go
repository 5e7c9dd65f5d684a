package wallet

import (
	"errors"
	"strings"
	"testing"
	"testing/iotest"
)

// TestReadBody reads bodies of declared, wrong and unknown lengths, within
// and above the limit, and reports the reader's error.
func TestReadBody(t *testing.T) {
	body := strings.Repeat("x", 1000)
	for _, c := range []struct {
		size, limit int64
		in          string
		want        int
	}{
		{1000, 4096, body, 1000},
		{-1, 4096, body, 1000},
		{10, 4096, body, 1000},   // declared too short: all read
		{5000, 4096, body, 1000}, // declared too long
		{0, 4096, "", 0},
		{1000, 999, body, 1000}, // above the limit: limit+1 bytes
		{-1, 100, body, 101},
	} {
		b, err := ReadBody(strings.NewReader(c.in), c.size, c.limit)
		if err != nil || len(b) != c.want || string(b) != c.in[:c.want] {
			t.Errorf("size %d limit %d: %d bytes, %v; want %d", c.size, c.limit, len(b), err, c.want)
		}
	}
	if _, err := ReadBody(iotest.ErrReader(errors.New("cut")), 10, 100); err == nil || err.Error() != "cut" {
		t.Errorf("reader error: %v", err)
	}
}
