package bench

import (
	"bufio"
	"errors"
	"net"
	"sync"

	"github.com/posguard/posguard/terminal"
)

// EchoServer is the physical-limit peer: it reads frames with the host's
// framing code (terminal.ReadFrame) and writes each one straight back.
type EchoServer struct {
	l     net.Listener
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns map[net.Conn]bool
}

// StartEcho listens on addr ("127.0.0.1:0" for any port) and serves until
// Close.
func StartEcho(addr string) (*EchoServer, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	e := &EchoServer{l: l, conns: map[net.Conn]bool{}}
	e.wg.Add(1)
	go e.accept()
	return e, nil
}

// Addr returns the bound address.
func (e *EchoServer) Addr() string { return e.l.Addr().String() }

func (e *EchoServer) accept() {
	defer e.wg.Done()
	for {
		c, err := e.l.Accept()
		if err != nil {
			return
		}
		e.mu.Lock()
		e.conns[c] = true
		e.mu.Unlock()
		e.wg.Add(1)
		go e.serve(c)
	}
}

// serve echoes frames on c until it fails or closes.
func (e *EchoServer) serve(c net.Conn) {
	defer e.wg.Done()
	defer func() {
		e.mu.Lock()
		delete(e.conns, c)
		e.mu.Unlock()
		c.Close()
	}()
	br := bufio.NewReaderSize(c, 4096)
	var buf, out []byte
	for {
		raw, err := terminal.ReadFrame(br, buf, 0)
		if err != nil {
			return
		}
		buf = raw[:0]
		out = append(out[:0], byte(len(raw)>>8), byte(len(raw)))
		out = append(out, raw...)
		if _, err := c.Write(out); err != nil {
			return
		}
	}
}

// Close stops the server and closes its connections.
func (e *EchoServer) Close() error {
	err := e.l.Close()
	e.mu.Lock()
	for c := range e.conns {
		c.Close()
	}
	e.mu.Unlock()
	e.wg.Wait()
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}
