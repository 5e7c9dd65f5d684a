package wallet

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptrace"
	"strings"
	"testing"
)

// shortBody is a body that has fewer bytes than its request says.
type shortBody struct{ io.Reader }

func (shortBody) Close() error { return nil }

// requestFrom builds a request from fuzzed parts: method, URL, header lines
// ("Name: value" separated by "\n"), body and a length to claim (-1: the
// body's own).
func requestFrom(method, url, headers string, body []byte, length int64) (*http.Request, bool) {
	req, err := http.NewRequestWithContext(context.Background(), method, url, bytes.NewReader(body))
	if err != nil {
		return nil, false
	}
	for _, line := range strings.Split(headers, "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			req.Header[k] = append(req.Header[k], v)
		}
	}
	if length >= 0 {
		req.ContentLength = length
		if length > int64(len(body)) {
			req.Body = shortBody{bytes.NewReader(body)}
		}
	}
	return req, true
}

// FuzzWriteRequestAsNetHTTP: a request writeRequest takes is written byte
// for byte as (*http.Request).Write writes it, and fails when it fails;
// a request it does not take is left unwritten.
func FuzzWriteRequestAsNetHTTP(f *testing.F) {
	f.Add("POST", "http://127.0.0.1:7001/wx/pay/micropay", "Content-Type:application/json; charset=utf-8\nX-Signature:abcdef", []byte(vecBody), int64(-1))
	f.Add("POST", "http://example.com/a", "X-A:1\nX-A:2\nx-b: c", []byte("{}"), int64(5))
	f.Add("POST", "http://example.com/a", "Content-Length:9", []byte("{}"), int64(1))
	f.Add("PUT", "http://[::1]:80/a%20b?x=1", "User-Agent:me", []byte("x"), int64(-1))
	f.Add("GET", "http://h/", "", []byte(nil), int64(-1))
	f.Fuzz(func(t *testing.T, method, url, headers string, body []byte, length int64) {
		req, ok := requestFrom(method, url, headers, body, length)
		if !ok {
			return
		}
		var ours bytes.Buffer
		bw := bufio.NewWriter(&ours)
		written, err := writeRequest(bw, req)
		bw.Flush()
		if !written {
			if ours.Len() > 0 || err != nil {
				t.Fatalf("not taken, yet %q written, %v", ours.String(), err)
			}
			return
		}
		theirsReq, _ := requestFrom(method, url, headers, body, length)
		var theirs bytes.Buffer
		theirsErr := theirsReq.Write(&theirs)
		if (err == nil) != (theirsErr == nil) {
			t.Fatalf("error %v, net/http's %v", err, theirsErr)
		}
		if err == nil && ours.String() != theirs.String() {
			t.Fatalf("bytes differ:\n%q\nnet/http:\n%q", ours.String(), theirs.String())
		}
	})
}

// TestWriteRequestTakesTheChannelsRequests: the channel client's requests
// are written by writeRequest; one with a client trace is not (its hooks
// are net/http's to call).
func TestWriteRequestTakesTheChannelsRequests(t *testing.T) {
	req, _ := requestFrom("POST", "http://127.0.0.1:7001/wx/pay/micropay", "Content-Type:application/json; charset=utf-8\nX-Signature:ab", []byte(vecBody), -1)
	var b bytes.Buffer
	if ok, err := writeRequest(bufio.NewWriter(&b), req); !ok || err != nil {
		t.Fatalf("channel request not written: %v, %v", ok, err)
	}
	req, _ = requestFrom("POST", "http://127.0.0.1:7001/wx/pay/micropay", "", []byte(vecBody), -1)
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{}))
	if ok, _ := writeRequest(bufio.NewWriter(&b), req); ok {
		t.Fatal("a traced request was taken")
	}
}

func BenchmarkWriteRequest(b *testing.B) {
	for _, tc := range []struct {
		name  string
		write func(bw *bufio.Writer, req *http.Request) error
	}{
		{"net-http", func(bw *bufio.Writer, req *http.Request) error { return req.Write(bw) }},
		{"wallet", func(bw *bufio.Writer, req *http.Request) error { _, err := writeRequest(bw, req); return err }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			bw := bufio.NewWriter(io.Discard)
			b.ReportAllocs()
			for b.Loop() {
				req, _ := http.NewRequestWithContext(context.Background(), "POST", "http://127.0.0.1:7001/wx/pay/micropay", bytes.NewReader([]byte(vecBody)))
				req.Header["Content-Type"], req.Header[SignatureHeader] = []string{"application/json; charset=utf-8"}, []string{"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}
				if err := tc.write(bw, req); err != nil {
					b.Fatal(err)
				}
				bw.Flush()
			}
		})
	}
}
