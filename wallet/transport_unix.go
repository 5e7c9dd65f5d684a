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
func idleOpen(c net.Conn) bool { return rawOpen(rawConn(c)) }

// rawConn returns c's raw connection for rawOpen (nil when it has none).
func rawConn(c net.Conn) syscall.RawConn {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return rc
}

// rawOpen is idleOpen of the connection rc, kept from its dial.
func rawOpen(rc syscall.RawConn) bool {
	if rc == nil {
		return false
	}
	// Control, not Read: the peek must not wait, nor be refused because the
	// deadline of the connection's last call has passed.
	open := false
	err := rc.Control(func(fd uintptr) {
		var b [1]byte
		_, _, rerr := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		open = rerr == syscall.EAGAIN || rerr == syscall.EWOULDBLOCK
	})
	return err == nil && open
}
