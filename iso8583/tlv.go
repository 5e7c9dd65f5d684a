package iso8583

import (
	"strconv"
)

// TLV is one BER-TLV data object of ICC data (field 55).
type TLV struct {
	// Tag is the tag's bytes read as a big-endian number: 0x9F26 for the
	// two-byte tag 9F 26. Tags are at most 4 bytes long.
	Tag uint32
	// Value is the object's value. For a constructed tag it is the encoded
	// children as received. Values returned by ParseTLV share memory with
	// the parsed input.
	Value []byte
	// Children are the objects inside a constructed tag (bit 6 of the first
	// tag byte set).
	Children []TLV
}

// Constructed reports whether the tag is a constructed (template) tag.
func (t TLV) Constructed() bool { return tagFirstByte(t.Tag)&0x20 != 0 }

// TLVError is a failure to parse BER-TLV data at a byte offset.
type TLVError struct {
	Offset int
	Reason string
}

// Error returns e.g. "tlv at byte 12: length runs past end of data".
func (e *TLVError) Error() string {
	return "tlv at byte " + strconv.Itoa(e.Offset) + ": " + e.Reason
}

// maxTLVDepth bounds the nesting of constructed tags.
const maxTLVDepth = 16

// ParseTLV parses a sequence of BER-TLV objects, descending into constructed
// tags. Tags of up to 4 bytes and definite lengths of up to 4 bytes (long
// form 81–84) are accepted; 00 and FF bytes between objects are skipped as
// padding (EMV allows them). Any malformed input gives a *TLVError, never a
// panic.
func ParseTLV(b []byte) ([]TLV, error) { return parseTLV(b, 0, 0) }

func parseTLV(b []byte, base, depth int) ([]TLV, error) {
	if depth > maxTLVDepth {
		return nil, &TLVError{Offset: base, Reason: "constructed tags nested too deep"}
	}
	var out []TLV
	i := 0
	for i < len(b) {
		if b[i] == 0x00 || b[i] == 0xFF {
			i++
			continue
		}
		start := i
		tag := uint32(b[i])
		i++
		if tag&0x1F == 0x1F {
			for {
				if i >= len(b) {
					return out, &TLVError{Offset: base + start, Reason: "tag runs past end of data"}
				}
				if i-start >= 4 {
					return out, &TLVError{Offset: base + start, Reason: "tag longer than 4 bytes"}
				}
				c := b[i]
				i++
				tag = tag<<8 | uint32(c)
				if c&0x80 == 0 {
					break
				}
			}
		}
		if i >= len(b) {
			return out, &TLVError{Offset: base + start, Reason: "length runs past end of data"}
		}
		l := int(b[i])
		i++
		if l&0x80 != 0 {
			k := l & 0x7F
			if k == 0 {
				return out, &TLVError{Offset: base + i - 1, Reason: "indefinite length not allowed"}
			}
			if k > 4 {
				return out, &TLVError{Offset: base + i - 1, Reason: "length field longer than 4 bytes"}
			}
			if len(b)-i < k {
				return out, &TLVError{Offset: base + i - 1, Reason: "length runs past end of data"}
			}
			l = 0
			for j := 0; j < k; j++ {
				l = l<<8 | int(b[i+j])
			}
			i += k
		}
		if l < 0 || l > len(b)-i {
			return out, &TLVError{Offset: base + start, Reason: "value runs past end of data"}
		}
		t := TLV{Tag: tag, Value: b[i : i+l : i+l]}
		if t.Constructed() && l > 0 {
			kids, err := parseTLV(t.Value, base+i, depth+1)
			if err != nil {
				return out, err
			}
			t.Children = kids
		}
		out = append(out, t)
		i += l
	}
	return out, nil
}

// AppendTLV appends the BER-TLV encoding of items to dst. A constructed
// item with Children is encoded from its children; any other item from its
// Value. Lengths use the shortest form.
func AppendTLV(dst []byte, items ...TLV) []byte {
	for _, t := range items {
		dst = appendTag(dst, t.Tag)
		if len(t.Children) > 0 {
			inner := AppendTLV(nil, t.Children...)
			dst = appendTLVLength(dst, len(inner))
			dst = append(dst, inner...)
			continue
		}
		dst = appendTLVLength(dst, len(t.Value))
		dst = append(dst, t.Value...)
	}
	return dst
}

// tagFirstByte returns the first (most significant non-zero) byte of tag.
func tagFirstByte(tag uint32) byte {
	for tag > 0xFF {
		tag >>= 8
	}
	return byte(tag)
}

func appendTag(dst []byte, tag uint32) []byte {
	started := false
	for shift := 24; shift > 0; shift -= 8 {
		c := byte(tag >> uint(shift))
		if c != 0 || started {
			dst = append(dst, c)
			started = true
		}
	}
	return append(dst, byte(tag))
}

func appendTLVLength(dst []byte, l int) []byte {
	switch {
	case l < 0x80:
		return append(dst, byte(l))
	case l <= 0xFF:
		return append(dst, 0x81, byte(l))
	case l <= 0xFFFF:
		return append(dst, 0x82, byte(l>>8), byte(l))
	case l <= 0xFFFFFF:
		return append(dst, 0x83, byte(l>>16), byte(l>>8), byte(l))
	}
	return append(dst, 0x84, byte(l>>24), byte(l>>16), byte(l>>8), byte(l))
}

// FindTLV returns the first object with tag in items, searching
// depth-first through constructed objects.
func FindTLV(items []TLV, tag uint32) (TLV, bool) {
	for _, t := range items {
		if t.Tag == tag {
			return t, true
		}
		if r, ok := FindTLV(t.Children, tag); ok {
			return r, true
		}
	}
	return TLV{}, false
}
