// Package framewriter writes whole frames to a connection shared by many
// goroutines, coalescing the frames that arrive while a write is in
// progress into the next single write.
//
// On a busy link (the host's connections to the card network, the
// simulated network's answers) one system call per frame is most of the
// cost of sending it. Here the first caller to find the connection idle
// writes its frame at once; callers that arrive while that write is in
// progress append their frames to a buffer, and the writer sends the whole
// buffer in one write when it is done, then returns. Nobody waits for a
// timer: an idle link writes a frame immediately, a busy one writes fewer,
// larger chunks. Every caller still returns only once its own frame has
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

	mu    sync.Mutex
	buf   []byte  // frames waiting for the next write
	spare []byte  // the previous write's buffer, reused
	next  *result // the outcome of the write that will carry buf
	busy  bool    // a caller is writing
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
	mine := w.next
	if w.busy {
		w.mu.Unlock()
		<-mine.done
		return sent(mine, off, len(frame))
	}
	w.busy = true
	for {
		chunk, r := w.buf, w.next
		w.buf, w.spare = w.spare[:0], nil
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
		if len(w.buf) == 0 {
			w.busy = false
			w.mu.Unlock()
			return sent(mine, off, len(frame))
		}
		// Frames queued during the write: send them too before leaving,
		// so none waits for a caller that may never come.
	}
}

// sent is how much of the frame at off (of length n) left in r's write.
func sent(r *result, off, n int) (int, error) {
	k := min(max(r.n-off, 0), n)
	if k == n {
		return k, nil
	}
	return k, r.err
}
