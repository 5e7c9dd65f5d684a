// Package flatjson reads flat JSON objects (members whose values are
// strings, numbers, true, false, null or an empty array) without
// reflection, for the few objects posguard reads on every QR order.
//
// It is a fast path, not a decoder of its own: a Scanner either reads its
// input exactly as encoding/json would, or says that it cannot (Done
// returns false), and the caller then decodes the same bytes with
// encoding/json, whose answer (the values, or the error) is the rule. It
// refuses everything outside the flat subset: nested objects and
// non-empty arrays, keys with escapes, bytes outside printable ASCII or an
// upper-case letter (encoding/json matches struct fields case-insensitively),
// and every malformed input. What it accepts it checks as strictly as
// encoding/json's own scanner (string escapes, control characters, the
// number grammar, what follows the object), so that no input encoding/json
// refuses is ever read. Fuzz tests hold each caller to encoding/json.
package flatjson

import (
	"encoding/json"
	"strconv"
)

// Kind is the kind of a member's value.
type Kind byte

// The kinds of values a Scanner reads.
const (
	String  Kind = 's' // a string
	Number  Kind = 'n' // a number (any JSON number)
	Literal Kind = 'l' // true, false or null
	Array   Kind = 'a' // an empty array
)

// Scanner reads the members of one flat JSON object, in order:
//
//	s := flatjson.NewScanner(b)
//	for s.Next() {
//		switch string(s.Key()) {
//		case "name":
//			if v.Name, ok = s.String(); !ok {
//				return false // encoding/json decides
//			}
//		} // other keys are skipped, as encoding/json skips them
//	}
//	return s.Done()
//
// A key read again replaces what the earlier one set, as in
// encoding/json (the last one wins).
type Scanner struct {
	b     []byte
	text  string // b as a string, made when a first string is read
	i     int
	key   []byte
	keyAt int // where key starts in b
	val   []byte
	at    int // where val starts in b
	kind  Kind
	plain bool // a String of printable ASCII without escapes
	state byte // 0 before the object, 1 inside, 2 after its end, 3 refused
}

// NewScanner returns a Scanner of b, which must not change while it is read.
func NewScanner(b []byte) Scanner { return Scanner{b: b} }

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (s *Scanner) skipSpace() {
	for s.i < len(s.b) && isSpace(s.b[s.i]) {
		s.i++
	}
}

// refuse stops the scan: Done will report false.
func (s *Scanner) refuse() bool {
	s.state = 3
	return false
}

// Next reads the next member; false at the end of the object or when the
// input is outside what the Scanner reads (Done tells which).
func (s *Scanner) Next() bool {
	switch s.state {
	case 0:
		s.skipSpace()
		if s.i >= len(s.b) || s.b[s.i] != '{' {
			return s.refuse()
		}
		s.i++
		s.skipSpace()
		if s.i < len(s.b) && s.b[s.i] == '}' {
			return s.end()
		}
		s.state = 1
	case 1:
		s.skipSpace()
		if s.i >= len(s.b) {
			return s.refuse()
		}
		switch s.b[s.i] {
		case '}':
			return s.end()
		case ',':
			s.i++
			s.skipSpace()
		default:
			return s.refuse()
		}
	default:
		return false
	}
	// A key: printable ASCII, no escape, no upper-case letter.
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return s.refuse()
	}
	start := s.i + 1
	j := start
	for ; j < len(s.b) && s.b[j] != '"'; j++ {
		if c := s.b[j]; c < 0x20 || c > 0x7e || c == '\\' || c >= 'A' && c <= 'Z' {
			return s.refuse()
		}
	}
	if j >= len(s.b) {
		return s.refuse()
	}
	s.key, s.keyAt = s.b[start:j:j], start
	s.i = j + 1
	s.skipSpace()
	if s.i >= len(s.b) || s.b[s.i] != ':' {
		return s.refuse()
	}
	s.i++
	s.skipSpace()
	if !s.value() {
		return s.refuse()
	}
	return true
}

// end reads the closing brace at s.i and what follows it: white space only.
func (s *Scanner) end() bool {
	s.i++
	s.skipSpace()
	if s.i != len(s.b) {
		return s.refuse()
	}
	s.state = 2
	return false
}

