package simwallet

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/posguard/posguard/wallet"
)

// discardWriter is a ResponseWriter that keeps the status and the headers
// and drops the body.
type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) WriteHeader(status int)      { w.status = status }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }

// BenchmarkMicropayServe is simwallet's handler for one paid /pay/micropay
// (signed request read, checked, applied, answer signed and written),
// without the HTTP server around it: the simulated channel's own work per
// QR order of the QR bench. The requests are made before the timer starts.
func BenchmarkMicropayServe(b *testing.B) {
	w, err := ParseWorld([]byte(testWorld + `
  - code: "19"
    channel: "wx"
    balance: 1000000000000000
`))
	if err != nil {
		b.Fatal(err)
	}
	sim, err := New(w, Options{Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer sim.Close()
	key, _ := wallet.ParseKey(w.Channels[0].Key)
	bodies := make([][]byte, b.N)
	sigs := make([]string, b.N)
	now := time.Now().Unix()
	for i := range bodies {
		n := strconv.Itoa(i)
		body, err := wallet.EncodeRequest(wallet.Header{AppID: w.Channels[0].AppID, MchID: mch, Nonce: wallet.NewNonce(), Timestamp: now},
			wallet.MicropayRequest{OutTradeNo: "PB" + n, AuthCode: wallet.AuthCode(strconv.Itoa(190000000000000000 + i)), Amount: 100, Subject: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		bodies[i], sigs[i] = body, wallet.Sign(key, body)
	}
	reqs := make([]*http.Request, b.N)
	for i := range reqs {
		reqs[i] = httptest.NewRequest(http.MethodPost, "/wx"+wallet.PathMicropay, bytes.NewReader(bodies[i]))
		reqs[i].Header[wallet.SignatureHeader] = []string{sigs[i]}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rw := &discardWriter{h: http.Header{}}
		sim.ServeHTTP(rw, reqs[i])
		if rw.status != http.StatusOK {
			b.Fatalf("status %d", rw.status)
		}
	}
	b.StopTimer()
	if st := sim.Stats(); len(st) > 0 {
		b.Fatalf("faults or refusals: %v", st)
	}
	for _, a := range sim.Accounts() {
		if a.Code == "19" && len(a.Charges) != b.N {
			b.Fatalf("%d orders paid of %d", len(a.Charges), b.N)
		}
	}
}
