package network

import (
	"encoding/binary"
	"io"

	"github.com/posguard/posguard"
)

// MaxFrame is the largest message a 2-byte length prefix can announce.
const MaxFrame = 0xFFFF

// ReadFrame reads one frame from r: a 2-byte big-endian length, then that
// many bytes of message. A zero-length frame is returned as an empty slice
// (some peers send it as a keepalive; callers skip it). It returns io.EOF
// when r ends cleanly before a frame starts and io.ErrUnexpectedEOF when it
// ends inside one.
func ReadFrame(r io.Reader) ([]byte, error) {
	var hdr [2]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := int(binary.BigEndian.Uint16(hdr[:]))
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return buf, nil
}

// AppendFrame appends msg with its 2-byte length prefix to dst. Returns
// EINVALID if msg is longer than MaxFrame.
func AppendFrame(dst, msg []byte) ([]byte, error) {
	if len(msg) > MaxFrame {
		return dst, posguard.Errorf(posguard.EINVALID, "network: frame of %d bytes over max %d", len(msg), MaxFrame)
	}
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(msg)))
	return append(dst, msg...), nil
}

// WriteFrame writes msg to w with its 2-byte length prefix, in a single
// Write call so that concurrent writers serialised by a lock never
// interleave. Returns EINVALID if msg is longer than MaxFrame, or the
// writer's error.
func WriteFrame(w io.Writer, msg []byte) error {
	buf, err := AppendFrame(make([]byte, 0, len(msg)+2), msg)
	if err != nil {
		return err
	}
	_, err = w.Write(buf)
	return err
}