// value reads one value at s.i into s.val and s.kind.
func (s *Scanner) value() bool {
	if s.i >= len(s.b) {
		return false
	}
	start := s.i
	var ok bool
	switch c := s.b[s.i]; {
	case c == '"':
		s.kind = String
		ok = s.str()
	case c == '-' || c >= '0' && c <= '9':
		s.kind = Number
		ok = s.number()
	case c == 't':
		s.kind = Literal
		ok = s.word("true")
	case c == 'f':
		s.kind = Literal
		ok = s.word("false")
	case c == 'n':
		s.kind = Literal
		ok = s.word("null")
	case c == '[':
		s.kind = Array
		s.i++
		s.skipSpace()
		ok = s.i < len(s.b) && s.b[s.i] == ']'
		s.i++
	}
	if !ok {
		return false
	}
	s.val, s.at = s.b[start:s.i:s.i], start
	return true
}

func (s *Scanner) word(w string) bool {
	if len(s.b)-s.i < len(w) || string(s.b[s.i:s.i+len(w)]) != w {
		return false
	}
	s.i += len(w)
	return true
}

// str reads a string as encoding/json's scanner does: no control
// character, only its escapes; other bytes (invalid UTF-8 too) as they are.
func (s *Scanner) str() bool {
	s.plain = true
	i := s.i + 1
	for i < len(s.b) {
		c := s.b[i]
		switch {
		case c == '"':
			s.i = i + 1
			return true
		case c < 0x20:
			return false
		case c == '\\':
			s.plain = false
			if i+1 >= len(s.b) {
				return false
			}
			switch s.b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(s.b) {
					return false
				}
				for _, h := range s.b[i+2 : i+6] {
					if !(h >= '0' && h <= '9' || h >= 'a' && h <= 'f' || h >= 'A' && h <= 'F') {
						return false
					}
				}
				i += 6
			default:
				return false
			}
		default:
			if c > 0x7e {
				s.plain = false
			}
			i++
		}
	}
	return false
}

// number reads a number of JSON's grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *Scanner) number() bool {
	b, i := s.b, s.i
	digits := func() bool {
		j := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i > j
	}
	if b[i] == '-' {
		i++
	}
	if i < len(b) && b[i] == '0' {
		i++
	} else if !digits() {
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if !digits() {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if !digits() {
			return false
		}
	}
	s.i = i
	return true
}

// Done reports whether the whole input was read: one object and white
// space around it, every member read. False means the caller must decode
// the input with encoding/json instead.
func (s *Scanner) Done() bool { return s.state == 2 }

// Key returns the current member's key (its bytes between the quotes).
func (s *Scanner) Key() []byte { return s.key }

// KeyString returns the current member's key as a string, a part of the
// one copy of the input the strings share (see String).
func (s *Scanner) KeyString() string {
	return s.textOf(s.keyAt, s.keyAt+len(s.key))
}

// textOf returns b[i:j] as a part of the one copy of b.
func (s *Scanner) textOf(i, j int) string {
	if s.text == "" {
		s.text = string(s.b)
	}
	return s.text[i:j]
}

// Kind returns the kind of the current member's value.
func (s *Scanner) Kind() Kind { return s.kind }

// Raw returns the current member's value as it is in the input, as a
// json.RawMessage would hold it.
func (s *Scanner) Raw() []byte { return s.val }

// String returns the current value as encoding/json decodes a string into
// a string field; false if it is not a string (encoding/json would refuse
// it, or, for null, leave the field as it was: the caller falls back).
// The strings of plain ASCII share one copy of the input, which stays in
// memory as long as one of them does.
func (s *Scanner) String() (string, bool) {
	if s.kind != String {
		return "", false
	}
	if s.plain {
		// Every string read is a part of one copy of the input: one
		// allocation for all of them.
		return s.textOf(s.at+1, s.at+len(s.val)-1), true
	}
	// Escapes or other than ASCII: encoding/json's unquoting (invalid
	// UTF-8 and lone surrogates replaced) of this one valid string.
	var v string
	if json.Unmarshal(s.val, &v) != nil {
		return "", false
	}
	return v, true
}

// Int64 returns the current value as encoding/json decodes a number into
// an int64 field; false if it is not an integer in range.
func (s *Scanner) Int64() (int64, bool) {
	if s.kind != Number {
		return 0, false
	}
	n, err := strconv.ParseInt(string(s.val), 10, 64)
	return n, err == nil
}

// Number returns the current value as encoding/json decodes a number into
// a json.Number field; false if it is not a number (encoding/json also
// takes a string holding a number: the caller falls back). Like String's,
// it is a part of the one copy of the input.
func (s *Scanner) Number() (json.Number, bool) {
	if s.kind != Number {
		return "", false
	}
	return json.Number(s.textOf(s.at, s.at+len(s.val))), true
}
