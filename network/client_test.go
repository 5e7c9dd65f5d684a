package network

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/iso8583"
)

// testServer is a scripted network peer: each accepted connection is handed
// to the test, which reads requests and writes answers explicitly.
type testServer struct {
	t        *testing.T
	l        net.Listener
	accepted chan *peerConn
}

type peerConn struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
	mu   sync.Mutex
}

func newTestServer(t *testing.T) *testServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &testServer{t: t, l: l, accepted: make(chan *peerConn, 16)}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s.accepted <- &peerConn{t: t, conn: c, r: bufio.NewReader(c)}
		}
	}()
	t.Cleanup(func() { l.Close() })
	return s
}

func (s *testServer) addr() string { return s.l.Addr().String() }

// next returns the next accepted connection.
func (s *testServer) next(ctx context.Context) *peerConn {
	s.t.Helper()
	select {
	case c := <-s.accepted:
		s.t.Cleanup(func() { c.conn.Close() })
		return c
	case <-ctx.Done():
		s.t.Fatal("no connection accepted")
		return nil
	}
}

// read returns the next request received on the connection.
func (p *peerConn) read() *iso8583.Message {
	p.t.Helper()
	frame, err := ReadFrame(p.r)
	if err != nil {
		p.t.Fatalf("server read: %v", err)
	}
	m, err := Spec87.Unpack(frame)
	if err != nil {
		p.t.Fatalf("server unpack: %v", err)
	}
	return m
}

// answer writes the answer to req with code and auth code, echoing the
// matching fields and the amount.
func (p *peerConn) answer(req *iso8583.Message, code, auth string) {
	p.t.Helper()
	a := answerTo(req, code)
	if auth != "" {
		a.Set(fAuthCode, auth)
	}
	p.writeMsg(a)
}

func answerTo(req *iso8583.Message, code string) *iso8583.Message {
	mti := []byte(req.MTI)
	mti[2]++
	a := iso8583.NewMessage(string(mti))
	for _, n := range []int{fAmount, fTransmission, fSTAN, fAcquirer, fRRN, fTerminalID} {
		if req.Has(n) {
			a.Set(n, req.Get(n))
		}
	}
	a.Set(fResponseCode, code)
	return a
}

func (p *peerConn) writeMsg(m *iso8583.Message) {
	p.t.Helper()
	data, err := Spec87.Pack(m)
	if err != nil {
		p.t.Fatal(err)
	}
	p.writeRaw(data)
}

