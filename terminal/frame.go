package terminal

import (
	"encoding/binary"
	"errors"
	"io"
	"strconv"
)

// TPDUID is the first byte of every TPDU.
const TPDUID = 0x60

// defaultFrameMax is ReadFrame's limit when none is given: 2,048 bytes
// after the length prefix (spec §1).
const defaultFrameMax = 2048

// Processing requirements a host sets in the response header.
const (
	ProcNone   = 0 // nothing to do
	ProcSignOn = 3 // the terminal must sign on again
)

// Frame is one terminal message on the wire, without its length prefix.
type Frame struct {
	// TPDU is 0x60, destination address (2 bytes), source address (2 bytes).
	TPDU [5]byte
	// Header is 12 BCD digits, kept as opaque bytes (terminals put
	// non-decimal nibbles in it).
	Header [6]byte
	// Body is the ISO 8583 message: MTI, bitmap and fields.
	Body []byte
}

// FrameError is a frame that cannot be taken apart: too short, or without
// the TPDU where it must start. It never holds frame bytes.
type FrameError struct {
	Reason string
}

// Error returns e.g. "terminal: frame: 7 bytes, shorter than TPDU and header".
func (e *FrameError) Error() string { return "terminal: frame: " + e.Reason }

// LengthError is a length prefix over the maximum frame size: the
// connection must be closed.
type LengthError struct {
	Length, Max int
}

// Error returns e.g. "terminal: frame length 4000 over max 2048".
func (e *LengthError) Error() string {
	return "terminal: frame length " + strconv.Itoa(e.Length) + " over max " + strconv.Itoa(e.Max)
}

// ShortReadError is a frame whose bytes stopped before its length was
// reached (end of stream or a read deadline): the connection must be closed.
type ShortReadError struct {
	Want, Got int
	Err       error // the reader's error (io.ErrUnexpectedEOF, a timeout…)
}

// Error returns e.g. "terminal: short frame: got 10 of 60 bytes: unexpected EOF".
func (e *ShortReadError) Error() string {
	s := "terminal: short frame: got " + strconv.Itoa(e.Got) + " of " + strconv.Itoa(e.Want) + " bytes"
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the reader's error.
func (e *ShortReadError) Unwrap() error { return e.Err }

// ParseFrame splits b into TPDU, header and body. It accepts a frame with
// its 2-byte length prefix (when the first two bytes, big-endian, equal
// len(b)-2) or without it, in which case b must start with the TPDU ID
// 0x60. Body shares memory with b. Errors are *FrameError.
func ParseFrame(b []byte) (*Frame, error) {
	if len(b) >= 2 && int(binary.BigEndian.Uint16(b)) == len(b)-2 {
		b = b[2:]
	} else if len(b) > 0 && b[0] != TPDUID {
		return nil, &FrameError{Reason: "no length prefix and no TPDU 0x60 at the start"}
	}
	if len(b) < 11 {
		return nil, &FrameError{Reason: strconv.Itoa(len(b)) + " bytes, shorter than TPDU and header"}
	}
	f := &Frame{Body: b[11:]}
	copy(f.TPDU[:], b[:5])
	copy(f.Header[:], b[5:11])
	return f, nil
}

// Append appends the frame to dst: 2-byte big-endian length, TPDU, header
// and body.
func (f *Frame) Append(dst []byte) []byte {
	n := 11 + len(f.Body)
	dst = append(dst, byte(n>>8), byte(n))
	return append(f.appendHead(dst), f.Body...)
}

// appendHead appends the frame's TPDU and header to dst.
func (f *Frame) appendHead(dst []byte) []byte {
	dst = append(dst, f.TPDU[:]...)
	return append(dst, f.Header[:]...)
}

// ReadFrame reads one length-prefixed frame from r into buf (grown when
// too small) and returns it without its length prefix. It returns io.EOF
// when r ends cleanly before a new frame, a *LengthError when the length
// is over max (max <= 0 means 2,048), and a *ShortReadError when
// the frame stops before its length is reached. A zero-length frame is
// returned as an empty slice.
func ReadFrame(r io.Reader, buf []byte, max int) ([]byte, error) {
	if max <= 0 {
		max = defaultFrameMax
	}
	var lp [2]byte
	if n, err := io.ReadFull(r, lp[:]); err != nil {
		if n == 0 && errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, &ShortReadError{Want: 2, Got: n, Err: err}
	}
	l := int(binary.BigEndian.Uint16(lp[:]))
	if l > max {
		return nil, &LengthError{Length: l, Max: max}
	}
	if cap(buf) < l {
		buf = make([]byte, l)
	}
	buf = buf[:l]
	if n, err := io.ReadFull(r, buf); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, &ShortReadError{Want: l, Got: n, Err: err}
	}
	return buf, nil
}

// ResponseTPDU returns the TPDU of the answer to a frame with TPDU t: the
// destination and source addresses swapped.
func ResponseTPDU(t [5]byte) [5]byte {
	return [5]byte{t[0], t[3], t[4], t[1], t[2]}
}

// ProcessingRequirement returns the processing requirement digit of a
// header: the low nibble of its third byte (class N2, version N2, terminal
// state N1, processing requirement N1, reserved N6).
func ProcessingRequirement(h [6]byte) byte { return h[2] & 0x0F }

// WithProcessingRequirement returns h with its processing requirement set
// to p (0–9), every other nibble left as it was.
func WithProcessingRequirement(h [6]byte, p byte) [6]byte {
	h[2] = h[2]&0xF0 | p&0x0F
	return h
}

// ResponseFrame returns the frame that answers req with body: TPDU
// addresses swapped, the terminal's header echoed with the processing
// requirement set to ProcSignOn when resignOn is true, ProcNone otherwise.
func ResponseFrame(req *Frame, body []byte, resignOn bool) *Frame {
	p := byte(ProcNone)
	if resignOn {
		p = ProcSignOn
	}
	return &Frame{TPDU: ResponseTPDU(req.TPDU), Header: WithProcessingRequirement(req.Header, p), Body: body}
}
