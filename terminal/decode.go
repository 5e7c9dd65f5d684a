package terminal

import (
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/iso8583"
)

// hidden is shown instead of the value of fields that are never displayed:
// 52 (PIN block), 55 (ICC data) and 62 (working keys).
const hidden = "***"

// View is a human and JSON view of one terminal frame, with card data
// masked: field 2 as 6+4, tracks 35 and 36 as their masked PAN followed by
// "D****", and 52, 55 and 62 as "***".
type View struct {
	TPDU   string // upper-case hex
	Header string // upper-case hex
	MTI    string
	Fields []ViewField // in field order
	// Err is the decoding error, when the frame failed part-way; Fields
	// then hold the fields decoded before the failure.
	Err string
}

// ViewField is one field of a View.
type ViewField struct {
	Num   int
	Name  string
	Value string // masked display value
}

// DecodeView decodes a frame (with or without its length prefix) into a
// masked View. When the frame cannot even be split into TPDU, header and
// body it returns a nil View and the error. When the message fails
// part-way it returns the View of what was decoded, with Err set, and the
// error as well.
func DecodeView(b []byte) (*View, error) {
	f, err := ParseFrame(b)
	if err != nil {
		return nil, err
	}
	v := &View{
		TPDU:   strings.ToUpper(hex.EncodeToString(f.TPDU[:])),
		Header: strings.ToUpper(hex.EncodeToString(f.Header[:])),
	}
	m, err := CUPS.Unpack(f.Body)
	if m != nil {
		v.MTI = m.MTI
		for _, n := range m.Fields() {
			val := displayValue(n, m.Get(n))
			if n == fTotals && m.MTI == "0320" {
				val = maskUpload(m.Get(n))
			}
			v.Fields = append(v.Fields, ViewField{Num: n, Name: FieldName(n), Value: val})
		}
	}
	if err != nil {
		v.Err = err.Error()
		return v, err
	}
	return v, nil
}

// displayValue returns field n's value as shown: masked for card data,
// hidden for secrets, hex for binary fields, as is otherwise.
func displayValue(n int, v string) string {
	switch n {
	case fPAN:
		return posguard.MaskPAN(v)
	case fTrack2, fTrack3:
		return MaskTrack(v)
	case fPINBlock, fICC, fField62:
		return hidden
	}
	if f := CUPS.Fields[n]; f != nil && f.Kind == iso8583.B {
		return strings.ToUpper(hex.EncodeToString([]byte(v)))
	}
	return v
}

// maskUpload shows a batch upload's field 48 with each record's card
// number masked (6+4); a field that does not parse is hidden.
func maskUpload(v string) string {
	recs, err := ParseUploadRecords(v)
	if err != nil {
		return hidden
	}
	var b strings.Builder
	b.WriteString(v[:2])
	for _, r := range recs {
		b.WriteString(" " + r.CardOrg + "/" + r.STAN + "/" + r.PAN.String() + "/" + r.Amount.String())
	}
	return b.String()
}

// MaskTrack masks track data for display: the part before the first D
// separator masked as a PAN (6+4), then "D****" whatever followed it; a
// track without a separator is masked whole as a PAN.
func MaskTrack(t string) string {
	i := strings.IndexByte(t, 'D')
	if i < 0 {
		return posguard.MaskPAN(t)
	}
	return posguard.MaskPAN(t[:i]) + "D****"
}

// JSON returns the view as
// {"tpdu": HEX, "header": HEX, "mti": "0200", "fields": {"3": "000000", …}}
// with fields in ascending numeric order, plus "error" when decoding
// failed part-way.
func (v *View) JSON() ([]byte, error) {
	var b []byte
	b = append(b, `{"tpdu":`...)
	b = appendJSONString(b, v.TPDU)
	b = append(b, `,"header":`...)
	b = appendJSONString(b, v.Header)
	b = append(b, `,"mti":`...)
	b = appendJSONString(b, v.MTI)
	b = append(b, `,"fields":{`...)
	for i, f := range v.Fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, strconv.Itoa(f.Num))
		b = append(b, ':')
		b = appendJSONString(b, f.Value)
	}
	b = append(b, '}')
	if v.Err != "" {
		b = append(b, `,"error":`...)
		b = appendJSONString(b, v.Err)
	}
	return append(b, '}'), nil
}

func appendJSONString(b []byte, s string) []byte {
	q, err := json.Marshal(s) // never fails for a string
	if err != nil {
		return append(b, `""`...)
	}
	return append(b, q...)
}

// Text returns a readable listing: TPDU, header and MTI, then one line per
// field (number, name, value), masked as in the View, and the error last.
func (v *View) Text() string {
	var sb strings.Builder
	sb.WriteString("TPDU    " + v.TPDU + "\n")
	sb.WriteString("header  " + v.Header + "\n")
	sb.WriteString("MTI     " + v.MTI + "\n")
	width := 0
	for _, f := range v.Fields {
		width = max(width, len(f.Name))
	}
	for _, f := range v.Fields {
		num := strconv.Itoa(f.Num)
		sb.WriteString(strings.Repeat(" ", 3-len(num)) + num + "  " + f.Name + strings.Repeat(" ", width-len(f.Name)) + "  " + printable(f.Value) + "\n")
	}
	if v.Err != "" {
		sb.WriteString("error   " + v.Err + "\n")
	}
	return sb.String()
}

// printable quotes a value holding control or non-UTF-8 bytes so a
// listing cannot be garbled by it.
func printable(s string) string {
	for _, r := range s {
		if r < 0x20 || r == 0x7F || r == '\uFFFD' {
			return strconv.Quote(s)
		}
	}
	return s
}

// ParseHex decodes a hex dump as people paste it: spaces, newlines, colons
// and a leading 0x are ignored, letters may be of either case.
func ParseHex(s string) ([]byte, error) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "0x")
	clean := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case ' ', '\t', '\n', '\r', ':':
		default:
			clean = append(clean, c)
		}
	}
	out := make([]byte, hex.DecodedLen(len(clean)))
	if _, err := hex.Decode(out, clean); err != nil {
		return nil, posguard.WrapError(posguard.EINVALID, err, "terminal: bad hex")
	}
	return out, nil
}
