package http

import (
	"bytes"
	nethttp "net/http"
	"testing"

	"github.com/posguard/posguard/qr"
)

// TestRefundDigestMatchesConsole: the API's content digest of a refund
// body equals qr.RefundDigest of the same fields, which the console's
// refund form uses, so one refund number sent both ways with the same
// content is one refund (and with other content a conflict).
func TestRefundDigestMatchesConsole(t *testing.T) {
	for _, c := range []struct {
		body       string
		no, reason string
		amount     int64
		same       bool
	}{
		{`{"out_refund_no":"RF-1","amount":234,"reason":"退一件"}`, "RF-1", "退一件", 234, true},
		{`{"amount":234,"out_refund_no":"RF-1"}`, "RF-1", "", 234, true},
		{`{"out_refund_no":"RF-1","amount":234,"reason":""}`, "RF-1", "", 234, false}, // present but empty ≠ absent
		{`{"out_refund_no":"RF-1","amount":235}`, "RF-1", "", 234, false},
	} {
		r, _ := nethttp.NewRequest("POST", "/", bytes.NewReader([]byte(c.body)))
		raw, err := readFields(r)
		if err != nil {
			t.Fatal(err)
		}
		f := &fieldReader{raw: raw}
		f.str("out_refund_no", 0)
		f.integer("amount")
		f.str("reason", 80)
		if got := f.digest() == qr.RefundDigest(c.no, c.amount, c.reason); got != c.same {
			t.Errorf("%s: digest equal %v, want %v", c.body, got, c.same)
		}
	}
}
