//go:build unix

package wallet

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	posguard "github.com/posguard/posguard"
)

// countConns counts the connections srv accepts.
func countConns(srv *httptest.Server) *atomic.Int64 {
	var n atomic.Int64
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			n.Add(1)
		}
	}
	return &n
}

func post(t *testing.T, c *http.Client, ctx context.Context, u, body string) (*http.Response, string, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, "", err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b), err
}

func TestTransportKeepsConnection(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Write(append([]byte("echo "), b...))
	}))
	conns := countConns(srv)
	srv.Start()
	defer srv.Close()
	tr := &Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	for i := range 20 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		resp, b, err := post(t, c, ctx, srv.URL+"/pay/micropay", strings.Repeat("x", i*100))
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 200 || b != "echo "+strings.Repeat("x", i*100) {
			t.Fatalf("request %d: %d %q", i, resp.StatusCode, b)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("%d connections for 20 requests one after the other, want 1", n)
	}
}

func TestTransportConcurrentRequests(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Write(b)
	}))
	defer srv.Close()
	tr := &Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	var wg sync.WaitGroup
	errs := make(chan error, 8*50)
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				want := strings.Repeat(string(rune('a'+g)), i+1)
				_, b, err := post(t, c, context.Background(), srv.URL, want)
				if err == nil && b != want {
					err = errors.New("answer " + b + " to " + want)
				}
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// oneShot is a server that answers each connection's first request with
// answer and then closes the connection, telling closed when it has.
func oneShot(t *testing.T, answer string) (addr string, closed chan struct{}) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	closed = make(chan struct{}, 16)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer func() { c.Close(); closed <- struct{}{} }()
				req, err := http.ReadRequest(bufio.NewReader(c))
				if err != nil {
					return
				}
				io.Copy(io.Discard, req.Body)
				io.WriteString(c, answer)
			}()
		}
	}()
	return l.Addr().String(), closed
}

func TestTransportServerClosedIdleConnection(t *testing.T) {
	// The server closes the connection after its answer without saying so:
	// the next request must not be written to it.
	addr, closed := oneShot(t, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
	tr := &Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	for i := range 3 {
		_, b, err := post(t, c, context.Background(), "http://"+addr+"/", "x")
		if err != nil || b != "ok" {
			t.Fatalf("request %d: %q, %v", i, b, err)
		}
		<-closed
		// The server has closed; wait until its end has reached the kept
		// connection (on a loaded machine the kernel may take a moment).
		for {
			tr.mu.Lock()
			cs := tr.idle[addr]
			open := len(cs) > 0 && idleOpen(cs[len(cs)-1].c)
			tr.mu.Unlock()
			if !open {
				break
			}
			runtime.Gosched()
		}
	}
}

func TestTransportClosesConnections(t *testing.T) {
	cases := []struct {
		name    string
		handler http.HandlerFunc
		read    bool // read the body to its end before closing it
	}{
		{"Connection: close", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Connection", "close")
			w.Write([]byte("bye"))
		}, true},
		{"body closed unread", func(w http.ResponseWriter, r *http.Request) {
			w.Write(bytes.Repeat([]byte("y"), 10000))
		}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewUnstartedServer(tc.handler)
			conns := countConns(srv)
			srv.Start()
			defer srv.Close()
			tr := &Transport{}
			defer tr.CloseIdleConnections()
			c := &http.Client{Transport: tr}
			for range 3 {
				resp, err := c.Post(srv.URL, "text/plain", strings.NewReader("x"))
				if err != nil {
					t.Fatal(err)
				}
				if tc.read {
					io.ReadAll(resp.Body)
				}
				resp.Body.Close()
			}
			if n := conns.Load(); n != 3 {
				t.Fatalf("%d connections, want 3 (none reused)", n)
			}
		})
	}
}

