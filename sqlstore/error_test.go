package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/posguard/posguard"
)

func TestMapError(t *testing.T) {
	driver := errors.New("driver: constraint failed")
	classify := func(err error) string {
		if errors.Is(err, driver) {
			return posguard.ECONFLICT
		}
		return ""
	}
	own := posguard.Errorf(posguard.ENOTFOUND, "case 1 not found")
	cases := []struct {
		name string
		err  error
		code string
		same bool // returned unchanged
	}{
		{"posguard error", own, posguard.ENOTFOUND, true},
		{"deadline", fmt.Errorf("query: %w", context.DeadlineExceeded), posguard.ETIMEOUT, false},
		{"classified", driver, posguard.ECONFLICT, false},
		{"unknown", errors.New("disk on fire"), posguard.EINTERNAL, false},
	}
	for _, c := range cases {
		got := MapError(c.err, "sqlite", "insert", classify)
		if posguard.ErrorCode(got) != c.code {
			t.Errorf("%s: %v, want code %q", c.name, got, c.code)
		}
		if c.same && got != c.err {
			t.Errorf("%s: wrapped again: %v", c.name, got)
		}
		if !c.same && (!errors.Is(got, c.err) || !strings.Contains(got.Error(), "sqlite: insert")) {
			t.Errorf("%s: %v does not wrap the cause with the operation", c.name, got)
		}
	}
	if MapError(nil, "sqlite", "insert", classify) != nil {
		t.Error("nil error mapped to non-nil")
	}
}
