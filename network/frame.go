package network

import (
	"encoding/binary"
	"io"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/iso8583"
)

// MaxFrame is the largest message a 2-byte length prefix can announce.
const MaxFrame = 0xFFFF

// ReadFrame reads one frame from r: a 2-byte big-endian length, then that
// many bytes of message. A zero-length frame is returned as an empty slice
// (some peers send it as a keepalive; callers skip it). It returns io.EOF
// when r ends cleanly before a frame starts and io.ErrUnexpectedEOF when it
// ends inside one.
func ReadFrame(r io.Reader) ([]byte, error) { return readFrame(r, nil) }

// readFrame is ReadFrame reading into buf when it is large enough (the
// frame then shares buf's memory), into a new slice otherwise.
func readFrame(r io.Reader, buf []byte) ([]byte, error) {
	var hdr [2]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := int(binary.BigEndian.Uint16(hdr[:]))
	if cap(buf) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
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

// encodeFrame encodes req and packs it into its frame, returning with it
// the key its answer is matched by and its field 4 (empty when absent).
// Errors are EncodeRequest's and packFrame's.
func encodeFrame(req *posguard.UpstreamRequest) (frame []byte, key matchKey, amount string, err error) {
	m, err := EncodeRequest(req)
	if err != nil {
		return nil, key, "", err
	}
	defer iso8583.ReleaseMessage(m)
	frame, err = packFrame(m)
	return frame, keyOf(m), m.Get(fAmount), err
}

// packFrame packs m with Spec87 straight after room for its length prefix
// and fills the prefix in: the frame in one buffer, without a copy.
// Returns EINVALID if m cannot be packed or is longer than MaxFrame.
func packFrame(m *iso8583.Message) ([]byte, error) {
	frame, err := Spec87.AppendPack(make([]byte, 2, 2+256), m)
	if err != nil {
		return nil, posguard.WrapError(posguard.EINVALID, err, "network: pack request")
	}
	if len(frame)-2 > MaxFrame {
		return nil, posguard.Errorf(posguard.EINVALID, "network: frame of %d bytes over max %d", len(frame)-2, MaxFrame)
	}
	binary.BigEndian.PutUint16(frame, uint16(len(frame)-2))
	return frame, nil
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
