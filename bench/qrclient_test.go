package bench

import (
	"bufio"
	"context"
	"fmt"
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

// FuzzMerchantConnAnswer feeds the bench's lean HTTP client arbitrary
// answers from a TCP server: no answer may panic it, and an answer it
// accepts has a three-digit status and a body within its 1 MiB limit.
func FuzzMerchantConnAnswer(f *testing.F) {
	f.Add([]byte("HTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\nABCD"))
	f.Add([]byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nABCD\r\n0\r\nX-T: 1\r\n\r\n"))
	f.Add([]byte("HTTP/1.0 200 OK\r\n\r\nto the end"))
	f.Add([]byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7fffffff\r\n"))
	f.Add([]byte("HTTP/1.1 2x0 OK\r\nContent-Length: -1\r\n\r\n"))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	defer ln.Close()
	f.Fuzz(func(t *testing.T, answer []byte) {
		served := make(chan error, 1)
		go func() {
			c, err := ln.Accept()
			if err != nil {
				served <- err
				return
			}
			defer c.Close()
			// Read the request (head and its 4-byte body), then answer and close.
			br := bufio.NewReader(c)
			for {
				l, err := br.ReadString('\n')
				if err != nil {
					served <- err
					return
				}
				if l == "\r\n" {
					break
				}
			}
			if _, err := io.ReadFull(br, make([]byte, 4)); err != nil {
				served <- err
				return
			}
			// A client that gave up early may have closed already: the
			// write's error is not the server's failure.
			c.Write(answer)
			served <- nil
		}()
		mc := newMerchantConn(ln.Addr().String(), "/v1/qr/orders", "tok", 5*time.Second)
		status, b, err := mc.post(context.Background(), []byte("body"))
		mc.close()
		if serr := <-served; serr != nil {
			t.Fatalf("server: %v", serr)
		}
		if err == nil && (status < 0 || status > 999 || len(b) > 1<<20) {
			t.Fatalf("accepted status %d with %d bytes", status, len(b))
		}
	})
}

// TestPayCodeAsSprintf: the bench's payment codes are what fmt wrote.
func TestPayCodeAsSprintf(t *testing.T) {
	for _, client := range []int{0, 7, 31, 532, 9999, 10000, 123456} {
		for _, seq := range []int{0, 1, 42, 999999999999, 1000000000000, 1 << 62} {
			if got, want := payCode(client, seq), fmt.Sprintf("%s%04d%012d", qrPayerPrefix, client, seq); got != want {
				t.Fatalf("payCode(%d, %d) = %q, fmt writes %q", client, seq, got, want)
			}
		}
	}
}
