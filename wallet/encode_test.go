package wallet

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

// marshalRequest is the body as json.Marshal writes it: the header's
// object and the request's joined into one (the form EncodeRequest must
// keep byte for byte).
func marshalRequest(t testing.TB, h Header, req any) []byte {
	head, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	rest, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	if len(rest) <= 2 {
		return head
	}
	return append(append(head[:len(head)-1:len(head)-1], ','), rest[1:]...)
}

// requestsOf returns one request of every kind the client sends, its
// strings all s.
func requestsOf(s string, n int64) []any {
	return []any{
		MicropayRequest{MchID: s, OutTradeNo: s, AuthCode: AuthCode(s), Amount: n, Subject: s, TerminalID: s},
		MicropayRequest{OutTradeNo: s, AuthCode: AuthCode(s), Amount: n, Subject: s},
		QueryRequest{MchID: s, OutTradeNo: s},
		ReverseRequest{OutTradeNo: s},
		CloseRequest{OutTradeNo: s},
		NativeRequest{OutTradeNo: s, Amount: n, Subject: s, ExpireSeconds: int(n), NotifyURL: s},
		RefundRequest{OutTradeNo: s, OutRefundNo: s, RefundAmount: n, Reason: s},
		RefundQueryRequest{OutTradeNo: s, OutRefundNo: s},
		BillRequest{Date: s},
		struct{}{},
	}
}

// TestEncodeRequestAsMarshal checks that the bodies written by hand are
// byte for byte json.Marshal's, for plain strings and for strings that
// json.Marshal escapes.
func TestEncodeRequestAsMarshal(t *testing.T) {
	for _, s := range []string{"", "PG0000000000000001", "134567890123456789", "咖啡 一杯", "a\"b\\c", "<tag>&amp;", "tab\there", "\xff\xfe bad utf-8", "\u2028", "~ \x7f"} {
		for _, n := range []int64{0, 1, -7, 10_000_000_000} {
			h := Header{AppID: s, MchID: "1900000101", Nonce: s, Timestamp: n}
			for _, req := range requestsOf(s, n) {
				want := marshalRequest(t, h, req)
				got, err := EncodeRequest(h, req)
				if err != nil || !bytes.Equal(got, want) {
					t.Errorf("%T %q: %s (%v), want %s", req, s, got, err, want)
				}
			}
		}
	}
}

// FuzzEncodeRequest checks EncodeRequest against json.Marshal for any
// strings and amounts, and that the body is one valid JSON object.
func FuzzEncodeRequest(f *testing.F) {
	f.Add("wx5f3c9a1e2b7d4c60", "5K8264ILTKCH16CQ", "PG1", "咖啡", int64(100))
	f.Add("", "", "<&>", "\x00\xff", int64(-1))
	f.Fuzz(func(t *testing.T, app, nonce, s, subject string, n int64) {
		h := Header{AppID: app, MchID: s, Nonce: nonce, Timestamp: n}
		reqs := append(requestsOf(s, n), MicropayRequest{OutTradeNo: s, AuthCode: AuthCode(nonce), Amount: n, Subject: subject, TerminalID: app})
		for _, req := range reqs {
			want := marshalRequest(t, h, req)
			got, err := EncodeRequest(h, req)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("%T: %q (%v), want %q", req, got, err, want)
			}
			if !json.Valid(got) {
				t.Fatalf("%T: not JSON: %q", req, got)
			}
		}
	})
}

