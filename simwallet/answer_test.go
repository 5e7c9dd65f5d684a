package simwallet

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

// TestAnswerEncodeAsMarshal checks that an answer's JSON is byte for byte
// json.Marshal's, for the plain answers written by hand and for those left
// to json.Marshal (escapes, other types).
func TestAnswerEncodeAsMarshal(t *testing.T) {
	for _, a := range []answer{
		{},
		{"return_code": "SUCCESS", "result_code": "SUCCESS", "app_id": "wx1", "mch_id": "19", "nonce": "abcDEF0123456789",
			"timestamp": int64(1765000000), "out_trade_no": "Q12", "transaction_id": "420000", "amount": int64(100),
			"paid_at": "2026-12-07T11:00:00+08:00", "trade_state": "SUCCESS", "refunded_amount": 0},
		{"err_msg": "signature missing or wrong", "return_code": "FAIL", "err_code": "SIGNERROR"},
		{"trade_state_desc": "simulated <USERPAYING> & more", "n": int64(-5)},
		{"bill": "a,b\nc,d\n", "x": "quote \" and \\ back"},
		{"msg": "支付中", "tab": "a\tb"},
		{"f": 1.5, "b": true, "nil": nil},
		{"k<": "v"},
	} {
		want, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		got, err := a.encode()
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("encode: %s, %v\nwant %s", got, err, want)
		}
	}
}

// FuzzAnswerEncode checks encode against json.Marshal for any strings and
// integers.
func FuzzAnswerEncode(f *testing.F) {
	f.Add("return_code", "SUCCESS", "amount", int64(100))
	f.Add("err_msg", "<&>\u2028\x00\xff", "n", int64(-1))
	f.Fuzz(func(t *testing.T, k1, v1, k2 string, n int64) {
		a := answer{k1: v1, k2: n, "nonce": v1 + k2}
		want, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		got, err := a.encode()
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("encode: %q, %v\nwant %q", got, err, want)
		}
	})
}

// TestNextIDAsSprintf checks that a channel number is the prefix, the day
// and the sequence on at least ten digits, as fmt's "%s%s%010d" writes it.
func TestNextIDAsSprintf(t *testing.T) {
	at := time.Date(2026, 12, 7, 23, 30, 0, 0, time.UTC)
	s := &Sim{now: func() time.Time { return at }}
	for _, seq := range []int64{0, 8, 999_999_999, 9_999_999_999, 12_345_678_901_234} {
		s.seq = seq
		got := s.nextID("T")
		if want := fmt.Sprintf("%s%s%010d", "T", at.Format("20060102"), seq+1); got != want {
			t.Errorf("seq %d: %q, want %q", seq+1, got, want)
		}
	}
}

// FuzzRequestDecodeAsDecoder checks that a request's body is read as the
// decoder alone (UseNumber, the first value) read it.
func FuzzRequestDecodeAsDecoder(f *testing.F) {
	for _, s := range []string{`{"app_id":"wx","amount":100,"timestamp":1767225600}`, `{"amount":"1"}`, `{"amount":1e3} x`, `{"a":1}}`, `[1]`, `null`, `{`, ``,
		microBody, `{"Nonce":"a","nonce":"b","subject":"\u5496\u5561 咖啡","amount":-0,"x":[],"y":null,"reason":null}`,
		`{"timestamp":1.5e3,"expire_seconds":01,"date":"2026-03-01"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, errGot := decodeRequest(body)
		var want request
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		errWant := dec.Decode(&want)
		if (errGot == nil) != (errWant == nil) || got != want {
			t.Fatalf("%q: %+v (%v), want %+v (%v)", body, got, errGot, want, errWant)
		}
	})
}

// microBody is a micropay request as the host sends it.
const microBody = `{"app_id":"wx5f3c9a1e2b7d4c60","mch_id":"1900000101","nonce":"5K8264ILTKCH16CQ5K8264IL","timestamp":1767225601,"out_trade_no":"PG0000000000000001","auth_code":"134567890123456789","amount":1234,"subject":"posguard order"}`

// TestDecodeRequestFlat checks that the usual requests are read without
// reflection, and that the unusual ones are left to encoding/json.
func TestDecodeRequestFlat(t *testing.T) {
	for _, c := range []struct {
		body string
		flat bool
	}{
		{microBody, true},
		{`{"app_id":"wx","subject":"咖啡","amount":1.5,"expire_seconds":300,"notify_url":"http://a/b?c=1&d=2"}`, true},
		{`{"amount":"12"}`, false},   // a number in a string: encoding/json's rule
		{`{"APP_ID":"wx"}`, false},   // matched case-insensitively
		{`{"nonce":"a"} {}`, false},  // what follows: the decoder's rule
		{`{"extra":{"a":1}}`, false}, // not flat
	} {
		var r request
		if got := r.decodeFlat([]byte(c.body)); got != c.flat {
			t.Errorf("%s: read without reflection %v, want %v", c.body, got, c.flat)
		}
	}
}

// BenchmarkDecodeRequest reads a micropay request as the channel does:
// without reflection, and with json.Unmarshal.
func BenchmarkDecodeRequest(b *testing.B) {
	body := []byte(microBody)
	b.Run("flat", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if r, err := decodeRequest(body); err != nil || r.Amount != "1234" {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var r request
			if err := json.Unmarshal(body, &r); err != nil || r.Amount != "1234" {
				b.Fatal(err)
			}
		}
	})
}
