package http

import (
	"bytes"
	"net/http/httptest"
	"testing"

	"github.com/posguard/posguard"
)

// FuzzParseQROrder feeds arbitrary bodies to the QR order reader: no input
// may panic; an accepted body names a valid number, amount and mode, and
// the same body always gives the same content digest, that of
// orderDigestRef.
func FuzzParseQROrder(f *testing.F) {
	for _, s := range []string{
		`{"out_order_no":"A1","amount":1234,"auth_code":"134567890123456789"}`,
		`{"out_order_no":"A2","amount":1,"mode":"native","expire_seconds":10,"channel":"wechat","notify_url":"https://erp.example/n"}`,
		`{"out_order_no":"A3","amount":1e3,"auth_code":"x"}`,
		`{"out_order_no":"","amount":-1}`, `[]`, `null`, `{"amount":"12"}`, `{"out_order_no":"A","amount":5,"subject":"\u0000"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		parse := func() (string, error) {
			r := httptest.NewRequest("POST", "/v1/qr/orders", bytes.NewReader(body))
			raw, err := readFields(r)
			if err != nil {
				if posguard.ErrorCode(err) != posguard.EINVALID {
					t.Fatalf("read: %v", err)
				}
				return "", err
			}
			in, err := parseQROrder(raw, "M1")
			if err != nil {
				if posguard.ErrorCode(err) != posguard.EINVALID {
					t.Fatalf("parse: %v", err)
				}
				return "", err
			}
			if in.OutOrderNo == "" || in.Amount < 1 || (in.Mode != posguard.QRMicropay && in.Mode != posguard.QRNative) ||
				(in.Mode == posguard.QRMicropay && in.AuthCode == "") {
				t.Fatalf("accepted %q as %+v", body, in)
			}
			return in.Hash, nil
		}
		h1, err1 := parse()
		h2, err2 := parse()
		if (err1 == nil) != (err2 == nil) || h1 != h2 {
			t.Fatalf("not deterministic on %q", body)
		}
		if err1 == nil {
			r := httptest.NewRequest("POST", "/v1/qr/orders", bytes.NewReader(body))
			raw, _ := readFields(r)
			if want := orderDigestRef(t, raw); h1 != want {
				t.Fatalf("digest of %q: %s, want %s", body, h1, want)
			}
		}
	})
}