func TestTransportDeadlineAndCancel(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/body" {
			w.Header().Set("Content-Length", "10")
			w.Write([]byte("12345"))
			w.(http.Flusher).Flush()
		}
		<-release
	}))
	defer srv.Close()
	defer close(release)
	tr := &Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, _, err := post(t, c, ctx, srv.URL+"/answer", "x"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("waiting for the answer past the deadline: %v, want context.DeadlineExceeded", err)
	}
	ctx, cancel = context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, _, err := post(t, c, ctx, srv.URL+"/body", "x"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("reading the body past the deadline: %v, want context.DeadlineExceeded", err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/body", strings.NewReader("x"))
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 5)
	if _, err := io.ReadFull(resp.Body, buf); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := io.ReadAll(resp.Body); !errors.Is(err, context.Canceled) {
		t.Fatalf("reading the body after cancel: %v, want context.Canceled", err)
	}
	resp.Body.Close()
}

func TestTransportUnknownOutcomeCodes(t *testing.T) {
	// Through the channel client: a timeout is ETIMEOUT, a refused
	// connection EUNAVAILABLE, both unknown outcomes, as with net/http.
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer srv.Close()
	defer close(release)
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	refused := "http://" + l.Addr().String()
	l.Close()
	key, _ := ParseKey(vecKey)
	for _, tc := range []struct {
		url, code string
	}{{srv.URL, posguard.ETIMEOUT}, {refused, posguard.EUNAVAILABLE}} {
		for _, rt := range []http.RoundTripper{&Transport{}, &http.Transport{}} {
			c := &Client{Channel: Channel{Name: "wx", URL: tc.url, AppID: "wx1", Key: key}, HTTP: &http.Client{Transport: rt}, Timeout: 50 * time.Millisecond}
			_, err := c.Micropay(context.Background(), MicropayRequest{MchID: "1", OutTradeNo: "T1", AuthCode: "134567890123456789", Amount: 1})
			if !IsUnknown(err) || posguard.ErrorCode(err) != tc.code {
				t.Errorf("%T to %s: %v (code %s), want unknown %s", rt, tc.url, err, posguard.ErrorCode(err), tc.code)
			}
		}
	}
}

// fallbackRecorder is a RoundTripper that records the requests it gets.
type fallbackRecorder struct{ urls []string }

func (f *fallbackRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	f.urls = append(f.urls, req.URL.String())
	return &http.Response{StatusCode: 204, Body: http.NoBody, Request: req}, nil
}

