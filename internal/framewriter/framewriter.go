// Package framewriter writes whole frames to a connection shared by many
// goroutines, coalescing the frames that arrive while a write is in
// progress into the next single write.
//
// On a busy link (the host's connections to the card network, the
// simulated network's answers) one system call per frame is most of the
// cost of sending it. Here the first caller to find the connection idle
// writes its frame at once; callers that arrive while that write is in
// progress append their frames to a buffer, which leaves in one write as
// soon as the first is done (sent by a goroutine of its own, so the first
// caller returns as soon as its frame has left). Nobody waits for a timer:
// an idle link writes a frame immediately, a busy one writes fewer, larger
// chunks. Every caller still returns only once its own frame has
// been handed to the kernel (or the write failed), and learns how many of
// its own bytes left, so callers can tell "not sent" from "partly sent".
package framewriter

import (
	"net"
	"sync"
	"time"
)

// Writer writes frames to one connection; safe for concurrent use.
type Writer struct {
	conn net.Conn

	mu       sync.Mutex
	buf      []byte    // frames waiting for the next write
	spare    []byte    // the previous write's buffer, reused
	next     *result   // the outcome of the write that will carry buf
	deadline time.Time // the latest deadline of the frames in buf
	busy     bool      // a write is in progress
}

// result is the outcome of one write.
type result struct {
	n    int   // bytes of the chunk that left
	err  error // the write's error
	done chan struct{}
}

// New returns a Writer for conn.
func New(conn net.Conn) *Writer {
	return &Writer{conn: conn, next: &result{done: make(chan struct{})}}
}

// Write writes frame (a complete frame, prefix included) and returns how
// many of its bytes left and the write's error. deadline bounds the write
// that carries it (zero: none). frame is copied; the caller may reuse it.
func (w *Writer) Write(frame []byte, deadline time.Time) (int, error) {
	w.mu.Lock()
	off := len(w.buf)
	w.buf = append(w.buf, frame...)
	if deadline.After(w.deadline) {
		w.deadline = deadline
	}
	mine := w.next
	if w.busy {
		w.mu.Unlock()
		<-mine.done
		return sent(mine, off, len(frame))
	}
	w.busy = true
	w.writeLocked()
	more := len(w.buf) > 0
	if !more {
		w.busy = false
	}
	w.mu.Unlock()
	if more {
		// Frames queued during the write: a goroutine of their own sends
		// them, so this caller, whose frame has left, does not wait for
		// others' traffic.
		go w.drain()
	}
	return sent(mine, off, len(frame))
}

// drain writes until nothing is queued.
func (w *Writer) drain() {
	w.mu.Lock()
	for len(w.buf) > 0 {
		w.writeLocked()
	}
	w.busy = false
	w.mu.Unlock()
}

// writeLocked sends everything queued in one write and publishes the
// outcome. It is called with mu held and returns with it held; the write
// itself happens unlocked, while new frames queue for the next one.
func (w *Writer) writeLocked() {
	chunk, r, deadline := w.buf, w.next, w.deadline
	w.buf, w.spare, w.deadline = w.spare[:0], nil, time.Time{}
	w.next = &result{done: make(chan struct{})}
	w.mu.Unlock()

	if err := w.conn.SetWriteDeadline(deadline); err != nil {
		r.err = err
	} else {
		r.n, r.err = w.conn.Write(chunk)
	}
	close(r.done)

	w.mu.Lock()
	w.spare = chunk
}

// sent is how much of the frame at off (of length n) left in r's write.
func sent(r *result, off, n int) (int, error) {
	k := min(max(r.n-off, 0), n)
	if k == n {
		return k, nil
	}
	return k, r.err
}
