package network

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/internal/framewriter"
	"github.com/posguard/posguard/iso8583"
)

// link is one live TCP connection of the Client.
type link struct {
	addr     string
	conn     net.Conn
	w        *framewriter.Writer // frames queued during a write leave together
	lastRead atomic.Int64        // unix nanoseconds of the last frame received
	gotFrame atomic.Bool
	dead     atomic.Bool
}

func (l *link) isLive() bool { return !l.dead.Load() }

// write writes one frame with a deadline, coalesced with the frames other
// requests queue meanwhile. It returns how many of the frame's bytes left.
func (l *link) write(frame []byte, deadline time.Time) (int, error) {
	return l.w.Write(frame, deadline)
}

// keepUp keeps one connection to addr up until ctx ends: dial, serve,
// and after a failure or a drop wait a jittered, doubling backoff.
func (c *Client) keepUp(ctx context.Context, addr string) {
	defer c.wg.Done()
	backoff := c.MinBackoff
	for ctx.Err() == nil {
		conn, err := c.dialer().DialContext(ctx, "tcp", addr)
		if err == nil {
			l := &link{addr: addr, conn: conn, w: framewriter.New(conn)}
			l.lastRead.Store(time.Now().UnixNano())
			if c.addLink(l) {
				up := time.Now()
				c.serve(l)
				if l.gotFrame.Load() || time.Since(up) >= c.MaxBackoff {
					backoff = c.MinBackoff
				}
			}
		} else if ctx.Err() == nil {
			c.Logger.Warn("network: dial failed", "addr", addr, "err", err)
			c.mu.Lock()
			c.setErrLocked(fmt.Sprintf("dial %s: %v", addr, err))
			c.notifyLocked()
			c.mu.Unlock()
		}
		wait := backoff/2 + rand.N(backoff/2+1)
		backoff = min(2*backoff, c.MaxBackoff)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
		case <-t.C:
		}
	}
}

// addLink adds l to the live connections; it reports false (and closes
// l) when the client is closing.
func (c *Client) addLink(l *link) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		l.conn.Close()
		return false
	}
	c.live = append(c.live, l)
	c.notifyLocked()
	c.Logger.Info("network: connected", "addr", l.addr, "connections", len(c.live))
	return true
}

// dropLink removes l from the live connections and fails the requests
// outstanding on it: their outcome is unknown, so the error has code
// ETIMEOUT (the switch reverses them) with a message of its own.
func (c *Client) dropLink(l *link, cause error) {
	l.dead.Store(true)
	l.conn.Close()
	c.mu.Lock()
	for i, x := range c.live {
		if x == l {
			c.live = append(c.live[:i], c.live[i+1:]...)
			break
		}
	}
	var failed []*call
	for k, cl := range c.pending {
		if cl.link == l {
			delete(c.pending, k)
			failed = append(failed, cl)
		}
	}
	if !c.closed {
		c.setErrLocked(fmt.Sprintf("connection to %s lost: %v", l.addr, cause))
	}
	c.notifyLocked()
	n := len(c.live)
	c.mu.Unlock()
	c.Logger.Warn("network: connection lost", "addr", l.addr, "err", cause, "failed_outstanding", len(failed), "connections", n)
	for _, cl := range failed {
		cl.ch <- result{err: posguard.WrapError(posguard.ETIMEOUT, errDropped,
			"network: connection to %s lost with the request outstanding: outcome unknown", l.addr)}
	}
}

// serve reads answers from l until it closes, with the echo loop beside.
func (c *Client) serve(l *link) {
	stop := make(chan struct{})
	var echoDone sync.WaitGroup
	if c.EchoInterval > 0 {
		echoDone.Add(1)
		go func() {
			defer echoDone.Done()
			c.echoLoop(l, stop)
		}()
	}
	r := bufio.NewReaderSize(l.conn, 4096)
	var err error
	// One buffer for every frame: handleFrame copies what it keeps.
	var frame []byte
	for {
		frame, err = readFrame(r, frame)
		if err != nil {
			break
		}
		l.lastRead.Store(time.Now().UnixNano())
		l.gotFrame.Store(true)
		if len(frame) == 0 {
			continue
		}
		c.handleFrame(l, frame)
	}
	c.dropLink(l, err)
	close(stop)
	echoDone.Wait()
}

