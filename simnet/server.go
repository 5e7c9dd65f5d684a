package simnet

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"time"

	"github.com/posguard/posguard/internal/framewriter"
	"github.com/posguard/posguard/iso8583"
	"github.com/posguard/posguard/network"
)

// ErrServerClosed is returned by Serve after Shutdown.
var ErrServerClosed = errors.New("simnet: server closed")

// conn is one host connection.
type conn struct {
	c         net.Conn
	w         *framewriter.Writer // answers queued during a write leave together
	closed    chan struct{}
	closeOnce sync.Once
}

// isClosed reports whether the connection is gone (closed by either side).
func (c *conn) isClosed() bool {
	select {
	case <-c.closed:
		return true
	default:
		return false
	}
}

func (c *conn) close() {
	c.closeOnce.Do(func() {
		close(c.closed)
		c.c.Close()
	})
}

// Serve accepts host connections on l and answers their requests, one
// goroutine per connection and one per request (answers may leave out of
// order, as a real network's do). It returns ErrServerClosed after
// Shutdown, or the listener's error if it was closed otherwise. Transient
// accept errors are retried with backoff.
func (n *Network) Serve(l net.Listener) error {
	s := &n.srv
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return ErrServerClosed
	}
	s.listeners[l] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, l)
		s.mu.Unlock()
	}()
	var delay time.Duration
	for {
		c, err := l.Accept()
		if err != nil {
			if n.isClosing() {
				return ErrServerClosed
			}
			if errors.Is(err, net.ErrClosed) {
				return err
			}
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			n.log.Warn("simnet: accept failed, retrying", "err", err, "in", delay)
			t := time.NewTimer(delay)
			<-t.C
			continue
		}
		delay = 0
		sc := &conn{c: c, w: framewriter.New(c), closed: make(chan struct{})}
		s.mu.Lock()
		switch {
		case s.closing:
			s.mu.Unlock()
			c.Close()
			return ErrServerClosed
		case len(s.conns) >= n.opts.MaxConns:
			s.mu.Unlock()
			n.log.Warn("simnet: too many connections, closing new one", "remote", c.RemoteAddr().String(), "max", n.opts.MaxConns)
			c.Close()
			continue
		}
		s.conns[sc] = struct{}{}
		s.readers.Add(1)
		s.mu.Unlock()
		go n.serveConn(sc)
	}
}

// Shutdown stops accepting connections and requests, waits until every
// request being processed has been answered (or ctx ends), then closes
// the connections. It returns ctx's error if the drain was cut short.
func (n *Network) Shutdown(ctx context.Context) error {
	s := &n.srv
	s.mu.Lock()
	s.closing = true
	for l := range s.listeners {
		l.Close()
	}
	s.mu.Unlock()
	drained := make(chan struct{})
	go func() {
		s.inflight.Wait()
		close(drained)
	}()
	var err error
	select {
	case <-drained:
	case <-ctx.Done():
		err = ctx.Err()
	}
	s.mu.Lock()
	for c := range s.conns {
		c.close()
	}
	s.mu.Unlock()
	s.readers.Wait()
	return err
}

func (n *Network) isClosing() bool {
	n.srv.mu.Lock()
	defer n.srv.mu.Unlock()
	return n.srv.closing
}

// serveConn reads the connection's frames and hands each to its own
// goroutine.
func (n *Network) serveConn(sc *conn) {
	s := &n.srv
	remote := sc.c.RemoteAddr().String()
	n.log.Info("simnet: host connected", "remote", remote)
	defer func() {
		s.mu.Lock()
		delete(s.conns, sc)
		s.mu.Unlock()
		sc.close()
		s.readers.Done()
	}()
	r := bufio.NewReaderSize(sc.c, 4096)
	for {
		if n.opts.IdleTimeout > 0 {
			sc.c.SetReadDeadline(time.Now().Add(n.opts.IdleTimeout))
		}
		frame, err := network.ReadFrame(r)
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				n.log.Info("simnet: connection ended", "remote", remote, "err", err)
			}
			return
		}
		if len(frame) == 0 {
			continue
		}
		s.mu.Lock()
		if s.closing {
			s.mu.Unlock()
			continue // draining: new requests are not taken
		}
		s.inflight.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.inflight.Done()
			n.handle(sc, frame)
		}()
	}
}