// BenchmarkEncodeMicropay is the body of one micropay request.
func BenchmarkEncodeMicropay(b *testing.B) {
	h := Header{AppID: "wx5f3c9a1e2b7d4c60", MchID: "1900000101", Nonce: "5K8264ILTKCH16CQ", Timestamp: 1767225600}
	req := MicropayRequest{OutTradeNo: "PG0000000000000001", AuthCode: "134567890123456789", Amount: 100, Subject: "posguard bench"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := EncodeRequest(h, req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeMicropayMarshal is the same body through json.Marshal of
// the header and of the request, as EncodeRequest wrote it before.
func BenchmarkEncodeMicropayMarshal(b *testing.B) {
	h := Header{AppID: "wx5f3c9a1e2b7d4c60", MchID: "1900000101", Nonce: "5K8264ILTKCH16CQ", Timestamp: 1767225600}
	req := MicropayRequest{OutTradeNo: "PG0000000000000001", AuthCode: "134567890123456789", Amount: 100, Subject: "posguard bench"}
	b.ReportAllocs()
	for b.Loop() {
		marshalRequest(b, h, req)
	}
}

// decodeObjectRef is decodeObject as it was, through the decoder alone.
func decodeObjectRef(body []byte, out any) error {
	b := bytes.TrimSpace(body)
	if len(b) == 0 || b[0] != '{' {
		return errors.New("body is not a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(out); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("data after the JSON object")
	}
	return nil
}

// FuzzDecodeObjectAsDecoder checks that decodeObject accepts and refuses
// what the decoder alone did, and fills each answer the same: the answers
// read without reflection (micropay, query, reverse, close) and one read
// through encoding/json (refund).
func FuzzDecodeObjectAsDecoder(f *testing.F) {
	for _, s := range []string{vecAnswer, `{"return_code":"FAIL"}}`, `{"amount":"1"}`, `{"amount":1} x`, ` {"nonce":"a\u0041"} `, `{"a":[1,{"b":2}]}]`, `{`, `[]`,
		`{"amount":1234,"app_id":"wx","mch_id":"1","nonce":"n","out_trade_no":"PG1","paid_at":"2026-03-01T10:16:00+08:00","result_code":"SUCCESS","return_code":"SUCCESS","timestamp":1,"trade_state":"SUCCESS","transaction_id":"T1"}`,
		`{"recall":"Y","Recall":"N","nonce":"n","nonce":"m","trade_type":null,"refunded_amount":-0,"x":[],"y":true}`,
		`{"err_msg":"\u7b49\u5f85","trade_state_desc":"支付中","amount":1e3,"timestamp":99999999999999999999}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		// Each answer starts with a value in a field, as a caller's may:
		// decodeObject leaves what the body does not set, like the decoder.
		check := func(got, want any) {
			errGot, errWant := decodeObject(body, got), decodeObjectRef(body, want)
			if (errGot == nil) != (errWant == nil) || !reflect.DeepEqual(got, want) {
				t.Fatalf("%q: %T %+v (%v), want %+v (%v)", body, got, got, errGot, want, errWant)
			}
		}
		pre := Result{ErrMsg: "before"}
		check(&MicropayAnswer{Result: pre}, &MicropayAnswer{Result: pre})
		check(&QueryAnswer{Result: pre}, &QueryAnswer{Result: pre})
		check(&ReverseAnswer{Result: pre}, &ReverseAnswer{Result: pre})
		check(&CloseAnswer{Result: pre}, &CloseAnswer{Result: pre})
		check(&RefundAnswer{Result: pre}, &RefundAnswer{Result: pre})
	})
}

// TestDecodeFlat checks that a channel's usual answers are read without
// reflection, and that the unusual ones are left to encoding/json.
func TestDecodeFlat(t *testing.T) {
	for _, c := range []struct {
		body string
		flat bool
	}{
		{vecAnswer, true},
		{`{"amount":1234,"app_id":"wx","nonce":"n","paid_at":"2026-03-01T10:16:00+08:00","return_code":"SUCCESS","timestamp":1,"unknown":[]}`, true},
		{`{"err_msg":"等待","return_code":"FAIL"}`, true},
		{`{"Return_Code":"SUCCESS"}`, false},
		{`{"return_code":null}`, false},
		{`{"amount":"1"}`, false},
		{`{"amount":1} x`, false},
		{`{"detail":{"a":1}}`, false},
	} {
		var a MicropayAnswer
		if got := a.decodeFlat([]byte(c.body)); got != c.flat {
			t.Errorf("%s: read without reflection %v, want %v", c.body, got, c.flat)
		}
		var want MicropayAnswer
		if err := json.Unmarshal([]byte(c.body), &want); c.flat && (err != nil || a != want) {
			t.Errorf("%s: %+v, json.Unmarshal %+v (%v)", c.body, a, want, err)
		}
	}
}

// BenchmarkDecodeAnswer reads a micropay answer as the client does (the
// signature apart): without reflection, and with json.Unmarshal.
func BenchmarkDecodeAnswer(b *testing.B) {
	body := []byte(`{"amount":1234,"app_id":"wx5f3c9a1e2b7d4c60","mch_id":"1900000101","nonce":"5K8264ILTKCH16CQ5K8264IL","out_trade_no":"PG0000000000000001","paid_at":"2026-03-01T10:16:00+08:00","result_code":"SUCCESS","return_code":"SUCCESS","timestamp":1767225601,"trade_state":"SUCCESS","transaction_id":"4200000000202603010000001234"}`)
	b.Run("flat", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var a MicropayAnswer
			if err := decodeObject(body, &a); err != nil || a.Amount != 1234 {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var a MicropayAnswer
			if err := json.Unmarshal(body, &a); err != nil || a.Amount != 1234 {
				b.Fatal(err)
			}
		}
	})
}