func TestTransportFallback(t *testing.T) {
	fb := &fallbackRecorder{}
	tr := &Transport{Fallback: fb, Proxy: func(r *http.Request) (*url.URL, error) {
		if r.URL.Hostname() == "proxied.example" {
			return url.Parse("http://proxy.example:3128")
		}
		return nil, nil
	}}
	c := &http.Client{Transport: tr}
	for _, u := range []string{"https://channel.example/pay/micropay", "http://proxied.example/pay/micropay"} {
		resp, err := c.Post(u, "application/json", strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if len(fb.urls) != 2 {
		t.Fatalf("fallback got %v, want the https and the proxied request", fb.urls)
	}
}

// capture returns the bytes of the first request rt sends to a server that
// answers 200 with an empty body, the server's address in them as ADDR.
func capture(t *testing.T, rt http.RoundTripper, body string) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	got := make(chan string, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			got <- ""
			return
		}
		defer c.Close()
		var raw bytes.Buffer
		req, err := http.ReadRequest(bufio.NewReader(io.TeeReader(c, &raw)))
		if err == nil {
			io.Copy(io.Discard, req.Body)
		}
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
		got <- raw.String()
	}()
	req, _ := http.NewRequest(http.MethodPost, "http://"+l.Addr().String()+"/pay/micropay", strings.NewReader(body))
	req.Header["Content-Type"] = []string{"application/json; charset=utf-8"}
	req.Header[SignatureHeader] = []string{"abc"}
	resp, err := (&http.Client{Transport: rt}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return strings.Replace(<-got, l.Addr().String(), "ADDR", 1)
}

func TestTransportWritesWhatNetHTTPWrites(t *testing.T) {
	body := vecBody
	ours := capture(t, &Transport{}, body)
	theirs := capture(t, &http.Transport{DisableCompression: true}, body)
	if ours != theirs {
		t.Fatalf("request bytes differ:\n%q\nnet/http:\n%q", ours, theirs)
	}
	withGzip := capture(t, &http.Transport{}, body)
	if strings.Replace(withGzip, "Accept-Encoding: gzip\r\n", "", 1) != ours {
		t.Fatalf("net/http's default request is more than ours and Accept-Encoding:\n%q\n%q", withGzip, ours)
	}
}

// exchange is what a caller gets from one request: the answer's status,
// headers and body (at most 64 kB), or that it failed.
type exchange struct {
	failed bool
	status int
	header http.Header
	body   string
}

func roundTrip(t *testing.T, rt http.RoundTripper, url string) exchange {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(`{"a":1}`))
	resp, err := (&http.Client{Transport: rt}).Do(req)
	if err != nil {
		return exchange{failed: true}
	}
	defer resp.Body.Close()
	b, err := ReadBody(resp.Body, resp.ContentLength, 64<<10)
	if err != nil {
		return exchange{failed: true}
	}
	return exchange{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// FuzzTransportAsNetHTTP serves any bytes as the answer to a request and
// checks that Transport gives the caller what net/http's Transport gives:
// the same failure, or the same status, headers and body.
func FuzzTransportAsNetHTTP(f *testing.F) {
	f.Add("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Signature: ab\r\n\r\nok")
	f.Add("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n")
	f.Add("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx")
	f.Add("HTTP/1.1 500 Internal Server Error\r\n\r\nfailed")
	f.Add("HTTP/1.0 200 OK\r\n\r\nuntil the end")
	f.Add("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nok")
	f.Add("HTTP/1.1 204 No Content\r\nContent-Length: 3\r\n\r\nabc")
	f.Add("garbage\r\n\r\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, answer string) {
		addr, _ := oneShot(t, answer)
		tr := &Transport{}
		defer tr.CloseIdleConnections()
		nt := &http.Transport{DisableCompression: true}
		defer nt.CloseIdleConnections()
		ours := roundTrip(t, tr, "http://"+addr+"/pay/micropay")
		theirs := roundTrip(t, nt, "http://"+addr+"/pay/micropay")
		if ours.failed != theirs.failed || ours.status != theirs.status || ours.body != theirs.body ||
			fmt.Sprint(ours.header) != fmt.Sprint(theirs.header) {
			t.Fatalf("answer %q:\nours     %+v\nnet/http %+v", answer, ours, theirs)
		}
	})
}

func TestTransportClosesStaleIdleConnections(t *testing.T) {
	// Three calls at once leave three connections; with everything idle
	// for longer than IdleTimeout, each one put back closes those before it.
	arrived := make(chan struct{}, 3)
	release := make(chan struct{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-release
		w.Write([]byte("ok"))
	}))
	closed := make(chan struct{}, 3)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateClosed {
			closed <- struct{}{}
		}
	}
	srv.Start()
	defer srv.Close()
	tr := &Transport{IdleTimeout: time.Nanosecond}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			if _, b, err := post(t, c, context.Background(), srv.URL, "x"); err != nil || b != "ok" {
				t.Errorf("%q, %v", b, err)
			}
		})
	}
	for range 3 {
		<-arrived
	}
	close(release)
	wg.Wait()
	<-closed
	<-closed
	tr.mu.Lock()
	n := 0
	for _, cs := range tr.idle {
		n += len(cs)
	}
	tr.mu.Unlock()
	if n != 1 {
		t.Fatalf("%d idle connections kept, want 1", n)
	}
}

func TestTransportReusesConnectionPastLastDeadline(t *testing.T) {
	// A kept connection still carries the deadline of its last call; once
	// that has passed, the connection is still good for the next call.
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
	conns := countConns(srv)
	srv.Start()
	defer srv.Close()
	tr := &Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	for i := range 2 {
		if _, b, err := post(t, c, context.Background(), srv.URL, "x"); err != nil || b != "ok" {
			t.Fatalf("request %d: %q, %v", i, b, err)
		}
		pc := tr.take(hostPort(mustURL(t, srv.URL)))
		if pc == nil {
			t.Fatalf("request %d: connection not kept", i)
		}
		pc.c.SetDeadline(longAgo)
		tr.put(pc)
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("%d connections, want 1", n)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