// handle decodes, processes and answers one request.
func (n *Network) handle(sc *conn, frame []byte) {
	m, err := network.Spec87.Unpack(frame)
	if err != nil {
		n.formatError(sc, m, err)
		return
	}
	req, err := network.DecodeRequest(m)
	if err != nil {
		n.formatError(sc, m, err)
		return
	}
	rev := mtiClass(req.MTI) == "042" && req.Original != nil
	var rk origKey
	if rev {
		rk = originalKey(req.Original)
		n.mu.Lock()
		if n.revAnswered[rk] || n.revBusy[rk] > 0 {
			if prev := n.revConn[rk]; prev != nil && prev != sc && prev.isClosed() {
				n.stats.ReversalsResentAfterDrop++
			} else {
				n.stats.ReversalsResent++
			}
		}
		n.revConn[rk] = sc
		n.revBusy[rk]++
		n.mu.Unlock()
		defer func() {
			n.mu.Lock()
			if n.revBusy[rk]--; n.revBusy[rk] <= 0 {
				delete(n.revBusy, rk)
			}
			n.mu.Unlock()
		}()
	}
	out := n.process(req)
	if out.delay > 0 {
		t := time.NewTimer(out.delay)
		select {
		case <-t.C:
		case <-sc.closed:
			t.Stop()
			return
		}
	}
	switch out.act {
	case actSilent:
		n.log.Debug("simnet: answer withheld", "mti", req.MTI, "stan", req.STAN)
		return
	case actDisconnect:
		n.log.Info("simnet: fault: disconnecting instead of answering", "mti", req.MTI, "stan", req.STAN)
		sc.close()
		return
	}
	a, err := network.EncodeResponse(out.resp)
	if err != nil {
		n.log.Error("simnet: cannot encode answer", "err", err)
		return
	}
	for _, f := range []int{3, 49, 70} { // processing code, currency, network management code
		if m.Has(f) {
			a.Set(f, m.Get(f))
		}
	}
	data, err := network.Spec87.Pack(a)
	if err != nil {
		n.log.Error("simnet: cannot pack answer", "err", err)
		return
	}
	if out.act == actGarbage {
		data = data[:len(data)-1] // the last field runs past the end
	}
	if n.write(sc, data) && rev && out.act == actAnswer {
		n.mu.Lock()
		n.revAnswered[rk] = true
		n.mu.Unlock()
	}
}

// formatError answers a request that could not be decoded with 30 when
// its MTI, 11 and 7 could be read, and otherwise drops it.
func (n *Network) formatError(sc *conn, m *iso8583.Message, err error) {
	n.mu.Lock()
	n.stats.FormatErrors++
	n.mu.Unlock()
	if m == nil || len(m.MTI) != 4 || (m.MTI[2]-'0')%2 == 1 || !m.Has(11) || !m.Has(7) {
		n.log.Warn("simnet: undecodable frame dropped", "err", err)
		return
	}
	n.log.Warn("simnet: format error answered 30", "mti", m.MTI, "stan", m.Get(11), "err", err)
	a := iso8583.NewMessage(responseMTI(m.MTI))
	for _, f := range []int{7, 11, 32, 41} {
		if m.Has(f) {
			a.Set(f, m.Get(f))
		}
	}
	a.Set(39, codeFormat)
	data, perr := network.Spec87.Pack(a)
	if perr != nil {
		n.log.Warn("simnet: cannot answer the format error", "err", perr)
		return
	}
	n.mu.Lock()
	n.stats.Answers[codeFormat]++
	n.mu.Unlock()
	n.write(sc, data)
}

// write sends one answer and reports whether it was written.
func (n *Network) write(sc *conn, data []byte) bool {
	frame, err := network.AppendFrame(make([]byte, 0, len(data)+2), data)
	if err == nil {
		_, err = sc.w.Write(frame, time.Now().Add(n.opts.WriteTimeout))
	}
	if err != nil {
		n.log.Info("simnet: answer not written", "err", err)
		return false
	}
	return true
}
