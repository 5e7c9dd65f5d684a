package iso8583

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// testSpec covers every kind, encoding and prefix combination.
var testSpec = func() *Spec {
	s := &Spec{Name: "test", MTIEnc: BCD}
	s.Fields[2] = &Field{Name: "pan", Kind: N, Max: 19, Prefix: 2, PrefixEnc: BCD, Enc: BCD}
	s.Fields[3] = &Field{Name: "proc", Kind: N, Max: 6, Enc: BCD}
	s.Fields[4] = &Field{Name: "amount ascii", Kind: N, Max: 12, Enc: ASCII}
	s.Fields[22] = &Field{Name: "entry mode", Kind: N, Max: 3, Enc: BCD}
	s.Fields[23] = &Field{Name: "card seq", Kind: N, Max: 3, Enc: BCD, RightAlign: true}
	s.Fields[32] = &Field{Name: "acq right", Kind: N, Max: 11, Prefix: 2, PrefixEnc: BCD, Enc: BCD, RightAlign: true}
	s.Fields[33] = &Field{Name: "fwd binary ll", Kind: N, Max: 11, Prefix: 2, PrefixEnc: Binary, Enc: BCD}
	s.Fields[35] = &Field{Name: "track 2", Kind: Z, Max: 37, Prefix: 2, PrefixEnc: BCD, Enc: BCD}
	s.Fields[36] = &Field{Name: "track 3", Kind: Z, Max: 104, Prefix: 3, PrefixEnc: BCD, Enc: BCD}
	s.Fields[37] = &Field{Name: "rrn", Kind: AN, Max: 12}
	s.Fields[41] = &Field{Name: "tid", Kind: AN, Max: 8}
	s.Fields[44] = &Field{Name: "addl ascii ll", Kind: AN, Max: 25, Prefix: 2, PrefixEnc: ASCII}
	s.Fields[45] = &Field{Name: "track 1 ascii", Kind: Z, Max: 76, Prefix: 2, PrefixEnc: ASCII, Enc: ASCII}
	s.Fields[48] = &Field{Name: "n lll bcd", Kind: N, Max: 322, Prefix: 3, PrefixEnc: BCD, Enc: BCD}
	s.Fields[49] = &Field{Name: "n lll ascii", Kind: N, Max: 999, Prefix: 3, PrefixEnc: ASCII, Enc: ASCII}
	s.Fields[52] = &Field{Name: "pin", Kind: B, Max: 8}
	s.Fields[55] = &Field{Name: "icc", Kind: B, Max: 255, Prefix: 3, PrefixEnc: BCD}
	s.Fields[62] = &Field{Name: "b lll binary", Kind: B, Max: 512, Prefix: 3, PrefixEnc: Binary}
	s.Fields[63] = &Field{Name: "an ll binary", Kind: AN, Max: 163, Prefix: 2, PrefixEnc: Binary}
	s.Fields[64] = &Field{Name: "mac", Kind: B, Max: 8}
	s.Fields[70] = &Field{Name: "net code", Kind: N, Max: 3, Enc: BCD}
	s.Fields[102] = &Field{Name: "account", Kind: AN, Max: 28, Prefix: 2, PrefixEnc: ASCII}
	s.Fields[128] = &Field{Name: "mac 2", Kind: B, Max: 8}
	return s
}()

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

func TestSpecValidate(t *testing.T) {
	if err := testSpec.Validate(); err != nil {
		t.Fatalf("testSpec: %v", err)
	}
	bad := []*Field{
		{Kind: N, Max: 0},
		{Kind: N, Max: 5, Prefix: 1},
		{Kind: N, Max: 100, Prefix: 2, PrefixEnc: BCD},
		{Kind: B, Max: 300, Prefix: 2, PrefixEnc: Binary},
		{Kind: N, Max: 5, Enc: Binary},
	}
	for i, f := range bad {
		s := &Spec{MTIEnc: BCD}
		s.Fields[10] = f
		var fe *FieldError
		if err := s.Validate(); !errors.As(err, &fe) || fe.Field != 10 {
			t.Errorf("case %d: Validate = %v, want a field 10 error", i, err)
		}
	}
}

