package bench

import (
	"context"
	"io"
	"net"
	nethttp "net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestMerchantConnReadsAnswers posts through the bench's lean HTTP client to
// a net/http server answering with a Content-Length body, a chunked body and
// "Connection: close", and checks what the server received and what the
// client read.
func TestMerchantConnReadsAnswers(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns atomic.Int32
	srv := &nethttp.Server{
		ConnState: func(_ net.Conn, s nethttp.ConnState) {
			if s == nethttp.StateNew {
				conns.Add(1)
			}
		},
		Handler: nethttp.HandlerFunc(func(w nethttp.ResponseWriter, r *nethttp.Request) {
			b, _ := io.ReadAll(r.Body)
			if r.Method != nethttp.MethodPost || r.URL.Path != "/v1/qr/orders" || r.Header.Get("Authorization") != "Bearer tok" ||
				r.Header.Get("Content-Type") != "application/json" {
				w.WriteHeader(nethttp.StatusBadRequest)
				return
			}
			switch string(b) {
			case "chunked":
				w.WriteHeader(nethttp.StatusCreated)
				w.Write([]byte(`{"state":`))
				w.(nethttp.Flusher).Flush()
				w.Write([]byte(`"succeeded"}`))
			case "close":
				w.Header().Set("Connection", "close")
				w.Write([]byte("bye"))
			default:
				w.Header().Set("Content-Length", "4")
				w.WriteHeader(nethttp.StatusOK)
				w.Write([]byte(strings.ToUpper(string(b))[:4]))
			}
		}),
	}
	go srv.Serve(ln)
	defer srv.Close()

	mc := newMerchantConn(ln.Addr().String(), "/v1/qr/orders", "tok", 5*time.Second)
	defer mc.close()
	ctx := context.Background()
	for _, c := range []struct {
		body, want string
		status     int
	}{
		{"abcdef", "ABCD", 200},
		{"chunked", `{"state":"succeeded"}`, 201},
		{"wxyz", "WXYZ", 200},
		{"close", "bye", 200},
		{"efgh", "EFGH", 200},
	} {
		status, b, err := mc.post(ctx, []byte(c.body))
		if err != nil || status != c.status || string(b) != c.want {
			t.Fatalf("post %q: %d %q %v; want %d %q", c.body, status, b, err, c.status, c.want)
		}
	}
	// One connection kept alive for the first four, a new one after "close".
	if n := conns.Load(); n != 2 {
		t.Fatalf("%d connections; want 2", n)
	}
}