func (p *peerConn) writeRaw(data []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := WriteFrame(p.conn, data); err != nil {
		p.t.Errorf("server write: %v", err)
	}
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// startClient starts a client with one connection to srv and waits for it.
func startClient(t *testing.T, ctx context.Context, srv *testServer, configure func(*Client)) *Client {
	t.Helper()
	c := &Client{Addrs: []string{srv.addr()}, Conns: 1, Logger: quietLogger(), EchoInterval: -1,
		MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond}
	if configure != nil {
		configure(c)
	}
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Ready(ctx); err != nil {
		t.Fatal(err)
	}
	return c
}

func sale(stan string) *posguard.UpstreamRequest {
	return &posguard.UpstreamRequest{MTI: "0200", ProcCode: "000000", PAN: "6225880000000018", Amount: 1000,
		Currency: "156", STAN: stan, Time: "0311101530", AcquirerID: "48021000", TerminalID: "10000001",
		MerchantID: "898310048990001", RRN: "331510" + stan}
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

type sendResult struct {
	resp *posguard.UpstreamResponse
	err  error
}

func sendAsync(ctx context.Context, c *Client, req *posguard.UpstreamRequest) <-chan sendResult {
	ch := make(chan sendResult, 1)
	go func() {
		r, err := c.Send(ctx, req)
		ch <- sendResult{r, err}
	}()
	return ch
}

func TestClientMatchesOutOfOrderAnswers(t *testing.T) {
	ctx := testCtx(t)
	srv := newTestServer(t)
	c := startClient(t, ctx, srv, nil)
	p := srv.next(ctx)

	first := sendAsync(ctx, c, sale("000001"))
	m1 := p.read()
	second := sendAsync(ctx, c, sale("000002"))
	m2 := p.read()
	// Answer the second request first; the auth code tells them apart.
	p.answer(m2, "00", "222222")
	p.answer(m1, "51", "")
	r2, r1 := <-second, <-first
	if r1.err != nil || r2.err != nil {
		t.Fatalf("errors: %v, %v", r1.err, r2.err)
	}
	if r1.resp.STAN != "000001" || r1.resp.Code != "51" {
		t.Fatalf("first got %+v", r1.resp)
	}
	if r2.resp.STAN != "000002" || r2.resp.Code != "00" || r2.resp.AuthCode != "222222" {
		t.Fatalf("second got %+v", r2.resp)
	}
	if r1.resp.Received.IsZero() {
		t.Fatal("Received not set")
	}
	if s := c.State(); s.Outstanding != 0 || s.Connected != 1 {
		t.Fatalf("state %+v", s)
	}
}

func TestClientTimeoutThenLateAnswer(t *testing.T) {
	ctx := testCtx(t)
	srv := newTestServer(t)
	late := make(chan *posguard.UpstreamResponse, 1)
	c := startClient(t, ctx, srv, func(c *Client) { c.OnLate = func(r *posguard.UpstreamResponse) { late <- r } })
	p := srv.next(ctx)

	sendCtx, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	res := sendAsync(sendCtx, c, sale("000007"))
	req := p.read() // the server holds the answer until Send gave up
	r := <-res
	if posguard.ErrorCode(r.err) != posguard.ETIMEOUT {
		t.Fatalf("Send = %v, want timeout", r.err)
	}
	if !strings.Contains(r.err.Error(), "outcome unknown") {
		t.Fatalf("timeout error does not say the outcome is unknown: %v", r.err)
	}
	p.answer(req, "00", "777777")
	got := <-late
	if got.STAN != "000007" || got.Code != "00" || got.AuthCode != "777777" {
		t.Fatalf("late answer %+v", got)
	}
	if s := c.State(); s.Late != 1 || s.Outstanding != 0 {
		t.Fatalf("state %+v", s)
	}
}

func TestClientReconnects(t *testing.T) {
	ctx := testCtx(t)
	srv := newTestServer(t)
	c := startClient(t, ctx, srv, nil)
	p := srv.next(ctx)
	p.conn.Close()
	p2 := srv.next(ctx) // the client dialled again, after dropping the old one
	if err := c.waitFor(ctx, func(s LinkState) bool { return s.Connected == 1 && s.LastError != "" }); err != nil {
		t.Fatal(err)
	}
	res := sendAsync(ctx, c, sale("000003"))
	req := p2.read()
	p2.answer(req, "00", "333333")
	r := <-res
	if r.err != nil || r.resp.AuthCode != "333333" {
		t.Fatalf("after reconnect: %+v, %v", r.resp, r.err)
	}
}

func TestClientNoConnectionIsUnavailable(t *testing.T) {
	ctx := testCtx(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there any more
	c := &Client{Addrs: []string{addr, addr}, Logger: quietLogger(), EchoInterval: -1}
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Send(ctx, sale("000004"))
	if posguard.ErrorCode(err) != posguard.EUNAVAILABLE {
		t.Fatalf("Send = %v, want unavailable", err)
	}
	if s := c.State(); s.Configured != 4 || s.Connected != 0 {
		t.Fatalf("state %+v", s)
	}
	c.Close()
	if _, err := c.Send(ctx, sale("000005")); posguard.ErrorCode(err) != posguard.EUNAVAILABLE {
		t.Fatalf("Send after Close = %v, want unavailable", err)
	}
}

func TestClientDisconnectWithOutstanding(t *testing.T) {
	ctx := testCtx(t)
	srv := newTestServer(t)
	c := startClient(t, ctx, srv, nil)
	p := srv.next(ctx)
	res := sendAsync(ctx, c, sale("000006"))
	p.read()
	p.conn.Close()
	r := <-res
	if posguard.ErrorCode(r.err) != posguard.ETIMEOUT || !errors.Is(r.err, errDropped) {
		t.Fatalf("Send = %v, want timeout for a lost connection", r.err)
	}
	if !strings.Contains(r.err.Error(), "lost with the request outstanding: outcome unknown") {
		t.Fatalf("message %q", r.err.Error())
	}
}

func TestClientUntrustedAnswers(t *testing.T) {
	tests := []struct {
		name   string
		answer func(req *iso8583.Message) []byte
		want   string
	}{
		{"truncated answer", func(req *iso8583.Message) []byte {
			a := answerTo(req, "00")
			a.Set(fCurrency, "156")
			data, _ := Spec87.Pack(a)
			return data[:len(data)-1]
		}, "untrusted answer"},
		{"amount differs", func(req *iso8583.Message) []byte {
			a := answerTo(req, "00")
			a.Set(fAmount, "000000000999")
			data, _ := Spec87.Pack(a)
			return data
		}, "answer amount differs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := testCtx(t)
			srv := newTestServer(t)
			c := startClient(t, ctx, srv, nil)
			p := srv.next(ctx)
			res := sendAsync(ctx, c, sale("000008"))
			p.writeRaw(tt.answer(p.read()))
			r := <-res
			if posguard.ErrorCode(r.err) != posguard.EINTERNAL || !strings.Contains(r.err.Error(), tt.want) {
				t.Fatalf("Send = %v, want internal %q", r.err, tt.want)
			}
		})
	}
}

func TestClientDropsUnmatchableGarbage(t *testing.T) {
	ctx := testCtx(t)
	srv := newTestServer(t)
	late := make(chan *posguard.UpstreamResponse, 1)
	c := startClient(t, ctx, srv, func(c *Client) { c.OnLate = func(r *posguard.UpstreamResponse) { late <- r } })
	p := srv.next(ctx)
	res := sendAsync(ctx, c, sale("000009"))
	req := p.read()
	p.writeRaw([]byte("not an ISO 8583 message"))
	p.answer(req, "00", "999999") // the connection survives the garbage
	if r := <-res; r.err != nil || r.resp.AuthCode != "999999" {
		t.Fatalf("Send = %+v, %v", r.resp, r.err)
	}
	if s := c.State(); !strings.Contains(s.LastError, "malformed answer") {
		t.Fatalf("last error %q", s.LastError)
	}
}

func TestClientConflictingKey(t *testing.T) {
	ctx := testCtx(t)
	srv := newTestServer(t)
	c := startClient(t, ctx, srv, nil)
	p := srv.next(ctx)
	res := sendAsync(ctx, c, sale("000010"))
	req := p.read()
	if _, err := c.Send(ctx, sale("000010")); posguard.ErrorCode(err) != posguard.ECONFLICT {
		t.Fatalf("second Send with the same key = %v, want conflict", err)
	}
	p.answer(req, "00", "101010")
	if r := <-res; r.err != nil {
		t.Fatal(r.err)
	}
}

func TestClientEchoesOnIdle(t *testing.T) {
	ctx := testCtx(t)
	srv := newTestServer(t)
	startClient(t, ctx, srv, func(c *Client) { c.EchoInterval = 20 * time.Millisecond; c.AcquirerID = "48021000" })
	p := srv.next(ctx)
	for i := 0; i < 2; i++ { // answered echoes keep the connection up
		m := p.read()
		if m.MTI != "0800" || m.Get(fNetMgmt) != NetMgmtEcho || m.Get(fAcquirer) != "48021000" {
			t.Fatalf("echo %d: MTI %s, 70 %q", i, m.MTI, m.Get(fNetMgmt))
		}
		a := answerTo(m, "00")
		a.Set(fNetMgmt, NetMgmtEcho)
		p.writeMsg(a)
	}
}

func TestClientEchoUnansweredClosesConnection(t *testing.T) {
	ctx := testCtx(t)
	srv := newTestServer(t)
	startClient(t, ctx, srv, func(c *Client) { c.EchoInterval = 20 * time.Millisecond })
	p := srv.next(ctx)
	p.read() // an echo, left unanswered
	if _, err := ReadFrame(p.r); err == nil {
		// A second echo may be in flight; the connection still closes.
		for err == nil {
			_, err = ReadFrame(p.r)
		}
	}
	srv.next(ctx) // and the client dials again
}

func TestClientAnswersNetworkEcho(t *testing.T) {
	ctx := testCtx(t)
	srv := newTestServer(t)
	startClient(t, ctx, srv, nil)
	p := srv.next(ctx)
	echo := iso8583.NewMessage("0800")
	echo.Set(fTransmission, "0101000000")
	echo.Set(fSTAN, "000042")
	echo.Set(fNetMgmt, NetMgmtEcho)
	p.writeMsg(echo)
	a := p.read()
	if a.MTI != "0810" || a.Get(fResponseCode) != "00" || a.Get(fSTAN) != "000042" {
		t.Fatalf("echo answer %s 39=%q 11=%q", a.MTI, a.Get(fResponseCode), a.Get(fSTAN))
	}
}
