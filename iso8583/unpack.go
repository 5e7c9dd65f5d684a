package iso8583

import (
	"encoding/binary"
	"strconv"
	"unsafe"
)

// errPastEnd is the reason given when a value or prefix is cut short.
const errPastEnd = "value runs past end of message"

// decoder holds the state of one Unpack: decoded values are appended to a
// single scratch buffer and turned into strings once, at the end.
type decoder struct {
	data []byte
	pos  int
	buf  []byte
	offs [129]span // value offsets into buf
	// consumed is set once the current field's bytes were taken: an error
	// after that point is in the value's content (a bad digit), and the
	// fields after it can still be located.
	consumed bool
}

// Unpack decodes data, which must be exactly one message (MTI, bitmaps and
// fields; no framing). On error it returns the fields decoded before the
// failure (nil when not even the MTI could be read) and a *FieldError.
// Unpack never panics.
func (s *Spec) Unpack(data []byte) (*Message, error) {
	m := &Message{}
	err := s.unpack(data, m)
	if m.MTI == "" {
		return nil, err
	}
	return m, err
}

// unpack decodes data into m, which must be empty. m.MTI stays "" when the
// MTI could not be read.
func (s *Spec) unpack(data []byte, m *Message) error {
	// Decoded values never outgrow two characters per input byte (BCD),
	// so buf is never reallocated and becomes the values' string as is.
	d := decoder{data: data, buf: make([]byte, 0, 4+2*len(data))}
	if err := d.mti(s.MTIEnc); err != nil {
		return err
	}
	err := s.unpackFields(&d, m)
	// One string holds every decoded value; each field is a slice of it.
	// buf is not written after this point, which makes the conversion
	// without a copy safe.
	all := unsafe.String(unsafe.SliceData(d.buf), len(d.buf))
	m.MTI = all[:4]
	for n := m.next(1); n != 0; n = m.next(n) {
		o := d.offs[n]
		m.vals[n] = all[o.start:o.end]
	}
	return err
}

func (s *Spec) unpackFields(d *decoder, m *Message) error {
	// Bitmaps.
	if len(d.data)-d.pos < 8 {
		return fieldErr(1, "runs past end of message")
	}
	bm := [2]uint64{binary.BigEndian.Uint64(d.data[d.pos:])}
	d.pos += 8
	if bm[0]&(1<<63) != 0 {
		if len(d.data)-d.pos < 8 {
			return fieldErr(1, "secondary bitmap runs past end of message")
		}
		bm[1] = binary.BigEndian.Uint64(d.data[d.pos:])
		d.pos += 8
	}
	bm[0] &^= 1 << 63
	last := 1
	var contentErr error // the first bad value whose length was known
	for n := nextBit(&bm, 1); n != 0; n = nextBit(&bm, n) {
		f := s.Fields[n]
		if f == nil {
			return firstOf(contentErr, fieldErr(n, "no spec"))
		}
		start := d.pos
		vstart := len(d.buf)
		d.consumed = false
		if err := d.field(n, f); err != nil {
			if !d.consumed {
				return firstOf(contentErr, err)
			}
			// A bad value of known length: leave the field out, keep
			// decoding so the fields after it (11, 41, 42) can be read.
			if contentErr == nil {
				contentErr = err
			}
			d.buf = d.buf[:vstart]
			last = n
			continue
		}
		w, mask := bit(n)
		m.present[w] |= mask
		m.spanOK[w] |= mask
		m.spans[n] = span{int32(start), int32(d.pos)}
		d.offs[n] = span{int32(vstart), int32(len(d.buf))}
		last = n
	}
	if extra := len(d.data) - d.pos; extra > 0 {
		return firstOf(contentErr, fieldErr(last, strconv.Itoa(extra)+" trailing bytes after the last field"))
	}
	return contentErr
}

