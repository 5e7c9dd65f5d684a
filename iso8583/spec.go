package iso8583

import "fmt"

// Encoding is how a value or a length prefix is written on the wire.
type Encoding uint8

// Encodings.
const (
	// ASCII writes digits and text as ASCII characters.
	ASCII Encoding = iota
	// BCD packs two decimal (or, for Z, hexadecimal) digits per byte.
	BCD
	// Binary writes bytes as they are; a binary length prefix is an
	// unsigned big-endian integer.
	Binary
)

// String names the encoding.
func (e Encoding) String() string {
	switch e {
	case ASCII:
		return "ascii"
	case BCD:
		return "bcd"
	case Binary:
		return "binary"
	}
	return fmt.Sprintf("encoding(%d)", uint8(e))
}

// Kind is the type of a field's value.
type Kind uint8

// Kinds.
const (
	// N is numeric: decimal digits only.
	N Kind = iota
	// Z is track data: any hexadecimal nibble, D as the separator.
	Z
	// AN is text (an, ans): bytes kept as they are.
	AN
	// B is binary: bytes kept as they are.
	B
)

// String names the kind as the ISO 8583 format letters do.
func (k Kind) String() string {
	switch k {
	case N:
		return "n"
	case Z:
		return "z"
	case AN:
		return "ans"
	case B:
		return "b"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Field is the specification of one field: data, not code.
type Field struct {
	// Name is a short human description ("primary account number").
	Name string
	// Kind is the value's type.
	Kind Kind
	// Max is the maximum length of a variable field, or the length of a
	// fixed one: digits for N and Z, bytes for AN and B.
	Max int
	// Prefix is the number of decimal digits of the length prefix: 0 for a
	// fixed-length field, 2 for LLVAR, 3 for LLLVAR.
	Prefix int
	// PrefixEnc is the encoding of the length prefix: BCD (LL in 1 byte, LLL
	// in 2 bytes), ASCII (2 or 3 characters) or Binary (1 or 2 bytes,
	// big-endian).
	PrefixEnc Encoding
	// Enc is the value's encoding: BCD or ASCII for N and Z; AN and B values
	// are always written as their bytes.
	Enc Encoding
	// RightAlign puts the pad nibble of an odd count of BCD digits first
	// (right-aligned value). By default it comes last (left-aligned).
	RightAlign bool
}

// wireLen returns the number of value bytes (prefix excluded) for l digits
// or bytes.
func (f *Field) wireLen(l int) int {
	if (f.Kind == N || f.Kind == Z) && f.Enc == BCD {
		return (l + 1) / 2
	}
	return l
}

// prefixLen returns the size in bytes of the field's length prefix.
func (f *Field) prefixLen() int {
	switch {
	case f.Prefix == 0:
		return 0
	case f.PrefixEnc == ASCII:
		return f.Prefix
	default: // BCD and Binary: LL in 1 byte, LLL in 2
		return f.Prefix - 1
	}
}

// Spec is a message profile: the MTI encoding and the field table.
type Spec struct {
	// Name identifies the profile ("cups-terminal").
	Name string
	// MTIEnc is BCD (2 bytes) or ASCII (4 characters).
	MTIEnc Encoding
	// Fields holds the spec of each field, indexed by field number 2–128;
	// a nil entry means the field is not allowed. Index 0 is unused and 1
	// (the secondary bitmap) is handled by the codec.
	Fields [129]*Field
}

// Validate reports the first inconsistency in the spec's field table: a
// prefix other than 0, 2 or 3, a maximum that is not positive or that the
// prefix cannot express, or an encoding the kind does not allow.
func (s *Spec) Validate() error {
	if s.MTIEnc != BCD && s.MTIEnc != ASCII {
		return &FieldError{Field: 0, Reason: "MTI encoding must be BCD or ASCII"}
	}
	for n := 2; n <= 128; n++ {
		f := s.Fields[n]
		if f == nil {
			continue
		}
		bad := func(reason string) error { return &FieldError{Field: n, Reason: "spec: " + reason} }
		if f.Max <= 0 {
			return bad("max length must be positive")
		}
		switch f.Prefix {
		case 0:
		case 2, 3:
			if f.PrefixEnc > Binary {
				return bad("unknown prefix encoding")
			}
			limit := 99
			if f.Prefix == 3 {
				limit = 999
			}
			if f.PrefixEnc == Binary && f.Prefix == 2 {
				limit = 255
			}
			if f.Max > limit {
				return bad(fmt.Sprintf("max %d does not fit the length prefix", f.Max))
			}
		default:
			return bad("prefix must be 0, 2 or 3")
		}
		switch f.Kind {
		case N, Z:
			if f.Enc != BCD && f.Enc != ASCII {
				return bad("n and z values must be BCD or ASCII")
			}
		case AN, B:
		default:
			return bad("unknown kind")
		}
	}
	return nil
}
