package simwallet

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/posguard/posguard/wallet"
)

func FuzzParseWorld(f *testing.F) {
	f.Add([]byte(testWorld))
	f.Add([]byte("payers: [{code: x}]"))
	f.Fuzz(func(t *testing.T, b []byte) {
		w, err := ParseWorld(b)
		if err == nil {
			if _, err := New(w, Options{}); err != nil {
				t.Fatalf("checked world refused by New: %v", err)
			}
		}
	})
}

func FuzzParseFaults(f *testing.F) {
	f.Add("latency=2ms,timeout=0.05,hang=1s,drop_after_charge=0.02")
	f.Fuzz(func(t *testing.T, s string) {
		if fl, err := ParseFaults(s); err == nil && (fl.Timeout < 0 || fl.Timeout > 1 || fl.Latency < 0) {
			t.Fatalf("bad faults accepted: %+v", fl)
		}
	})
}

// FuzzRequest sends any signed body to every endpoint: the channel answers
// 200 with a signed JSON object and never panics.
func FuzzRequest(f *testing.F) {
	w, _ := ParseWorld([]byte(testWorld))
	sim, _ := New(w, Options{Seed: 1})
	key, _ := wallet.ParseKey(w.Channels[0].Key)
	f.Add([]byte(`{"app_id":"wx5f3c9a1e2b7d4c60","mch_id":"1900000101","nonce":"5K8264ILTKCH16CQ","timestamp":1,"out_trade_no":"PG1","auth_code":"134567890123456789","amount":1234,"subject":"x"}`), uint8(0))
	f.Add([]byte(`{"amount":1e3}`), uint8(5))
	paths := []string{wallet.PathMicropay, wallet.PathQuery, wallet.PathReverse, wallet.PathNative, wallet.PathClose, wallet.PathRefund, wallet.PathRefundQuery, wallet.PathBill}
	f.Fuzz(func(t *testing.T, body []byte, p uint8) {
		r := httptest.NewRequest(http.MethodPost, "/wx"+paths[int(p)%len(paths)], bytes.NewReader(body))
		r.Header.Set(wallet.SignatureHeader, wallet.Sign(key, body))
		rec := httptest.NewRecorder()
		sim.ServeHTTP(rec, r)
		if rec.Code == 200 && !wallet.Verify(key, rec.Body.Bytes(), rec.Header().Get(wallet.SignatureHeader)) {
			t.Fatal("answer not signed")
		}
	})
}