// firstOf returns first when set, else err.
func firstOf(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

// mti decodes the MTI into the scratch buffer (its first 4 bytes).
func (d *decoder) mti(enc Encoding) error {
	if enc == ASCII {
		if len(d.data) < 4 {
			return fieldErr(0, errPastEnd)
		}
		for i := 0; i < 4; i++ {
			c := d.data[i]
			if c < '0' || c > '9' {
				return badDigit(0, c)
			}
			d.buf = append(d.buf, c)
		}
		d.pos = 4
		return nil
	}
	if len(d.data) < 2 {
		return fieldErr(0, errPastEnd)
	}
	for i := 0; i < 2; i++ {
		b := d.data[i]
		if b>>4 > 9 || b&0xF > 9 {
			return fieldErr(0, "bad BCD digit "+hexNibble(nibbleOver9(b)))
		}
		d.buf = append(d.buf, '0'+b>>4, '0'+b&0xF)
	}
	d.pos = 2
	return nil
}

// nibbleOver9 returns the first nibble of b that is not a decimal digit.
func nibbleOver9(b byte) byte {
	if b>>4 > 9 {
		return b >> 4
	}
	return b & 0xF
}

// field decodes field n's prefix and value at d.pos.
func (d *decoder) field(n int, f *Field) error {
	l := f.Max
	if f.Prefix > 0 {
		var err error
		if l, err = d.prefix(n, f); err != nil {
			return err
		}
		if l > f.Max {
			return fieldErr(n, "length "+strconv.Itoa(l)+" over max "+strconv.Itoa(f.Max))
		}
	}
	size := f.wireLen(l)
	if len(d.data)-d.pos < size {
		return fieldErr(n, errPastEnd)
	}
	raw := d.data[d.pos : d.pos+size]
	d.pos += size
	d.consumed = true
	switch {
	case f.Kind == N || f.Kind == Z:
		if f.Enc == ASCII {
			return d.digitsASCII(n, f.Kind, raw)
		}
		return d.digitsBCD(n, f, l, raw)
	default:
		d.buf = append(d.buf, raw...)
		return nil
	}
}

// prefix reads a length prefix.
func (d *decoder) prefix(n int, f *Field) (int, error) {
	size := f.prefixLen()
	if len(d.data)-d.pos < size {
		return 0, fieldErr(n, "length prefix runs past end of message")
	}
	p := d.data[d.pos : d.pos+size]
	d.pos += size
	l := 0
	switch f.PrefixEnc {
	case ASCII:
		for _, c := range p {
			if c < '0' || c > '9' {
				return 0, fieldErr(n, "bad length prefix")
			}
			l = l*10 + int(c-'0')
		}
	case Binary:
		for _, c := range p {
			l = l<<8 | int(c)
		}
	default:
		for _, c := range p {
			if c>>4 > 9 || c&0xF > 9 {
				return 0, fieldErr(n, "bad BCD length prefix")
			}
			l = l*100 + int(c>>4)*10 + int(c&0xF)
		}
	}
	return l, nil
}

func (d *decoder) digitsASCII(n int, k Kind, raw []byte) error {
	for _, c := range raw {
		v, ok := digitValue(k, c)
		if !ok {
			return badDigit(n, c)
		}
		d.buf = append(d.buf, "0123456789ABCDEF"[v])
	}
	return nil
}

// digitsBCD unpacks l digits from raw, skipping the pad nibble of an odd
// count (first when right-aligned, last otherwise).
func (d *decoder) digitsBCD(n int, f *Field, l int, raw []byte) error {
	skip := -1 // index of the pad nibble
	if l%2 == 1 {
		skip = 2*len(raw) - 1
		if f.RightAlign {
			skip = 0
		}
	}
	for i := 0; i < 2*len(raw); i++ {
		v := raw[i/2]
		if i%2 == 0 {
			v >>= 4
		} else {
			v &= 0xF
		}
		if i == skip {
			if f.Kind == N && v != 0 && v != 0xF {
				return fieldErr(n, "bad pad nibble "+hexNibble(v))
			}
			continue
		}
		if f.Kind == N && v > 9 {
			return fieldErr(n, "bad BCD digit "+hexNibble(v))
		}
		d.buf = append(d.buf, "0123456789ABCDEF"[v])
	}
	return nil
}
