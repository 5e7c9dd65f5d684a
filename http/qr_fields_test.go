package http

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/qr"
)

// orderDigestRef is the content digest of an accepted order body computed
// the plain way: every field of the order read with json.Unmarshal or
// strconv and hashed by qr.Digest. The API's digest must equal it, byte
// for byte, or a retransmitted order would no longer match its first
// sending.
func orderDigestRef(t testing.TB, raw map[string]json.RawMessage) string {
	fields := map[string]string{}
	for _, name := range []string{"out_order_no", "auth_code", "mode", "channel", "terminal_id", "notify_url", "subject"} {
		if v, ok := raw[name]; ok && string(v) != "null" {
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			fields[name] = "s:" + s
		}
	}
	for _, name := range []string{"amount", "expire_seconds"} {
		if v, ok := raw[name]; ok && string(v) != "null" {
			n, err := strconv.ParseInt(string(v), 10, 64)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			fields[name] = "i:" + strconv.FormatInt(n, 10)
		}
	}
	return qr.Digest(fields)
}

// TestOrderDigestAsQRDigest checks the API's content digest of order
// bodies (plain, escaped and non-ASCII strings, fields in any order)
// against orderDigestRef.
func TestOrderDigestAsQRDigest(t *testing.T) {
	for _, body := range []string{
		`{"out_order_no":"A1","amount":1234,"auth_code":"134567890123456789"}`,
		`{"auth_code":"134567890123456789","amount":1234,"out_order_no":"A1","subject":"咖啡 一杯","terminal_id":"T\u0031"}`,
		`{"out_order_no":"A2","amount":1,"mode":"native","expire_seconds":10,"channel":"wechat","notify_url":"https://erp.example/n?a=1&b=<2>"}`,
		`{"out_order_no":"A3","amount":5,"auth_code":"134567890123456789","subject":"quote \" back \\ tab \t","mode":"micropay"}`,
		`{"out_order_no":"A4","amount":5,"auth_code":"134567890123456789","subject":"","terminal_id":null}`,
	} {
		raw, err := readFields(httptest.NewRequest("POST", "/v1/qr/orders", bytes.NewReader([]byte(body))))
		if err != nil {
			t.Fatal(err)
		}
		in, err := parseQROrder(raw, "M1")
		if err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		if want := orderDigestRef(t, raw); in.Hash != want {
			t.Errorf("%s: digest %s, want %s", body, in.Hash, want)
		}
	}
}

// FuzzPlainString checks the shortcut for plain strings against
// json.Unmarshal: whatever it accepts, json.Unmarshal reads as the same
// text.
func FuzzPlainString(f *testing.F) {
	for _, s := range []string{`"A1"`, `""`, `"a\"b"`, `"咖啡"`, `12`, `"x`, `"\u0041"`, "\"\x7f\""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, v []byte) {
		if !json.Valid(v) {
			return // the body reader hands only valid JSON values on
		}
		got, ok := plainString(v)
		if !ok {
			return
		}
		var want string
		if err := json.Unmarshal(v, &want); err != nil || got != want {
			t.Fatalf("%q: %q, json.Unmarshal %q (%v)", v, got, want, err)
		}
	})
}

// readFieldsRef is readFields as it was, through the decoder alone.
func readFieldsRef(b []byte) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil || m == nil {
		if err == nil {
			return nil, posguard.Errorf(posguard.EINVALID, "body: want a JSON object")
		}
		return nil, posguard.Errorf(posguard.EINVALID, "body: %s", bodyError(err))
	}
	if dec.More() {
		return nil, posguard.Errorf(posguard.EINVALID, "body: data after the JSON object")
	}
	return m, nil
}

// FuzzReadFieldsAsDecoder checks that readFields gives the fields, or the
// error message, the decoder alone gave.
func FuzzReadFieldsAsDecoder(f *testing.F) {
	for _, s := range []string{`{"out_order_no":"A1","amount":1234}`, `{"a":1}}`, `{"a":1} x`, `null`, `[]`, `{"a":1,"a":"2"}`, ` {"s":"\u0041"} `, `{`, ``,
		`{"out_order_no":"B1-2","amount":1234,"auth_code":"134567000100000002"}`, `{"subject":"咖啡 \"一杯\"","terminal_id":null,"x":true,"y":[],"amount":1.5e3}`,
		`{"Amount":1,"amount":2}`, "{\"subject\":\"a\xffb\"}", `{"a":01}`, `{"a":{"b":1}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, errGot := readFields(httptest.NewRequest("POST", "/v1/qr/orders", bytes.NewReader(body)))
		want, errWant := readFieldsRef(body)
		if fmt.Sprint(errGot) != fmt.Sprint(errWant) || len(got) != len(want) {
			t.Fatalf("%q: %v (%v), want %v (%v)", body, got, errGot, want, errWant)
		}
		for k, v := range want {
			if !bytes.Equal(got[k], v) {
				t.Fatalf("%q: field %q %s, want %s", body, k, got[k], v)
			}
		}
	})
}

// TestReadFieldsFlat checks that an order with plain values is read
// without reflection, and that the other bodies are left to encoding/json.
func TestReadFieldsFlat(t *testing.T) {
	for _, c := range []struct {
		body string
		flat bool
	}{
		{`{"out_order_no":"B1-2","amount":1234,"auth_code":"134567000100000002"}`, true},
		{`{"out_order_no":"A1","amount":5,"subject":"咖啡 \"一杯\"","terminal_id":null,"mode":"micropay"}`, true},
		{`{}`, true},
		{`{"Amount":1}`, false},
		{`{"amount":1} x`, false},
		{`{"a":{"b":1}}`, false},
		{`null`, false},
	} {
		if _, got := readFlatFields([]byte(c.body)); got != c.flat {
			t.Errorf("%s: read without reflection %v, want %v", c.body, got, c.flat)
		}
	}
}

// BenchmarkReadFields reads an order's body as POST /v1/qr/orders does:
// without reflection, and with json.Unmarshal.
func BenchmarkReadFields(b *testing.B) {
	body := []byte(`{"out_order_no":"B12-3456","amount":1234,"auth_code":"134567000120000003456"}`)
	b.Run("flat", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if m, ok := readFlatFields(body); !ok || len(m) != 3 {
				b.Fatal("not read")
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var m map[string]json.RawMessage
			if err := json.Unmarshal(body, &m); err != nil || len(m) != 3 {
				b.Fatal(err)
			}
		}
	})
}
