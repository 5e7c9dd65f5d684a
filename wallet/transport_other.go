//go:build !unix

package wallet

import "net"

// idleCheck: without a way to tell a closed idle connection, every request
// goes to the fallback transport.
const idleCheck = false

func idleOpen(net.Conn) bool { return false }

// idlePeek: none here.
type idlePeek struct{}

func newIdlePeek(net.Conn) *idlePeek { return nil }

func (*idlePeek) isOpen() bool { return false }
