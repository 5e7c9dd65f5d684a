package iso8583

import (
	"encoding/binary"
	"strconv"
)

// Pack encodes m according to s. It returns a *FieldError naming the first
// field that cannot be encoded (no spec, too long, a bad digit).
func (s *Spec) Pack(m *Message) ([]byte, error) {
	return s.AppendPack(make([]byte, 0, 256), m)
}

// AppendPack appends the encoding of m to dst and returns the extended
// slice. On error dst is returned with whatever was appended so far.
func (s *Spec) AppendPack(dst []byte, m *Message) ([]byte, error) {
	var err error
	if dst, err = s.appendMTI(dst, m.MTI); err != nil {
		return dst, err
	}
	bm := m.present
	bm[0] &^= 1 << 63
	if bm[1] != 0 {
		bm[0] |= 1 << 63
	}
	dst = binary.BigEndian.AppendUint64(dst, bm[0])
	if bm[1] != 0 {
		dst = binary.BigEndian.AppendUint64(dst, bm[1])
	}
	for n := m.next(1); n != 0; n = m.next(n) {
		f := s.Fields[n]
		if f == nil {
			return dst, fieldErr(n, "no spec")
		}
		if dst, err = appendField(dst, n, f, m.vals[n]); err != nil {
			return dst, err
		}
	}
	return dst, nil
}

func (s *Spec) appendMTI(dst []byte, mti string) ([]byte, error) {
	if len(mti) != 4 {
		return dst, fieldErr(0, "MTI must be 4 digits")
	}
	for i := 0; i < 4; i++ {
		if mti[i] < '0' || mti[i] > '9' {
			return dst, fieldErr(0, "MTI must be 4 digits")
		}
	}
	if s.MTIEnc == ASCII {
		return append(dst, mti...), nil
	}
	return append(dst, (mti[0]-'0')<<4|(mti[1]-'0'), (mti[2]-'0')<<4|(mti[3]-'0')), nil
}

// appendField appends field n's length prefix and value.
func appendField(dst []byte, n int, f *Field, v string) ([]byte, error) {
	l := len(v)
	if l > f.Max {
		return dst, fieldErr(n, "length "+strconv.Itoa(l)+" over max "+strconv.Itoa(f.Max))
	}
	if f.Prefix > 0 {
		dst = appendPrefix(dst, f, l)
	}
	switch f.Kind {
	case N, Z:
		lead := 0 // leading zeros of a short fixed value
		if f.Prefix == 0 {
			lead = f.Max - l
		}
		if f.Enc == ASCII {
			return appendDigitsASCII(dst, n, f.Kind, lead, v)
		}
		return appendDigitsBCD(dst, n, f, lead, v)
	case B:
		if f.Prefix == 0 && l != f.Max {
			return dst, fieldErr(n, "length "+strconv.Itoa(l)+", want "+strconv.Itoa(f.Max))
		}
		return append(dst, v...), nil
	default: // AN
		dst = append(dst, v...)
		if f.Prefix == 0 {
			for i := l; i < f.Max; i++ {
				dst = append(dst, ' ')
			}
		}
		return dst, nil
	}
}

// appendPrefix appends the length prefix for l digits or bytes; l is known
// to be at most f.Max, which Validate checks fits the prefix.
func appendPrefix(dst []byte, f *Field, l int) []byte {
	switch f.PrefixEnc {
	case ASCII:
		if f.Prefix == 3 {
			dst = append(dst, byte('0'+l/100%10))
		}
		return append(dst, byte('0'+l/10%10), byte('0'+l%10))
	case Binary:
		if f.Prefix == 3 {
			return append(dst, byte(l>>8), byte(l))
		}
		return append(dst, byte(l))
	default: // BCD
		if f.Prefix == 3 {
			dst = append(dst, byte(l/100%10))
		}
		return append(dst, byte(l/10%10)<<4|byte(l%10))
	}
}

// digitValue returns the nibble of character c in a value of kind k.
func digitValue(k Kind, c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case k != Z:
		return 0, false
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c == '=':
		return 0xD, true
	}
	return 0, false
}

func badDigit(n int, c byte) *FieldError {
	if c >= 0x20 && c < 0x7F {
		return fieldErr(n, "bad digit "+strconv.QuoteRune(rune(c)))
	}
	return fieldErr(n, "bad digit 0x"+strconv.FormatUint(uint64(c), 16))
}

func appendDigitsASCII(dst []byte, n int, k Kind, lead int, v string) ([]byte, error) {
	for i := 0; i < lead; i++ {
		dst = append(dst, '0')
	}
	for i := 0; i < len(v); i++ {
		d, ok := digitValue(k, v[i])
		if !ok {
			return dst, badDigit(n, v[i])
		}
		dst = append(dst, "0123456789ABCDEF"[d])
	}
	return dst, nil
}

// appendDigitsBCD packs lead zeros then v's digits, two per byte, with a
// pad nibble 0 before (right-aligned) or after them when the count is odd.
func appendDigitsBCD(dst []byte, n int, f *Field, lead int, v string) ([]byte, error) {
	total := lead + len(v)
	var cur byte
	half := false // cur holds a high nibble awaiting its low one
	put := func(d byte) {
		if half {
			dst = append(dst, cur|d)
			half = false
		} else {
			cur = d << 4
			half = true
		}
	}
	if total%2 == 1 && f.RightAlign {
		put(0)
	}
	for i := 0; i < lead; i++ {
		put(0)
	}
	for i := 0; i < len(v); i++ {
		d, ok := digitValue(f.Kind, v[i])
		if !ok {
			return dst, badDigit(n, v[i])
		}
		put(d)
	}
	if half {
		put(0)
	}
	return dst, nil
}
