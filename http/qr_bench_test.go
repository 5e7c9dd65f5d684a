package http

import (
	"bytes"
	"net/http/httptest"
	"testing"
)

// BenchmarkParseQROrder reads and checks the body of a micropay order as
// the bench's merchant clients send it (docs/benchmarks.md, "Round 10: a
// QR order's allocations").
func BenchmarkParseQROrder(b *testing.B) {
	body := []byte(`{"out_order_no":"B0000000000123","amount":100,"auth_code":"134567890123456789","subject":"posguard bench"}`)
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest("POST", "/v1/qr/orders", bytes.NewReader(body))
		raw, err := readFields(r)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := parseQROrder(raw, "898310048990001"); err != nil {
			b.Fatal(err)
		}
	}
}
