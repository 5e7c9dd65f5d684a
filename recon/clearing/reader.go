package clearing

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"

	"github.com/posguard/posguard"
)

// maxKept bounds how much of one physical line the reader keeps: the record
// and a little of what a network may append after column 300 (ignored).
// Longer lines are read through without being kept, so memory stays bounded
// whatever the input.
const maxKept = 1024

// ClearingReader reads a clearing file one record at a time in bounded
// memory (spec/clearing-file.md §2). It never keeps a full card number.
type ClearingReader struct {
	// Name is the file name errors start with.
	Name string
	// Acquirer, when set, is the acquirer id field 1 must hold.
	Acquirer string

	r    *bufio.Reader
	no   int // physical line number of the last line read
	buf  []byte
	done bool
}

// NewClearingReader returns a reader of the clearing file r named name.
func NewClearingReader(r io.Reader, name, acquirer string) *ClearingReader {
	return &ClearingReader{Name: name, Acquirer: acquirer, r: bufio.NewReaderSize(r, 64<<10), buf: make([]byte, 0, maxKept)}
}

// errorf returns the one-line reason a bad file is rejected with: file
// name, physical line, field number and name, and what is wrong. It never
// quotes field 5.
func (c *ClearingReader) errorf(f *fieldSpec, format string, args ...any) error {
	where := fmt.Sprintf("%s line %d", c.Name, c.no)
	if f != nil {
		where += fmt.Sprintf(", field %d (%s)", f.num, f.name)
	}
	return posguard.Errorf(posguard.EINVALID, "%s: %s", where, fmt.Sprintf(format, args...))
}

// readLine reads the next physical line (without its LF), keeping at most
// maxKept bytes; ok is false at the end of the input.
func (c *ClearingReader) readLine() (line []byte, ok bool, err error) {
	if c.done {
		return nil, false, nil
	}
	c.buf = c.buf[:0]
	read := false
	for {
		chunk, err := c.r.ReadSlice('\n')
		if len(chunk) > 0 {
			read = true
		}
		if room := maxKept - len(c.buf); room > 0 {
			if len(chunk) <= room {
				c.buf = append(c.buf, chunk...)
			} else {
				c.buf = append(c.buf, chunk[:room]...)
			}
		}
		// A CR anywhere but right before the LF is an error, also in the
		// part of a long line that is not kept.
		body := chunk
		if n := len(body); n > 0 && body[n-1] == '\n' {
			body = body[:n-1]
			if n := len(body); n > 0 && body[n-1] == '\r' {
				body = body[:n-1]
			}
		}
		if bytes.IndexByte(body, '\r') >= 0 {
			c.no++
			c.done = true
			return nil, false, c.errorf(nil, "carriage return inside the line")
		}
		switch err {
		case nil:
			c.no++
			return trimEOL(c.buf), true, nil
		case bufio.ErrBufferFull:
			continue
		case io.EOF:
			c.done = true
			if !read {
				return nil, false, nil
			}
			c.no++
			return trimEOL(c.buf), true, nil
		default:
			c.done = true
			return nil, false, posguard.WrapError(posguard.EUNAVAILABLE, err, "%s: read", c.Name)
		}
	}
}

func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	return b
}

// Next returns the next record, io.EOF after the last one, or an EINVALID
// error naming the line and field of the first rule the file breaks
// (§2.9). Empty lines are skipped.
func (c *ClearingReader) Next() (*Line, error) {
	for {
		raw, ok, err := c.readLine()
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, io.EOF
		}
		if len(raw) == 0 {
			continue
		}
		var rec [RecordLen]byte
		n := copy(rec[:], raw)
		for i := n; i < RecordLen; i++ {
			rec[i] = ' '
		}
		return c.parse(&rec)
	}
}

