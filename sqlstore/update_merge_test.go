package sqlstore

import (
	"database/sql"
	"encoding/json"
	"maps"
	"testing"

	"github.com/posguard/posguard"
)

// TestMergeDetail checks the Go-side merge that replaced json_patch: keys of
// the update win, stored keys stay, an empty update leaves the column alone
// (NULL), and a stored detail that is not JSON is an internal error.
func TestMergeDetail(t *testing.T) {
	tests := []struct {
		name   string
		stored sql.NullString
		add    map[string]string
		want   map[string]string // nil: NULL expected
		code   string
	}{
		{"nothing to add", sql.NullString{String: `{"a":"1"}`, Valid: true}, nil, nil, ""},
		{"stored NULL", sql.NullString{}, map[string]string{"a": "1"}, map[string]string{"a": "1"}, ""},
		{"stored empty text", sql.NullString{Valid: true}, map[string]string{"a": "1"}, map[string]string{"a": "1"}, ""},
		{"stored JSON null", sql.NullString{String: "null", Valid: true}, map[string]string{"a": "1"}, map[string]string{"a": "1"}, ""},
		{"merge, update wins", sql.NullString{String: `{"keep":"1","change":"old"}`, Valid: true},
			map[string]string{"change": "new", "added": "x"}, map[string]string{"keep": "1", "change": "new", "added": "x"}, ""},
		{"stored not JSON", sql.NullString{String: `{oops`, Valid: true}, map[string]string{"a": "1"}, nil, posguard.EINTERNAL},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := mergeDetail(7, tc.stored, tc.add)
			if code := posguard.ErrorCode(err); code != tc.code {
				t.Fatalf("error %v, want code %q", err, tc.code)
			}
			if tc.code != "" {
				return
			}
			if tc.want == nil {
				if got != nil {
					t.Fatalf("got %v, want NULL", got)
				}
				return
			}
			text, ok := got.(string)
			if !ok {
				t.Fatalf("got %T, want JSON text", got)
			}
			var m map[string]string
			if err := json.Unmarshal([]byte(text), &m); err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(m, tc.want) {
				t.Fatalf("got %v, want %v", m, tc.want)
			}
		})
	}
}