// TestFieldEncodings packs one field at a time and checks its exact bytes
// (after MTI and bitmap), then unpacks them back.
func TestFieldEncodings(t *testing.T) {
	tests := []struct {
		name  string
		field int
		in    string // value given to Set
		wire  string // hex of prefix + value
		out   string // Get after unpack
	}{
		{"N LL BCD even", 2, "6225880000000018", "16 6225880000000018", "6225880000000018"},
		{"N LL BCD odd left-aligned", 2, "622588000000001", "15 6225880000000010", "622588000000001"},
		{"N fixed BCD", 3, "000000", "000000", "000000"},
		{"N fixed BCD zero-padded left", 3, "31", "000031", "000031"},
		{"N fixed ASCII zero-padded left", 4, "100", "303030303030303030313030", "000000000100"},
		{"N3 left-aligned", 22, "021", "0210", "021"},
		{"N3 right-aligned", 23, "001", "0001", "001"},
		{"N LL right-aligned odd", 32, "48021000001", "11 048021000001", "48021000001"},
		{"N LL binary prefix", 33, "123", "03 1230", "123"},
		{"Z LL BCD with separator", 35, "6225880000000018=28121011234", "28 6225880000000018D28121011234", "6225880000000018D28121011234"},
		{"Z lower-case hex and D", 35, "ab12d9", "06 AB12D9", "AB12D9"},
		{"Z LLL BCD", 36, "996225", "0006 996225", "996225"},
		{"AN fixed", 37, "123456789012", "313233343536373839303132", "123456789012"},
		{"AN fixed space-padded right", 41, "T1", "5431202020202020", "T1      "},
		{"AN LL ASCII prefix", 44, "ABC", "3033 414243", "ABC"},
		{"Z LL ASCII value", 45, "12=34", "3035 3132443334", "12D34"},
		{"N LLL BCD", 48, "12345", "0005 123450", "12345"},
		{"N LLL ASCII", 49, "7", "303031 37", "7"},
		{"B fixed", 52, "\x01\x02\x03\x04\x05\x06\x07\x08", "0102030405060708", "\x01\x02\x03\x04\x05\x06\x07\x08"},
		{"B LLL BCD prefix", 55, "\x9f\x26\x00", "0003 9F2600", "\x9f\x26\x00"},
		{"B LLL binary prefix", 62, "\xff\x00", "0002 FF00", "\xff\x00"},
		{"AN LL binary prefix", 63, "CUP", "03 435550", "CUP"},
		{"empty variable", 44, "", "3030", ""},
		{"secondary N fixed", 70, "301", "3010", "301"},
		{"secondary AN LL", 102, "AC1", "3033 414331", "AC1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := NewMessage("0200")
			m.Set(tc.field, tc.in)
			packed, err := testSpec.Pack(m)
			if err != nil {
				t.Fatalf("Pack: %v", err)
			}
			head := 2 + 8
			if tc.field > 64 {
				head += 8
			}
			want := mustHex(t, tc.wire)
			if got := packed[head:]; !bytes.Equal(got, want) {
				t.Fatalf("wire = % X, want % X", got, want)
			}
			u, err := testSpec.Unpack(packed)
			if err != nil {
				t.Fatalf("Unpack: %v", err)
			}
			if got := u.Get(tc.field); got != tc.out {
				t.Errorf("Get = %q, want %q", got, tc.out)
			}
			if start, end, ok := u.Span(tc.field); !ok || start != head || end != len(packed) {
				t.Errorf("Span = %d, %d, %v; want %d, %d, true", start, end, ok, head, len(packed))
			}
		})
	}
}

