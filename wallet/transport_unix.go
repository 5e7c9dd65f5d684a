//go:build unix

package wallet

import (
	"net"
	"syscall"
)

// idleCheck: idleOpen can tell a closed idle connection here.
const idleCheck = true

// idleOpen reports whether the idle connection c is still open with nothing
// to read: a peek that would block. A connection the server closed reads
// its end (0 bytes) or an error; one with bytes unasked for is not clean.
func idleOpen(c net.Conn) bool { return newIdlePeek(c).isOpen() }

// idlePeek is idleOpen for one connection, made when it is dialled, so
// that the check before each reuse allocates nothing (a closure passed to
// Control, and what it captures, would be allocated at every check).
type idlePeek struct {
	rc   syscall.RawConn
	buf  [1]byte
	open bool
	peek func(fd uintptr)
}

// newIdlePeek returns the check of c (nil when c has no raw connection:
// never open).
func newIdlePeek(c net.Conn) *idlePeek {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	p := &idlePeek{rc: rc}
	p.peek = func(fd uintptr) {
		_, _, err := syscall.Recvfrom(int(fd), p.buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		p.open = err == syscall.EAGAIN || err == syscall.EWOULDBLOCK
	}
	return p
}

// isOpen peeks at the connection. Control, not Read: the peek must not
// wait, nor be refused because the deadline of the connection's last call
// has passed. One goroutine at a time (the one that took the connection).
func (p *idlePeek) isOpen() bool {
	if p == nil {
		return false
	}
	p.open = false
	err := p.rc.Control(p.peek)
	return err == nil && p.open
}
