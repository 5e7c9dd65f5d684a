package http_test

import (
	"strings"
	"testing"
)

// A card number in a notice is stored, and returned, masked.
func TestNoticeMasksCardNumbers(t *testing.T) {
	w := newWorld(t)
	srv := caseServer(t, w)
	var n struct{ ID int64 }
	st, raw := call(t, srv, "POST", "/v1/notices", map[string]any{"kind": "other", "title": "card 6222020000000015 blocked",
		"body": "cards 6222-0200-0000-0015 and 4111 1111 1111 1111 were reported", "author": "ops"}, &n)
	if st != 201 {
		t.Fatalf("post notice: %d %s", st, raw)
	}
	_, list := call(t, srv, "GET", "/v1/notices?all=1", nil, nil)
	for _, s := range []string{raw, list} {
		for _, clear := range []string{"6222020000000015", "6222-0200-0000-0015", "4111 1111 1111 1111"} {
			if strings.Contains(s, clear) {
				t.Fatalf("card number %s in clear: %s", clear, s)
			}
		}
	}
	if !strings.Contains(list, "622202******0015") {
		t.Fatalf("masked title missing: %s", list)
	}
}
