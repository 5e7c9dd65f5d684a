package iso8583

import "strconv"

// FieldError is a failure to pack or unpack one field. Field 0 stands for
// the MTI and 1 for the bitmap. Its text never holds a field's value, so it
// is safe to log even for card data fields.
type FieldError struct {
	// Field is the field number (0 MTI, 1 bitmap).
	Field int
	// Sub is the subfield number ("field 60.2"), 0 when the error concerns
	// the whole field.
	Sub int
	// Reason says what is wrong ("length 41 over max 37").
	Reason string
	// Err is an optional underlying cause.
	Err error
}

// Error returns e.g. "field 35: length 41 over max 37", "field 60.2: bad
// digit", "mti: bad BCD digit 0xA" or "bitmap: runs past end of message".
func (e *FieldError) Error() string {
	var s string
	switch e.Field {
	case 0:
		s = "mti"
	case 1:
		s = "bitmap"
	default:
		s = "field " + strconv.Itoa(e.Field)
		if e.Sub > 0 {
			s += "." + strconv.Itoa(e.Sub)
		}
	}
	s += ": " + e.Reason
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying cause.
func (e *FieldError) Unwrap() error { return e.Err }

func fieldErr(n int, reason string) *FieldError { return &FieldError{Field: n, Reason: reason} }

// hexNibble formats a nibble as "0xA" for error messages.
func hexNibble(v byte) string { return "0x" + string("0123456789ABCDEF"[v&0xF]) }
