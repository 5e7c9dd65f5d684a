//go:build !unix

package wallet

import (
	"net"
	"syscall"
)

// idleCheck: without a way to tell a closed idle connection, every request
// goes to the fallback transport.
const idleCheck = false

func idleOpen(net.Conn) bool { return false }

func rawConn(net.Conn) syscall.RawConn { return nil }

func rawOpen(syscall.RawConn) bool { return false }
