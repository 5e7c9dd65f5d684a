package http

import (
	nethttp "net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Refused bodies are described without Go type or struct names.
func TestBodyErrorsNameNoGoTypes(t *testing.T) {
	type in struct {
		Note  string `json:"note"`
		Count int    `json:"count"`
	}
	for body, want := range map[string]string{
		`{"note": 5}`:    "field note: want a string, got number",
		`{"count": "x"}`: "field count: want an integer, got string",
		`{"other": 1}`:   "unknown field other",
		`{"note": `:      "ends before the JSON is complete",
		`{note}`:         "not valid JSON",
		``:               "empty; want a JSON object",
		`[1,2]`:          "want an object, got array",
	} {
		r := httptestRequest(body)
		var v in
		err := readBody(r, &v)
		if err == nil {
			t.Fatalf("%q accepted", body)
		}
		msg := err.Error()
		if !strings.Contains(msg, want) {
			t.Errorf("%q: %q, want it to say %q", body, msg, want)
		}
		for _, leak := range []string{"Go ", "struct", "http.in", "json:"} {
			if strings.Contains(msg, leak) {
				t.Errorf("%q: message %q names %q", body, msg, leak)
			}
		}
	}
}

func httptestRequest(body string) *nethttp.Request {
	return httptest.NewRequest(nethttp.MethodPost, "/v1/cases/1/notes", strings.NewReader(body))
}
