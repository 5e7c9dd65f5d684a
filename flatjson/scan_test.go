package flatjson

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// sample has a field of each type the Scanner fills.
type sample struct {
	Name  string      `json:"name"`
	Code  string      `json:"code"`
	N     int64       `json:"n"`
	Num   json.Number `json:"num"`
	Other string      `json:"other_name"`
}

// scanSample reads b into v with a Scanner; false when encoding/json must.
func scanSample(b []byte, v *sample) bool {
	s := NewScanner(b)
	for s.Next() {
		ok := true
		switch string(s.Key()) {
		case "name":
			v.Name, ok = s.String()
		case "code":
			v.Code, ok = s.String()
		case "n":
			v.N, ok = s.Int64()
		case "num":
			v.Num, ok = s.Number()
		case "other_name":
			v.Other, ok = s.String()
		}
		if !ok {
			return false
		}
	}
	return s.Done()
}

// scanRaw reads b into its raw members; false when encoding/json must.
func scanRaw(b []byte) (map[string]json.RawMessage, bool) {
	m := map[string]json.RawMessage{}
	s := NewScanner(b)
	for s.Next() {
		m[s.KeyString()] = s.Raw()
	}
	return m, s.Done()
}

var seeds = []string{
	`{"name":"a","n":12,"num":3.5e2,"code":"x"}`,
	` { "name" : "a" , "n" : -0 } `,
	"{\"name\":\"a\"}\n",
	`{}`,
	`{"name":"a","name":"b"}`,
	`{"NAME":"a"}`,
	`{"Name":"a","name":"b"}`,
	`{"name":"\u00e9\n\"","code":"咖啡"}`,
	"{\"name\":\"a\xffb\"}",
	`{"name":"\ud800"}`,
	`{"n":01}`,
	`{"n":1.0}`,
	`{"n":1e2}`,
	`{"n":"1"}`,
	`{"num":"12"}`,
	`{"n":99999999999999999999}`,
	`{"n":null,"name":null}`,
	`{"x":true,"y":false,"z":null,"w":[],"v":[ ]}`,
	`{"x":[1]}`,
	`{"x":{}}`,
	`{"x":"\q"}`,
	`{"x":-}`,
	`{"x":1.}`,
	`{"x":.5}`,
	`{"x":1e}`,
	`{"name":"a",}`,
	`{"name":"a"} x`,
	`{"name":"a"}}`,
	"{\"name\":\"a\"}\x00",
	`{"name":"a"`,
	`{"name"}`,
	`{"na\u006de":"a"}`,
	`{"other_name":"a","othername":"b","other-name":"c"}`,
	`null`,
	`[]`,
	``,
	`"a"`,
	"\ufeff{}",
}

// FuzzScanAsEncodingJSON checks that whatever the Scanner reads, it reads
// as encoding/json does: into a struct (strings, int64, json.Number, keys
// matched as encoding/json matches them) and into raw members; and that it
// reads nothing encoding/json refuses.
func FuzzScanAsEncodingJSON(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var got sample
		if scanSample(b, &got) {
			var want sample
			if err := json.Unmarshal(b, &want); err != nil {
				t.Fatalf("%q: read, but encoding/json refuses it: %v", b, err)
			}
			if got != want {
				t.Fatalf("%q: %+v, encoding/json %+v", b, got, want)
			}
		}
		if m, ok := scanRaw(b); ok {
			var want map[string]json.RawMessage
			if err := json.Unmarshal(b, &want); err != nil {
				t.Fatalf("%q: raw read, but encoding/json refuses it: %v", b, err)
			}
			if len(m) != len(want) {
				t.Fatalf("%q: %q, encoding/json %q", b, m, want)
			}
			for k, v := range want {
				if !bytes.Equal(m[k], v) {
					t.Fatalf("%q: %s = %s, encoding/json %s", b, k, m[k], v)
				}
			}
		}
	})
}

// TestScan checks what is read and what is left to encoding/json.
func TestScan(t *testing.T) {
	for _, c := range []struct {
		in   string
		want *sample // nil: not read
	}{
		{`{"name":"a","n":12,"num":3.5e2,"code":"x"}`, &sample{Name: "a", N: 12, Num: "3.5e2", Code: "x"}},
		{` { "name" : "a" , "n" : -0 } ` + "\n", &sample{Name: "a"}},
		{`{"name":"a","name":"b"}`, &sample{Name: "b"}},
		{`{"name":"\u00e9\n","code":"咖啡"}`, &sample{Name: "é\n", Code: "咖啡"}},
		{"{\"name\":\"a\xffb\"}", &sample{Name: "a\ufffdb"}},
		{`{"x":true,"y":false,"z":null,"w":[],"v":[ ],"name":"a"}`, &sample{Name: "a"}},
		{`{}`, &sample{}},
		{`{"NAME":"a"}`, nil},         // encoding/json matches it to name
		{`{"n":1.0}`, nil},            // encoding/json refuses it
		{`{"num":"12"}`, nil},         // encoding/json takes it
		{`{"name":null}`, nil},        // encoding/json leaves the field
		{`{"x":[1]}`, nil},            // not flat
		{`{"x":{}}`, nil},             // not flat
		{`{"n":01}`, nil},             // malformed
		{`{"x":"\q"}`, nil},           // malformed
		{`{"name":"a"} x`, nil},       // data after the object
		{"{\"name\":\"a\x01\"}", nil}, // a control character
		{`null`, nil},
		{``, nil},
	} {
		var got sample
		ok := scanSample([]byte(c.in), &got)
		switch {
		case c.want == nil && ok:
			t.Errorf("%q: read as %+v, want it left to encoding/json", c.in, got)
		case c.want != nil && !ok:
			t.Errorf("%q: not read, want %+v", c.in, *c.want)
		case c.want != nil && !reflect.DeepEqual(got, *c.want):
			t.Errorf("%q: %+v, want %+v", c.in, got, *c.want)
		}
	}
}

// BenchmarkScan reads a channel answer's worth of members.
func BenchmarkScan(b *testing.B) {
	in := []byte(`{"code":"SUCCESS","n":1796000000,"name":"a1b2c3d4e5f6a7b8c9d0","num":1234,"other_name":"4200000000202612070000001234","x":"SUCCESS"}`)
	b.ReportAllocs()
	for b.Loop() {
		var v sample
		if !scanSample(in, &v) {
			b.Fatal("not read")
		}
	}
}
