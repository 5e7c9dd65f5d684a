package clearing

import (
	"fmt"
	"strconv"
	"time"
)

// ClearingFileName returns the clearing file's name for a clearing date
// (YYYY-MM-DD): IND{yymmdd}01ACOM.
func ClearingFileName(date string) string {
	if len(date) != 10 {
		return "IND" + date + "01ACOM"
	}
	return "IND" + date[2:4] + date[5:7] + date[8:10] + "01ACOM"
}

// DateOfFileName returns the clearing date named by a file name of the form
// IND{yymmdd}01ACOM (with or without .gz or .Z), and false for another
// name. The century is 20xx.
func DateOfFileName(name string) (string, bool) {
	for _, ext := range []string{".gz", ".Z"} {
		if len(name) > len(ext) && name[len(name)-len(ext):] == ext {
			name = name[:len(name)-len(ext)]
		}
	}
	if len(name) != 15 || name[:3] != "IND" || name[9:] != "01ACOM" || !allDigits([]byte(name[3:9])) {
		return "", false
	}
	d := "20" + name[3:5] + "-" + name[5:7] + "-" + name[7:9]
	if _, err := time.Parse("2006-01-02", d); err != nil {
		return "", false
	}
	return d, true
}

// AppendRecord appends l as one clearing record (300 bytes and CR LF) to
// dst, with pan, the full card number, in field 5: only a writer of the file
// (the simulated network) has it. It returns an error, never truncating, for
// a value that does not fit its field.
func AppendRecord(dst []byte, l *Line, pan string) ([]byte, error) {
	c, ok := kindCodes[l.Kind]
	if !ok {
		return dst, fmt.Errorf("clearing record: unknown kind %q", l.Kind)
	}
	origTrace, origTime := l.OrigTrace, l.OrigTime
	if origTrace == "" {
		origTrace = "000000"
	}
	if origTime == "" {
		origTime = "0000000000"
	}
	vals := [35]string{
		1: l.Acquirer, 2: l.Acquirer, 3: l.Trace, 4: l.Transmitted, 5: pan,
		6: amount12(int64(l.Amount)), 7: amount12(int64(l.Partial)), 8: "D00000000000",
		9: c.mti, 10: c.proc, 11: l.MCC, 12: l.Terminal, 13: l.Merchant, 14: l.RRN, 15: c.cond,
		16: l.AuthCode, 17: l.Issuer, 18: origTrace, 19: "00", 20: l.EntryMode,
		21: signed12(l.FeeReceivable), 22: signed12(l.FeePayable), 23: signed12(l.FeeSwitching),
		24: "0", 25: "000", 26: "0", 27: "0", 28: origTime, 29: l.Issuer, 30: "0", 31: "03", 32: "00",
		33: "D00000000000", 34: "",
	}
	for i := range layout {
		f := &layout[i]
		v := vals[f.num]
		if len(v) > f.width {
			if f.num == 5 {
				return dst, fmt.Errorf("clearing record: field 5 (card number): longer than %d", f.width)
			}
			return dst, fmt.Errorf("clearing record: field %d (%s): %q longer than %d", f.num, f.name, v, f.width)
		}
		switch f.typ {
		case typN, typDT:
			for j := len(v); j < f.width; j++ {
				dst = append(dst, '0')
			}
			dst = append(dst, v...)
		default:
			dst = append(dst, v...)
			for j := len(v); j < f.width; j++ {
				dst = append(dst, ' ')
			}
		}
		dst = append(dst, ' ')
	}
	return append(dst, '\r', '\n'), nil
}

func amount12(v int64) string {
	s := strconv.FormatInt(v, 10)
	return s // zero-padded by AppendRecord
}

// signed12 writes a signed fee: C for what the acquirer receives, D for
// what it pays; zero is D00000000000.
func signed12(v int64) string {
	sign := byte('D')
	if v > 0 {
		sign = 'C'
	} else {
		v = -v
	}
	return fmt.Sprintf("%c%011d", sign, v)
}
