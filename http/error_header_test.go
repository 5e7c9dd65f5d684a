package http

import (
	"net/http/httptest"
	"testing"
)

// TestWriteJSONHeaders checks the headers of a JSON answer: each set once,
// under its canonical name, replacing a value set before.
func TestWriteJSONHeaders(t *testing.T) {
	w := httptest.NewRecorder()
	w.Header().Set("Content-Type", "text/plain")
	writeJSON(w, 201, map[string]int{"a": 1})
	h := w.Result().Header
	for name, want := range map[string]string{"Content-Type": "application/json; charset=utf-8", "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"} {
		if got := h.Values(name); len(got) != 1 || got[0] != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	if w.Code != 201 || w.Body.String() != "{\"a\":1}\n" {
		t.Errorf("%d %q", w.Code, w.Body.String())
	}
}