// handleFrame matches one received frame to its request.
func (c *Client) handleFrame(l *link, frame []byte) {
	m, uerr := Spec87.UnpackPooled(frame)
	// Every value is copied out of m (strings) before it goes back.
	defer iso8583.ReleaseMessage(m)
	if uerr == nil && m != nil && !isResponseMTI(m.MTI) {
		c.answerPeerRequest(l, m)
		return
	}
	var resp *posguard.UpstreamResponse
	err := uerr
	if err == nil {
		resp, err = DecodeResponse(m)
	}
	if err != nil {
		// Malformed: fail the request it belongs to, if we can tell.
		if matchable(m) {
			if cl := c.take(keyOf(m)); cl != nil {
				c.Logger.Error("network: untrusted answer", "addr", l.addr, "mti", m.MTI, "stan", m.Get(fSTAN), "err", err)
				c.noteErr(fmt.Sprintf("untrusted answer from %s: %v", l.addr, err))
				cl.ch <- result{err: posguard.WrapError(posguard.EINTERNAL, err, "network: untrusted answer")}
				return
			}
		}
		c.Logger.Error("network: malformed answer dropped", "addr", l.addr, "bytes", len(frame), "err", err)
		c.noteErr(fmt.Sprintf("malformed answer from %s: %v", l.addr, err))
		return
	}
	resp.Received = c.Now()
	cl := c.take(keyOf(m))
	if cl == nil {
		c.late1(l, resp)
		return
	}
	if cl.amount != "" && resp.HasAmount && formatAmount(resp.Amount) != cl.amount {
		c.Logger.Error("network: answer amount differs", "addr", l.addr, "mti", resp.MTI, "stan", resp.STAN, "code", resp.Code)
		cl.ch <- result{err: posguard.Errorf(posguard.EINTERNAL, "network: answer amount differs from the request's")}
		return
	}
	cl.ch <- result{resp: resp}
}

// late1 handles an answer that matched nothing outstanding.
func (c *Client) late1(l *link, resp *posguard.UpstreamResponse) {
	if mtiClass(resp.MTI) == "080" {
		c.Logger.Info("network: late echo answer", "addr", l.addr, "stan", resp.STAN)
		return
	}
	c.mu.Lock()
	c.late++
	c.mu.Unlock()
	c.Logger.Warn("network: late answer", "addr", l.addr, "mti", resp.MTI, "stan", resp.STAN,
		"time", resp.Time, "tid", resp.TerminalID, "code", resp.Code, "rrn", resp.RRN)
	if c.OnLate != nil {
		c.OnLate(resp)
	}
}

func (c *Client) noteErr(msg string) {
	c.mu.Lock()
	c.setErrLocked(msg)
	c.mu.Unlock()
}

// answerPeerRequest answers an echo test (08x0) the network sends us with
// 39 = 00; other requests from the network are not part of this profile
// and are logged and ignored.
func (c *Client) answerPeerRequest(l *link, m *iso8583.Message) {
	if mtiClass(m.MTI) != "080" {
		c.Logger.Warn("network: unexpected request from the network ignored", "addr", l.addr, "mti", m.MTI)
		return
	}
	a := iso8583.NewMessage(m.MTI[:2] + string(m.MTI[2]+1) + m.MTI[3:])
	for _, n := range []int{fTransmission, fSTAN, fAcquirer, fNetMgmt} {
		if m.Has(n) {
			a.Set(n, m.Get(n))
		}
	}
	a.Set(fResponseCode, "00")
	data, err := Spec87.Pack(a)
	if err == nil {
		var frame []byte
		frame, err = AppendFrame(nil, data)
		if err == nil {
			_, err = l.write(frame, time.Now().Add(c.WriteTimeout))
		}
	}
	if err != nil {
		c.Logger.Warn("network: echo answer failed", "addr", l.addr, "err", err)
	}
}

// echoLoop sends an echo test whenever l has received nothing for
// EchoInterval, and closes l when the echo is not answered in that time.
func (c *Client) echoLoop(l *link, stop <-chan struct{}) {
	t := time.NewTimer(c.EchoInterval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		idle := time.Since(time.Unix(0, l.lastRead.Load()))
		if idle < c.EchoInterval {
			t.Reset(c.EchoInterval - idle)
			continue
		}
		if err := c.echo(l, stop); err != nil {
			c.Logger.Warn("network: echo failed, closing connection", "addr", l.addr, "err", err)
			l.conn.Close()
			return
		}
		t.Reset(c.EchoInterval)
	}
}

// echo sends one 0800 (70 = 301) on l and waits for its 0810.
func (c *Client) echo(l *link, stop <-chan struct{}) error {
	c.mu.Lock()
	c.echoSTAN = c.echoSTAN%999999 + 1
	stan := fmt.Sprintf("%06d", c.echoSTAN)
	c.mu.Unlock()
	req := &posguard.UpstreamRequest{
		MTI:        "0800",
		STAN:       stan,
		Time:       c.Now().UTC().Format("0102150405"),
		AcquirerID: c.AcquirerID,
	}
	frame, key, _, err := encodeFrame(req)
	if err != nil {
		return err
	}
	cl := &call{key: key, echo: true, ch: make(chan result, 1)}
	ctx, cancel := context.WithTimeout(context.Background(), c.EchoInterval)
	defer cancel()
	if err := c.dispatch(ctx, cl, frame, l); err != nil {
		return err
	}
	select {
	case r := <-cl.ch:
		if r.err != nil {
			return r.err
		}
		if r.resp.Code != "00" {
			return fmt.Errorf("echo answered %s", r.resp.Code)
		}
		return nil
	case <-ctx.Done():
		c.forget(cl)
		return posguard.Errorf(posguard.ETIMEOUT, "network: echo not answered")
	case <-stop:
		c.forget(cl)
		return nil
	}
}
