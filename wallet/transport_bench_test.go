//go:build unix

package wallet

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"
)

// processCPU is the CPU time the process has used so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkMicropayCall is a channel call as the QR engine makes it (sign,
// post, read, verify), 32 at a time, against a channel in the same process
// that answers a signed success: over net/http's Transport (as the engine's
// client did up to round 10) and over Transport. cpu-µs/op is the whole
// process's CPU per call, both ends of the exchange.
func BenchmarkMicropayCall(b *testing.B) {
	key, _ := ParseKey(vecKey)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := ReadBody(r.Body, r.ContentLength, MaxBody)
		req, _ := decodeTestRequest(body)
		a := []byte(`{"return_code":"SUCCESS","result_code":"SUCCESS","app_id":"wx1","mch_id":"1","nonce":"` + req.Nonce +
			`","timestamp":1767225601,"out_trade_no":"` + req.OutTradeNo + `","transaction_id":"T1","amount":100}`)
		h := w.Header()
		h["Content-Type"] = []string{"application/json; charset=utf-8"}
		h[SignatureHeader] = []string{Sign(key, a)}
		w.Write(a)
	}))
	defer srv.Close()
	for _, tc := range []struct {
		name string
		rt   func() http.RoundTripper
	}{
		{"net-http", func() http.RoundTripper {
			t := http.DefaultTransport.(*http.Transport).Clone()
			t.MaxIdleConns, t.MaxIdleConnsPerHost = 1024, 256
			return t
		}},
		{"wallet", func() http.RoundTripper { return &Transport{MaxIdlePerHost: 256} }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			rt := tc.rt()
			defer rt.(interface{ CloseIdleConnections() }).CloseIdleConnections()
			c := &Client{Channel: Channel{Name: "wx", URL: srv.URL, AppID: "wx1", Key: key}, HTTP: &http.Client{Transport: rt}}
			b.SetParallelism(16) // 32 callers on 2 CPUs
			b.ReportAllocs()
			cpu := processCPU()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					a, err := c.Micropay(context.Background(), MicropayRequest{MchID: "1", OutTradeNo: "PG0000000000000001", AuthCode: "134567890123456789", Amount: 100, Subject: "bench"})
					if err != nil || !a.OK() {
						b.Fatalf("%+v %v", a, err)
					}
				}
			})
			b.StopTimer()
			b.ReportMetric(float64(processCPU()-cpu)/1e3/float64(b.N), "cpu-µs/op")
		})
	}
}

// decodeTestRequest reads the nonce and order number of a request body.
func decodeTestRequest(body []byte) (struct{ Nonce, OutTradeNo string }, error) {
	var r struct {
		Nonce      string `json:"nonce"`
		OutTradeNo string `json:"out_trade_no"`
	}
	err := json.Unmarshal(body, &r)
	return struct{ Nonce, OutTradeNo string }{r.Nonce, r.OutTradeNo}, err
}