// parse checks and decodes one padded record.
func (c *ClearingReader) parse(rec *[RecordLen]byte) (*Line, error) {
	l := &Line{No: c.no}
	var v [35]string // field values, trailing spaces kept
	for i := range layout {
		f := &layout[i]
		b := rec[f.off : f.off+f.width]
		if sep := rec[f.off+f.width]; sep != ' ' {
			return nil, c.errorf(f, "separator after the field is not a space")
		}
		if err := c.checkType(f, b); err != nil {
			return nil, err
		}
	}
	card, err := c.card(rec)
	if err != nil {
		return nil, err
	}
	// Field 5 is blanked before the record becomes a string: the full card
	// number is never kept.
	for i := layout[4].off; i < layout[4].off+layout[4].width; i++ {
		rec[i] = ' '
	}
	text := string(rec[:]) // the fields below slice it: one allocation per line
	for i := range layout {
		if f := &layout[i]; keep[f.num] {
			v[f.num] = text[f.off : f.off+f.width]
		}
	}
	l.Acquirer = trimSpace(v[1])
	if c.Acquirer != "" && l.Acquirer != c.Acquirer {
		return nil, c.errorf(&layout[0], "%q is not this acquirer (%s)", l.Acquirer, c.Acquirer)
	}
	l.Trace, l.Transmitted = v[3], v[4]
	l.Card = card
	amt, _ := strconv.ParseInt(v[6], 10, 64)
	part, _ := strconv.ParseInt(v[7], 10, 64)
	l.Amount, l.Partial = posguard.Amount(amt), posguard.Amount(part)
	if l.Cleared() <= 0 {
		f := &layout[5]
		if part != 0 {
			f = &layout[6]
		}
		return nil, c.errorf(f, "amount is zero")
	}
	l.Kind = kindOf(v[9], v[10], v[15])
	if l.Kind == "" {
		return nil, c.errorf(&layout[8], "message type %s, processing code %s, condition code %s are no kind of §2.4", v[9], v[10], v[15])
	}
	l.MCC = v[11]
	l.Terminal, l.Merchant, l.RRN = trimSpace(v[12]), trimSpace(v[13]), trimSpace(v[14])
	l.AuthCode, l.Issuer = trimSpace(v[16]), trimSpace(v[17])
	l.OrigTrace, l.EntryMode, l.OrigTime = v[18], v[20], v[28]
	l.FeeReceivable, l.FeePayable, l.FeeSwitching = signed(v[21]), signed(v[22]), signed(v[23])
	return l, nil
}

// keep marks the fields whose value a Line holds; the others are checked
// and dropped (field 5 is kept only masked).
var keep = [35]bool{1: true, 3: true, 4: true, 6: true, 7: true, 9: true, 10: true, 11: true, 12: true, 13: true,
	14: true, 15: true, 16: true, 17: true, 18: true, 20: true, 21: true, 22: true, 23: true, 28: true}

// checkType checks one field's bytes against its type.
func (c *ClearingReader) checkType(f *fieldSpec, b []byte) error {
	switch f.typ {
	case typN:
		if !allDigits(b) {
			return c.errorf(f, "%q is not %d digits", b, f.width)
		}
	case typAN:
		if f.num == 34 {
			return nil // any GBK bytes; ignored
		}
		for _, x := range b {
			if x < 0x20 || x > 0x7e {
				if f.num == 5 {
					return c.errorf(f, "holds a byte that is not printable ASCII")
				}
				return c.errorf(f, "byte 0x%02x is not printable ASCII", x)
			}
		}
	case typS:
		if (b[0] != 'C' && b[0] != 'D' && b[0] != ' ') || !allDigits(b[1:]) {
			return c.errorf(f, "%q is not a sign C or D and 11 digits", b)
		}
	case typDT:
		if !allDigits(b) {
			return c.errorf(f, "%q is not a date-time MMDDhhmmss", b)
		}
		if f.num == 28 && string(b) == "0000000000" {
			return nil
		}
		if !validDateTime(b) {
			return c.errorf(f, "%q is not a valid date-time MMDDhhmmss", b)
		}
	}
	return nil
}

// card checks field 5 (13 to 19 digits, then spaces) and returns it masked.
// Errors never quote it.
func (c *ClearingReader) card(rec *[RecordLen]byte) (string, error) {
	f := &layout[4]
	b := rec[f.off : f.off+f.width]
	n := 0
	for n < len(b) && b[n] >= '0' && b[n] <= '9' {
		n++
	}
	for _, x := range b[n:] {
		if x != ' ' {
			return "", c.errorf(f, "not digits followed by spaces")
		}
	}
	if n < 13 {
		return "", c.errorf(f, "%d digits, want 13 to 19", n)
	}
	return posguard.MaskPAN(string(b[:n])), nil
}

func allDigits(b []byte) bool {
	for _, x := range b {
		if x < '0' || x > '9' {
			return false
		}
	}
	return true
}

// validDateTime checks MMDDhhmmss (29 February is accepted: some year has it).
func validDateTime(b []byte) bool {
	num := func(i int) int { return int(b[i]-'0')*10 + int(b[i+1]-'0') }
	mm, dd, h, m, s := num(0), num(2), num(4), num(6), num(8)
	days := [13]int{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}
	return mm >= 1 && mm <= 12 && dd >= 1 && dd <= days[mm] && h < 24 && m < 60 && s < 60
}

// signed reads a checked signed amount: C positive, D (or space) negative.
func signed(v string) int64 {
	n, _ := strconv.ParseInt(v[1:], 10, 64)
	if v[0] == 'C' {
		return n
	}
	return -n
}

func trimSpace(s string) string {
	n := len(s)
	for n > 0 && s[n-1] == ' ' {
		n--
	}
	return s[:n]
}
