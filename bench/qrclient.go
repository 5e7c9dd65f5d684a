package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"time"
)

// merchantConn is one lean merchant system of the QR bench: one keep-alive
// HTTP/1.1 connection to posguard's API, one request at a time, written and
// read by hand as the card bench's terminals write and read their frames.
// The host still serves every request with its own net/http server; only
// the load generator skips net/http's client (its connection goroutines,
// header maps and hand-offs), so that the clients cost about what the card
// bench's terminals do. It speaks the HTTP/1.1 the bench needs: a POST with
// a Content-Length body; an answer with a Content-Length or chunked body.
type merchantConn struct {
	addr string // host:port
	// head is the request up to the Content-Length value: request line,
	// Host, Authorization and Content-Type.
	head    []byte
	timeout time.Duration
	conn    net.Conn
	br      *bufio.Reader
	wbuf    []byte
	body    []byte
}

// newMerchantConn returns a client that posts to path at addr with the
// bearer token; it connects on its first request and again after an error
// or a "Connection: close".
func newMerchantConn(addr, path, token string, timeout time.Duration) *merchantConn {
	head := "POST " + path + " HTTP/1.1\r\nHost: " + addr + "\r\nAuthorization: Bearer " + token +
		"\r\nContent-Type: application/json\r\nContent-Length: "
	return &merchantConn{addr: addr, head: []byte(head), timeout: timeout}
}

// errAnswer is an answer the merchant client cannot read.
var errAnswer = errors.New("bench: malformed HTTP answer")

// post sends body and returns the answer's status and body (valid until the
// next call). On any error the connection is closed.
func (c *merchantConn) post(ctx context.Context, body []byte) (int, []byte, error) {
	if c.conn == nil {
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", c.addr)
		if err != nil {
			return 0, nil, err
		}
		c.conn, c.br = conn, bufio.NewReaderSize(conn, 4096)
	}
	deadline := time.Now().Add(c.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	status, answer, keep, err := c.exchange(deadline, body)
	if err != nil || !keep {
		c.conn.Close()
		c.conn, c.br = nil, nil
	}
	return status, answer, err
}

// exchange writes one request in one write and reads its answer.
func (c *merchantConn) exchange(deadline time.Time, body []byte) (status int, answer []byte, keep bool, err error) {
	if err := c.conn.SetDeadline(deadline); err != nil {
		return 0, nil, false, err
	}
	w := append(c.wbuf[:0], c.head...)
	w = strconv.AppendInt(w, int64(len(body)), 10)
	w = append(w, "\r\n\r\n"...)
	w = append(w, body...)
	c.wbuf = w
	if _, err := c.conn.Write(w); err != nil {
		return 0, nil, false, err
	}
	line, err := c.line()
	if err != nil {
		return 0, nil, false, err
	}
	// "HTTP/1.1 201 Created"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return 0, nil, false, errAnswer
	}
	status, err = strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, nil, false, errAnswer
	}
	length, chunked, keep := -1, false, line[7] == '1'
	for {
		h, err := c.line()
		if err != nil {
			return 0, nil, false, err
		}
		if len(h) == 0 {
			break
		}
		name, value, ok := bytes.Cut(h, []byte(":"))
		if !ok {
			return 0, nil, false, errAnswer
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(value)); err != nil || length < 0 {
				return 0, nil, false, errAnswer
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			keep = !bytes.EqualFold(value, []byte("close"))
		}
	}
	switch {
	case chunked:
		answer, err = c.chunks()
	case length >= 0:
		answer, err = c.read(length)
	default: // the body runs to the connection's end
		answer, err = io.ReadAll(io.LimitReader(c.br, 1<<20))
		keep = false
	}
	if err != nil {
		return 0, nil, false, err
	}
	return status, answer, keep, nil
}

// line reads one header line without its CRLF.
func (c *merchantConn) line() ([]byte, error) {
	l, err := c.br.ReadSlice('\n')
	if err != nil {
		if err == bufio.ErrBufferFull {
			return nil, errAnswer
		}
		return nil, err
	}
	return bytes.TrimRight(l, "\r\n"), nil
}

// read reads an n-byte body (at most 1 MiB).
func (c *merchantConn) read(n int) ([]byte, error) {
	if n > 1<<20 {
		return nil, errAnswer
	}
	if cap(c.body) < n {
		c.body = make([]byte, n)
	}
	c.body = c.body[:n]
	_, err := io.ReadFull(c.br, c.body)
	return c.body, err
}

// chunks reads a chunked body (at most 1 MiB), trailers skipped.
func (c *merchantConn) chunks() ([]byte, error) {
	c.body = c.body[:0]
	for {
		l, err := c.line()
		if err != nil {
			return nil, err
		}
		size, _, _ := bytes.Cut(l, []byte(";"))
		n, err := strconv.ParseInt(string(bytes.TrimSpace(size)), 16, 32)
		if err != nil || n < 0 || len(c.body)+int(n) > 1<<20 {
			return nil, errAnswer
		}
		if n == 0 {
			for {
				t, err := c.line()
				if err != nil {
					return nil, err
				}
				if len(t) == 0 {
					return c.body, nil
				}
			}
		}
		start := len(c.body)
		c.body = append(c.body, make([]byte, n)...)
		if _, err := io.ReadFull(c.br, c.body[start:]); err != nil {
			return nil, err
		}
		if t, err := c.line(); err != nil || len(t) != 0 {
			return nil, errAnswer
		}
	}
}

// close closes the connection, if open.
func (c *merchantConn) close() {
	if c.conn != nil {
		c.conn.Close()
		c.conn, c.br = nil, nil
	}
}
