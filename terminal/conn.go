package terminal

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime"
	"runtime/debug"
	"time"
)

// connState tells Shutdown whether a connection may be closed at once.
type connState int

const (
	connIdle connState = iota // waiting for a frame to start: Shutdown closes it
	connBusy                  // reading, handling or answering a frame: Shutdown waits
)

// serverConn is one accepted terminal connection.
type serverConn struct {
	s      *Server
	nc     net.Conn
	info   *ConnInfo
	source string // remote IP, for the per-source limit
	log    *slog.Logger
	state  connState // guarded by s.mu
	wbuf   []byte    // write's buffer, reused for every answer
}

func (s *Server) newConn(nc net.Conn) *serverConn {
	info := &ConnInfo{ID: s.nextID.Add(1), Remote: nc.RemoteAddr(), Opened: time.Now()}
	return &serverConn{
		s:      s,
		nc:     nc,
		info:   info,
		source: sourceOf(info.Remote),
		log:    s.logger().With("conn", info.ID, "remote", info.Remote.String()),
	}
}

// setState records the connection's state and reports whether it may go on:
// false once the server is shutting down (an idle connection has then been
// closed by Shutdown, and a busy one must stop after its answer).
func (c *serverConn) setState(st connState) bool {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	c.state = st
	return !c.s.shutting
}

// frameTooLong is returned by readLengthPrefixed for a length over the limit.
type frameTooLong struct{ n, max int }

func (e *frameTooLong) Error() string {
	return fmt.Sprintf("frame length %d over max %d", e.n, e.max)
}

// readLengthPrefixed reads one frame: a 2-byte big-endian length, then that
// many bytes. It refuses a length over limit before reading the body.
func readLengthPrefixed(r *bufio.Reader, limit int) ([]byte, error) {
	// The prefix is read byte by byte from the buffer: an array handed to
	// an io.Reader would be allocated for every frame.
	hi, err := r.ReadByte()
	if err != nil {
		return nil, err
	}
	lo, err := r.ReadByte()
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF // as io.ReadFull reports one byte of two
		}
		return nil, err
	}
	n := int(hi)<<8 | int(lo)
	if n > limit {
		return nil, &frameTooLong{n: n, max: limit}
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return body, nil
}

// serve reads and handles the connection's frames in order until the peer
// leaves, a framing error or timeout occurs, the handler asks to close, or
// the server shuts down. The idle deadline runs from the last frame with a
// body: empty keep-alive frames do not push it back, so a peer cannot hold a
// slot for ever with 2-byte frames.
func (c *serverConn) serve() {
	defer c.finish()
	c.log.Debug("terminal: connection opened")
	br := bufio.NewReader(c.nc)
	lastMessage := time.Now()
	for {
		if br.Buffered() == 0 {
			if !c.setState(connIdle) {
				return
			}
			c.nc.SetReadDeadline(lastMessage.Add(c.s.idleTimeout()))
			if _, err := br.Peek(1); err != nil {
				c.logReadEnd(err, true)
				return
			}
		}
		if !c.setState(connBusy) {
			return
		}
		c.nc.SetReadDeadline(time.Now().Add(c.s.readTimeout()))
		frame, err := readLengthPrefixed(br, c.s.maxFrame())
		if err != nil {
			c.logReadEnd(err, false)
			return
		}
		if len(frame) == 0 {
			if time.Since(lastMessage) >= c.s.idleTimeout() {
				c.logReadEnd(os.ErrDeadlineExceeded, true)
				return
			}
			continue // keep-alive: does not reset the idle deadline
		}
		lastMessage = time.Now()
		resp, closeConn, ok := c.handle(frame)
		if !ok {
			return
		}
		if resp != nil && !c.write(resp) {
			return
		}
		if closeConn {
			c.log.Debug("terminal: handler closed the connection")
			return
		}
	}
}

// handle runs the handler on frame, recovering a panic (ok false).
func (c *serverConn) handle(frame []byte) (resp []byte, closeConn, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			// The panic value may have been built from the frame, so only a
			// runtime error's text is logged, otherwise its type.
			what := fmt.Sprintf("%T", r)
			if re, isRuntime := r.(runtime.Error); isRuntime {
				what = re.Error()
			}
			c.log.Error("terminal: handler panic, closing connection", "panic", what, "stack", string(debug.Stack()))
			ok = false
		}
	}()
	resp, closeConn = c.s.Handler.ServeFrame(c.s.baseCtx, c.info, frame)
	return resp, closeConn, true
}

// write sends resp with its length prefix; false when the connection failed.
func (c *serverConn) write(resp []byte) bool {
	if len(resp) > 0xFFFF {
		c.log.Error("terminal: response too long for the length prefix, closing connection", "len", len(resp))
		return false
	}
	// Prefix and answer leave in one write, from a buffer the connection
	// keeps (its answers are written one at a time).
	c.wbuf = binary.BigEndian.AppendUint16(c.wbuf[:0], uint16(len(resp)))
	c.wbuf = append(c.wbuf, resp...)
	c.nc.SetWriteDeadline(time.Now().Add(c.s.writeTimeout()))
	if _, err := c.nc.Write(c.wbuf); err != nil {
		c.log.Info("terminal: write failed, closing connection", "err", err)
		return false
	}
	return true
}

// logReadEnd logs why reading stopped; idle tells whether no frame had
// started.
func (c *serverConn) logReadEnd(err error, idle bool) {
	var tooLong *frameTooLong
	sample := func(level slog.Level, kind, msg string, args ...any) {
		c.s.sampler.log(c.log, level, kind, msg, args...)
	}
	switch {
	case errors.As(err, &tooLong):
		sample(slog.LevelWarn, "too_long", "terminal: over-length frame, closing connection", "len", tooLong.n, "max", tooLong.max)
	case idle && errors.Is(err, io.EOF):
		c.log.Debug("terminal: peer closed the connection")
	case idle && errors.Is(err, os.ErrDeadlineExceeded):
		sample(slog.LevelInfo, "idle", "terminal: idle timeout, closing connection")
	case idle && errors.Is(err, net.ErrClosed):
		c.log.Debug("terminal: connection closed by the server")
	case errors.Is(err, os.ErrDeadlineExceeded):
		sample(slog.LevelWarn, "read_timeout", "terminal: frame incomplete at read timeout, closing connection")
	case errors.Is(err, io.ErrUnexpectedEOF):
		sample(slog.LevelWarn, "eof_in_frame", "terminal: peer closed the connection inside a frame")
	default:
		sample(slog.LevelInfo, "read_failed", "terminal: read failed, closing connection", "err", err)
	}
}

// finish closes the connection and reports it gone. The server lets go of
// it (its slot under MaxConns and MaxConnsPerSource is free) before
// ConnState hears of it, so a caller told a connection closed can open
// another at once; Shutdown's drain is signalled only after the callback.
func (c *serverConn) finish() {
	c.nc.Close()
	last := c.s.untrack(c)
	if c.s.ConnState != nil {
		c.s.ConnState(c.info, false)
	}
	c.log.Debug("terminal: connection closed")
	if last {
		c.s.signalDrained()
	}
}