func TestPadNibbleF(t *testing.T) {
	// PAN of 15 digits padded with F, track 2 padded with F.
	data := mustHex(t, "0200 4000000020000000 15 622588000000001F 21 6225880000000018D2812F")
	m, err := testSpec.Unpack(data)
	if err != nil {
		t.Fatalf("Unpack: %v", err)
	}
	if got := m.Get(2); got != "622588000000001" {
		t.Errorf("field 2 = %q", got)
	}
	if got := m.Get(35); got != "6225880000000018D2812" {
		t.Errorf("field 35 = %q", got)
	}
}

func TestTrackAnyNibble(t *testing.T) {
	// An encrypted track: nibbles A-F anywhere are accepted for Z.
	data := mustHex(t, "0200 0000000020000000 08 ABCDEF09")
	m, err := testSpec.Unpack(data)
	if err != nil {
		t.Fatalf("Unpack: %v", err)
	}
	if got := m.Get(35); got != "ABCDEF09" {
		t.Errorf("field 35 = %q", got)
	}
}

func TestSecondaryBitmap(t *testing.T) {
	m := NewMessage("0800")
	m.Set(3, "990000")
	m.Set(70, "001")
	m.SetBytes(128, []byte("ABCDEFGH"))
	packed, err := testSpec.Pack(m)
	if err != nil {
		t.Fatalf("Pack: %v", err)
	}
	want := mustHex(t, "0800 A000000000000000 0400000000000001 990000 0010 4142434445464748")
	if !bytes.Equal(packed, want) {
		t.Fatalf("packed = % X\nwant     % X", packed, want)
	}
	u, err := testSpec.Unpack(packed)
	if err != nil {
		t.Fatalf("Unpack: %v", err)
	}
	if got, want := u.Fields(), []int{3, 70, 128}; !equalInts(got, want) {
		t.Errorf("Fields = %v, want %v", got, want)
	}
	if u.Has(1) {
		t.Error("Has(1) = true; bit 1 belongs to the codec")
	}
	// Without secondary fields, bit 1 is cleared and no secondary bitmap sent.
	u.Unset(70)
	u.Unset(128)
	packed, err = testSpec.Pack(u)
	if err != nil {
		t.Fatalf("Pack: %v", err)
	}
	if want := mustHex(t, "0800 2000000000000000 990000"); !bytes.Equal(packed, want) {
		t.Errorf("packed = % X, want % X", packed, want)
	}
}

func TestUnpackErrors(t *testing.T) {
	tests := []struct {
		name   string
		data   string
		field  int
		reason string
		kept   []int // fields decoded before the failure
	}{
		{"empty", "", 0, "runs past end", nil},
		{"bad MTI digit", "02A0", 0, "bad BCD digit 0xA", nil},
		{"short bitmap", "0200 6000", 1, "runs past end", []int{}},
		{"short secondary bitmap", "0200 8000000000000000 0000", 1, "secondary bitmap runs past end", []int{}},
		{"no spec", "0200 4000000000000000", 2, "", nil},
		{"no spec field 5", "0200 0800000000000000", 5, "no spec", []int{}},
		{"over max", "0200 4000000000000000 20 62258800000000180000", 2, "length 20 over max 19", []int{}},
		{"past end", "0200 4000000000000000 16 622588", 2, "value runs past end of message", []int{}},
		{"prefix past end", "0200 4000000000000000", 2, "length prefix runs past end", []int{}},
		{"bad BCD digit", "0200 6000000000000000 02 12 00A000", 3, "bad BCD digit 0xA", []int{2}},
		{"bad pad nibble", "0200 4000000000000000 03 1235", 2, "bad pad nibble 0x5", []int{}},
		{"bad BCD prefix", "0200 4000000000000000 1A 1234", 2, "bad BCD length prefix", []int{}},
		{"bad ASCII prefix", "0200 0000000000100000 3A41", 44, "bad length prefix", []int{}},
		{"bad ASCII digit", "0200 1000000000000000 3030303030303030303130 41", 4, "bad digit 'A'", []int{}},
		{"trailing bytes", "0200 2000000000000000 000000 FFFF", 3, "2 trailing bytes", []int{3}},
		{"track over max", "0200 0000000020000000 41 00", 35, "length 41 over max 37", []int{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := testSpec.Unpack(mustHex(t, tc.data))
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want *FieldError", err)
			}
			if fe.Field != tc.field || !strings.Contains(fe.Error(), tc.reason) {
				t.Errorf("err = %q (field %d), want field %d with %q", fe.Error(), fe.Field, tc.field, tc.reason)
			}
			if tc.kept == nil {
				if tc.field == 0 && m != nil {
					t.Errorf("message = %+v, want nil when the MTI is unreadable", m)
				}
				return
			}
			if m == nil || m.MTI != "0200" {
				t.Fatalf("partial message = %v, want MTI 0200", m)
			}
			if got := m.Fields(); !equalInts(got, tc.kept) {
				t.Errorf("partial fields = %v, want %v", got, tc.kept)
			}
		})
	}
}

