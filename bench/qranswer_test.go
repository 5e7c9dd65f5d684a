package bench

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/qr"
)

// newOrderAnswer is the API's answer to a new micropay order that succeeded.
func newOrderAnswer(t testing.TB) []byte {
	at := time.Date(2026, 3, 1, 10, 16, 0, 0, time.UTC)
	o := &posguard.QROrder{ID: 12, OutOrderNo: "B1-2", MerchantID: "898310048990001", Mode: posguard.QRMicropay, Channel: "wechat",
		Amount: 1234, State: posguard.QRSucceeded, OutTradeNo: "PG0000000000000012", TransactionID: "4200000000202603010000001234",
		PaidAt: at, AuthCode: "1345**********6789", CreatedAt: at, UpdatedAt: at}
	b, err := json.Marshal(qr.ViewOrder(o, nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n') // as the API's encoder writes it
}

// TestOrderAnswerFlat checks that the answer to a new order is read
// without reflection, as json.Unmarshal reads it.
func TestOrderAnswerFlat(t *testing.T) {
	var a orderAnswer
	if b := newOrderAnswer(t); !a.decodeFlat(b) || a.State != "succeeded" {
		t.Fatalf("%s: read %v, state %q", b, a.decodeFlat(b), a.State)
	}
}

// FuzzOrderAnswerAsUnmarshal checks that whatever decodeFlat reads,
// json.Unmarshal reads the same.
func FuzzOrderAnswerAsUnmarshal(f *testing.F) {
	f.Add(newOrderAnswer(f))
	for _, s := range []string{`{"state":"paying","State":"x"}`, `{"state":null}`, `{"state":"a","state":"b","refunds":[ ]}`, `{"explanation":{"zh":"x"},"state":"failed"}`, `{"state":"\u0061"} x`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got := orderAnswer{State: "before"}
		if !got.decodeFlat(b) {
			if got.State != "before" {
				t.Fatalf("%q: not read, but state changed to %q", b, got.State)
			}
			return
		}
		want := orderAnswer{State: "before"}
		if err := json.Unmarshal(b, &want); err != nil || got != want {
			t.Fatalf("%q: %+v, json.Unmarshal %+v (%v)", b, got, want, err)
		}
	})
}

// BenchmarkOrderAnswer reads a new order's answer as the bench's clients do.
func BenchmarkOrderAnswer(b *testing.B) {
	body := newOrderAnswer(b)
	b.Run("flat", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var a orderAnswer
			if !a.decodeFlat(body) {
				b.Fatal("not read")
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var a orderAnswer
			if err := json.Unmarshal(body, &a); err != nil {
				b.Fatal(err)
			}
		}
	})
}
