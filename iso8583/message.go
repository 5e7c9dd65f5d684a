package iso8583

import "math/bits"

// span is the byte range of one field in the data it was unpacked from.
type span struct{ start, end int32 }

// Message is one ISO 8583 message: an MTI and the values of fields 2–128.
// Values live in a fixed array indexed by field number; a Message is not
// safe for concurrent modification.
type Message struct {
	// MTI is the message type indicator, four digits ("0200").
	MTI string

	present [2]uint64 // wire bitmap order: field 1 is the top bit of present[0]
	vals    [129]string
	spans   [129]span // valid where spanOK is set
	spanOK  [2]uint64
}

// NewMessage returns an empty message with the given MTI.
func NewMessage(mti string) *Message { return &Message{MTI: mti} }

// bit returns the word and mask of field n in a bitmap pair; n must be 1–128.
func bit(n int) (int, uint64) {
	n--
	return n >> 6, 1 << (63 - uint(n&63))
}

func validField(n int) bool { return n >= 2 && n <= 128 }

// Set sets field n to v: digits for N, digits with D (or '=') and any
// hexadecimal digit for Z, text for AN, bytes for B. Field numbers outside
// 2–128 are ignored (bit 1 belongs to the codec).
func (m *Message) Set(n int, v string) {
	if !validField(n) {
		return
	}
	w, mask := bit(n)
	m.present[w] |= mask
	m.spanOK[w] &^= mask
	m.vals[n] = v
}

// SetBytes sets field n to a copy of b. It is meant for B fields but sets
// the raw value of any field.
func (m *Message) SetBytes(n int, b []byte) { m.Set(n, string(b)) }

// Get returns the value of field n, or "" if it is absent. A B field's
// bytes are returned as a string.
func (m *Message) Get(n int) string {
	if !m.Has(n) {
		return ""
	}
	return m.vals[n]
}

// GetBytes returns a copy of field n's value, or nil if it is absent.
func (m *Message) GetBytes(n int) []byte {
	if !m.Has(n) {
		return nil
	}
	return []byte(m.vals[n])
}

// Has reports whether field n is present.
func (m *Message) Has(n int) bool {
	if !validField(n) {
		return false
	}
	w, mask := bit(n)
	return m.present[w]&mask != 0
}

// Unset removes field n.
func (m *Message) Unset(n int) {
	if !validField(n) {
		return
	}
	w, mask := bit(n)
	m.present[w] &^= mask
	m.spanOK[w] &^= mask
	m.vals[n] = ""
}

// Fields returns the numbers of the present fields in ascending order
// (never 1, which the codec manages).
func (m *Message) Fields() []int {
	out := make([]int, 0, bits.OnesCount64(m.present[0])+bits.OnesCount64(m.present[1]))
	for n := m.next(0); n != 0; n = m.next(n) {
		out = append(out, n)
	}
	return out
}

// next returns the first present field after field n, or 0 when there is
// none.
func (m *Message) next(n int) int { return nextBit(&m.present, n) }

// nextBit returns the first field after n whose bit is set in bm, or 0.
func nextBit(bm *[2]uint64, n int) int {
	for n < 128 {
		w := n >> 6 // word holding field n+1
		rest := bm[w] << uint(n&63)
		if rest != 0 {
			return n + 1 + bits.LeadingZeros64(rest)
		}
		n = (w + 1) << 6
	}
	return 0
}

// Span returns the byte offsets [start, end) of field n, its length prefix
// included, in the data the message was unpacked from. ok is false when the
// field is absent or was set after unpacking.
func (m *Message) Span(n int) (start, end int, ok bool) {
	if !validField(n) {
		return 0, 0, false
	}
	w, mask := bit(n)
	if m.spanOK[w]&mask == 0 {
		return 0, 0, false
	}
	s := m.spans[n]
	return int(s.start), int(s.end), true
}

// Clone returns an independent copy of m.
func (m *Message) Clone() *Message {
	c := *m
	return &c
}
