package simnet

import (
	"bufio"
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/iso8583"
	"github.com/posguard/posguard/network"
)

// rawHost is a bare TCP connection to a simnet, for frames the client
// would never send.
type rawHost struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

func serveRaw(t *testing.T, n *Network) (addr string, served <-chan error) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan error, 1)
	go func() { ch <- n.Serve(l) }()
	return l.Addr().String(), ch
}

func dialRaw(t *testing.T, addr string) *rawHost {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	return &rawHost{t: t, conn: c, r: bufio.NewReader(c)}
}

func (h *rawHost) send(data []byte) {
	h.t.Helper()
	if err := network.WriteFrame(h.conn, data); err != nil {
		h.t.Fatal(err)
	}
}

func (h *rawHost) sendReq(req *posguard.UpstreamRequest) []byte {
	h.t.Helper()
	m, err := network.EncodeRequest(req)
	if err != nil {
		h.t.Fatal(err)
	}
	data, err := network.Spec87.Pack(m)
	if err != nil {
		h.t.Fatal(err)
	}
	h.send(data)
	return data
}

func (h *rawHost) read() *iso8583.Message {
	h.t.Helper()
	frame, err := network.ReadFrame(h.r)
	if err != nil {
		h.t.Fatal(err)
	}
	m, err := network.Spec87.Unpack(frame)
	if err != nil {
		h.t.Fatal(err)
	}
	return m
}

func shutdown(t *testing.T, n *Network, served <-chan error) {
	t.Helper()
	if err := n.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := <-served; !errors.Is(err, ErrServerClosed) {
		t.Fatalf("Serve = %v", err)
	}
}

func TestFormatErrors(t *testing.T) {
	n := New(testCards(), testZoneKey, Options{Logger: quiet()})
	addr, served := serveRaw(t, n)
	defer shutdown(t, n, served)
	h := dialRaw(t, addr)

	sale := &posguard.UpstreamRequest{MTI: "0200", ProcCode: "000000", PAN: panOK, Amount: 100, STAN: "000321",
		Time: "0311101530", AcquirerID: "48021000", TerminalID: "10000001", Currency: "156"}
	m, _ := network.EncodeRequest(sale)
	data, _ := network.Spec87.Pack(m)
	h.send(data[:len(data)-1]) // field 49 runs past the end
	a := h.read()
	if a.MTI != "0210" || a.Get(39) != "30" || a.Get(11) != "000321" || a.Get(41) != "10000001" {
		t.Fatalf("format error answer %s 39=%q 11=%q", a.MTI, a.Get(39), a.Get(11))
	}
	h.send([]byte("rubbish")) // not even an MTI: dropped, connection kept
	h.sendReq(&posguard.UpstreamRequest{MTI: "0800", STAN: "000001", Time: "0311101530"})
	if a := h.read(); a.MTI != "0810" || a.Get(39) != "00" || a.Get(70) != network.NetMgmtEcho {
		t.Fatalf("echo answer %s 39=%q 70=%q", a.MTI, a.Get(39), a.Get(70))
	}
	if st := n.Stats(); st.FormatErrors != 2 || st.Answers["30"] != 1 {
		t.Fatalf("stats %+v", st)
	}
	if n.Taken(panOK) != 0 {
		t.Fatal("a malformed request moved money")
	}
}

func TestShutdownDrainsInFlight(t *testing.T) {
	inProcess := make(chan struct{})
	var once sync.Once
	var armed atomic.Bool
	now := func() time.Time {
		if armed.Load() {
			once.Do(func() { close(inProcess) }) // the request has reached the issuer
		}
		return time.Date(2026, 3, 11, 0, 0, 0, 0, time.UTC)
	}
	n := New(testCards(), testZoneKey, Options{Logger: quiet(), Now: now, Faults: "latency=30ms"})
	armed.Store(true)
	addr, served := serveRaw(t, n)
	h := dialRaw(t, addr)
	h.sendReq(&posguard.UpstreamRequest{MTI: "0200", ProcCode: "000000", PAN: panOK, Amount: 100, STAN: "000001",
		Time: "0311101530", TerminalID: "10000001"})
	<-inProcess
	shutdown(t, n, served) // returns only after the delayed answer left
	if a := h.read(); a.MTI != "0210" || a.Get(39) != "00" {
		t.Fatalf("answer %s %s", a.MTI, a.Get(39))
	}
	if err := n.Serve(nil); !errors.Is(err, ErrServerClosed) {
		t.Fatalf("Serve after Shutdown = %v", err)
	}
}

func TestMaxConns(t *testing.T) {
	n := New(testCards(), testZoneKey, Options{Logger: quiet(), MaxConns: 1})
	addr, served := serveRaw(t, n)
	defer shutdown(t, n, served)
	h1 := dialRaw(t, addr)
	h1.sendReq(&posguard.UpstreamRequest{MTI: "0800", STAN: "000001", Time: "0311101530"})
	h1.read() // the first connection is being served
	h2 := dialRaw(t, addr)
	if _, err := network.ReadFrame(h2.r); err == nil {
		t.Fatal("second connection over the limit was served")
	}
}