func TestFieldErrorText(t *testing.T) {
	tests := []struct {
		err  *FieldError
		want string
	}{
		{&FieldError{Field: 35, Reason: "length 41 over max 37"}, "field 35: length 41 over max 37"},
		{&FieldError{Field: 60, Sub: 2, Reason: "bad digit"}, "field 60.2: bad digit"},
		{&FieldError{Field: 0, Reason: "bad BCD digit 0xA"}, "mti: bad BCD digit 0xA"},
		{&FieldError{Field: 1, Reason: "runs past end of message"}, "bitmap: runs past end of message"},
		{&FieldError{Field: 70, Reason: "no spec", Err: errors.New("x")}, "field 70: no spec: x"},
	}
	for _, tc := range tests {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
}

func TestPackErrors(t *testing.T) {
	tests := []struct {
		name   string
		mti    string
		field  int
		value  string
		errNum int
		reason string
	}{
		{"bad MTI", "02x0", 3, "000000", 0, "MTI must be 4 digits"},
		{"short MTI", "020", 3, "000000", 0, "MTI must be 4 digits"},
		{"no spec", "0200", 5, "1", 5, "no spec"},
		{"over max variable", "0200", 2, "12345678901234567890", 2, "length 20 over max 19"},
		{"over max fixed", "0200", 3, "1234567", 3, "length 7 over max 6"},
		{"letter in N", "0200", 3, "00A000", 3, "bad digit 'A'"},
		{"letter in track", "0200", 35, "1234G", 35, "bad digit 'G'"},
		{"short fixed binary", "0200", 52, "1234", 52, "length 4, want 8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := NewMessage(tc.mti)
			m.Set(tc.field, tc.value)
			_, err := testSpec.Pack(m)
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tc.errNum || !strings.Contains(fe.Reason, tc.reason) {
				t.Errorf("Pack err = %v, want field %d %q", err, tc.errNum, tc.reason)
			}
		})
	}
}

func TestASCIIMTI(t *testing.T) {
	s := &Spec{MTIEnc: ASCII}
	s.Fields[3] = testSpec.Fields[3]
	m := NewMessage("0810")
	m.Set(3, "000000")
	packed, err := s.Pack(m)
	if err != nil {
		t.Fatal(err)
	}
	if want := mustHex(t, "30383130 2000000000000000 000000"); !bytes.Equal(packed, want) {
		t.Fatalf("packed = % X", packed)
	}
	u, err := s.Unpack(packed)
	if err != nil || u.MTI != "0810" || u.Get(3) != "000000" {
		t.Fatalf("Unpack = %+v, %v", u, err)
	}
	if _, err := s.Unpack(mustHex(t, "3038313A")); err == nil {
		t.Error("bad ASCII MTI accepted")
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
