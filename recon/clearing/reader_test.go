package clearing

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/posguard/posguard"
)

func readAll(t testing.TB, data []byte, acquirer string) ([]*Line, error) {
	t.Helper()
	r := NewClearingReader(bytes.NewReader(data), "IND26112301ACOM", acquirer)
	var out []*Line
	for {
		l, err := r.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, l)
	}
}

// TestSpecExample reads the example of spec §2.10 and checks every field
// posguard uses.
func TestSpecExample(t *testing.T) {
	data, err := os.ReadFile("testdata/IND26112301ACOM")
	if err != nil {
		t.Fatal(err)
	}
	lines, err := readAll(t, data, "48021000")
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 4 {
		t.Fatalf("%d lines, want 4", len(lines))
	}
	want := []struct {
		kind  Kind
		amt   posguard.Amount
		card  string
		rrn   string
		term  string
		trace string
		orig  string
	}{
		{KindSale, 1234, "621626*********0018", "332710000417", "10000011", "000417", "0000000000"},
		{KindSale, 5000, "622588******1017", "332714000418", "10000012", "000418", "0000000000"},
		{KindVoid, 5000, "622588******1017", "332714000419", "10000012", "000419", "1123063011"},
		{KindRefund, 2000, "621626*********0018", "332715000420", "10000011", "000420", "1122081530"},
	}
	for i, w := range want {
		l := lines[i]
		if l.Kind != w.kind || l.Cleared() != w.amt || l.Card != w.card || l.RRN != w.rrn || l.Terminal != w.term ||
			l.Trace != w.trace || l.OrigTime != w.orig || l.Merchant != "898310048990001" || l.No != i+1 {
			t.Errorf("line %d = %+v, want %+v", i+1, l, w)
		}
	}
	// Written back, each line is byte for byte the file's.
	var out []byte
	pans := []string{"6216261000000000018", "6225880000001017", "6225880000001017", "6216261000000000018"}
	for i, l := range lines {
		if out, err = AppendRecord(out, l, pans[i]); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(out, data) {
		t.Errorf("written file differs:\n%q\nwant\n%q", out, data)
	}
}

func TestBadClearingFiles(t *testing.T) {
	data, _ := os.ReadFile("testdata/IND26112301ACOM")
	first := string(data[:300])
	set := func(col int, s string) string { // col 1-based
		return first[:col-1] + s + first[col-1+len(s):] + "\r\n"
	}
	cases := []struct {
		name, file, acquirer, want string
	}{
		{"amount letters", set(63, "00000001234X"), "", `line 1, field 6 (amount): "00000001234X" is not 12 digits`},
		{"other acquirer", first + "\r\n", "99999999", "line 1, field 1 (acquirer institution id)"},
		{"bad kind", set(107, "310000"), "", "line 1, field 9 (message type)"},
		{"short card", set(43, "621626100000       "), "", "line 1, field 5 (card number): 12 digits"},
		{"card letters", set(43, "62162610000000000X8"), "", "line 1, field 5 (card number): not digits"},
		{"bad time", set(32, "1332021502"), "", "line 1, field 4 (transmit date-time)"},
		{"bad separator", set(12, "X"), "", "line 1, field 1 (acquirer institution id): separator"},
		{"zero amount", set(63, "000000000000"), "", "field 6 (amount): amount is zero"},
		{"cr inside", "\r\n\r\n" + first[:20] + "\r" + first[21:] + "\r\n", "", "line 3: carriage return"},
		{"bad sign", set(193, "X00000000000"), "", "line 1, field 21"},
		{"control byte", set(119, "1000\x01011"), "", "line 1, field 12 (terminal id): byte 0x01"},
	}
	for _, c := range cases {
		_, err := readAll(t, []byte(c.file), c.acquirer)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "6216261000000000018") {
			t.Errorf("%s: error leaks the card number: %v", c.name, err)
		}
		if posguard.ErrorCode(err) != posguard.EINVALID {
			t.Errorf("%s: code %q, want invalid", c.name, posguard.ErrorCode(err))
		}
	}
}

func TestLenientClearingFiles(t *testing.T) {
	data, _ := os.ReadFile("testdata/IND26112301ACOM")
	first := string(data[:300])
	for name, file := range map[string]string{
		"trailing spaces stripped": strings.TrimRight(first, " ") + "\n",
		"no final newline":         first,
		"extension fields":         first + "EXTRA" + strings.Repeat("x", 5000) + "\r\n",
		"blank lines":              "\r\n" + first + "\r\n\n",
		"gbk in field 34":          first[:285] + "\xc6\xe4\xcb\xfb" + first[289:] + "\r\n",
	} {
		lines, err := readAll(t, []byte(file), "48021000")
		if err != nil || len(lines) != 1 || lines[0].Amount != 1234 {
			t.Errorf("%s: %d lines, err %v", name, len(lines), err)
		}
	}
	if lines, err := readAll(t, nil, ""); err != nil || len(lines) != 0 {
		t.Errorf("empty file: %v %v", lines, err)
	}
	if _, err := readAll(t, []byte("\r\n\r\n"+first+"\r\n"), ""); err != nil {
		t.Fatal(err)
	}
	lines, _ := readAll(t, []byte("\r\n\r\n"+first+"\r\n"), "")
	if lines[0].No != 3 {
		t.Errorf("line number %d, want 3 (blank lines count)", lines[0].No)
	}
}

func TestFileNames(t *testing.T) {
	if n := ClearingFileName("2026-11-23"); n != "IND26112301ACOM" {
		t.Errorf("name %s", n)
	}
	for name, want := range map[string]string{"IND26112301ACOM": "2026-11-23", "IND26112301ACOM.gz": "2026-11-23", "x.csv": "", "IND26133101ACOM": ""} {
		if d, _ := DateOfFileName(name); d != want {
			t.Errorf("%s: %q want %q", name, d, want)
		}
	}
}

// FuzzClearingReader: no input panics the reader, every error is EINVALID,
// no error quotes field 5, and every record it accepts writes back to a
// record it reads the same.
func FuzzClearingReader(f *testing.F) {
	data, _ := os.ReadFile("testdata/IND26112301ACOM")
	f.Add(data)
	f.Add(data[:150])
	f.Add([]byte("\r\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		lines, err := readAll(t, in, "")
		if err != nil {
			if posguard.ErrorCode(err) != posguard.EINVALID {
				t.Fatalf("code %q: %v", posguard.ErrorCode(err), err)
			}
			return
		}
		for _, l := range lines {
			out, err := AppendRecord(nil, l, "6216261000000000018")
			if err != nil {
				t.Fatal(err)
			}
			again, err := readAll(t, out, "")
			if err != nil || len(again) != 1 {
				t.Fatalf("rewritten line unreadable: %v", err)
			}
			a, b := *again[0], *l
			a.No, b.No, a.Card, b.Card = 0, 0, "", ""
			if a != b {
				t.Fatalf("round trip:\n%+v\n%+v", a, b)
			}
		}
	})
}
