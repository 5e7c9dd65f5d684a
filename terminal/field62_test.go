package terminal_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/keys"
	"github.com/posguard/posguard/terminal"
)

var testTMK = []byte{
	0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
	0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF, 0x00,
}

func unhex62(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A fixed field 62 for scheme 001 checked against values computed with
// OpenSSL: PIK 0123456789ABCDEF and MAK FEDCBA9876543210 under the TMK
// 1122334455667788 99AABBCCDDEEFF00 (3DES-ECB), each followed by its KCV.
func TestEncodeField62KnownAnswer(t *testing.T) {
	k := posguard.WorkingKeys{PIK: unhex62(t, "0123456789ABCDEF"), MAK: unhex62(t, "FEDCBA9876543210")}
	got, err := terminal.EncodeField62(testTMK, posguard.KeyScheme001, k)
	if err != nil {
		t.Fatal(err)
	}
	want := unhex62(t, field62Vector001)
	if !bytes.Equal(got, want) {
		t.Fatalf("EncodeField62 = %X, want %X", got, want)
	}
}

func TestField62RoundTrip(t *testing.T) {
	for _, tt := range []struct {
		scheme string
		length int
	}{
		{posguard.KeyScheme001, 24},
		{posguard.KeyScheme003, 40},
		{posguard.KeyScheme004, 60},
	} {
		t.Run(tt.scheme, func(t *testing.T) {
			k, _ := keys.GenerateWorkingKeys(tt.scheme)
			f62, err := terminal.EncodeField62(testTMK, tt.scheme, k)
			if err != nil {
				t.Fatal(err)
			}
			if len(f62) != tt.length {
				t.Fatalf("field 62 is %d bytes, want %d", len(f62), tt.length)
			}
			if n, _ := terminal.Field62Len(tt.scheme); n != tt.length {
				t.Fatalf("Field62Len = %d, want %d", n, tt.length)
			}
			if bytes.Contains(f62, k.PIK) || bytes.Contains(f62, k.MAK) {
				t.Fatal("field 62 carries a clear key")
			}
			got, err := terminal.DecodeField62(testTMK, tt.scheme, f62)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.PIK, k.PIK) || !bytes.Equal(got.MAK, k.MAK) || !bytes.Equal(got.TDK, k.TDK) {
				t.Fatal("decoded keys differ from the encoded ones")
			}
		})
	}
}

func TestDecodeField62CheckValueMismatch(t *testing.T) {
	k, _ := keys.GenerateWorkingKeys(posguard.KeyScheme004)
	f62, _ := terminal.EncodeField62(testTMK, posguard.KeyScheme004, k)
	tests := []struct {
		name string
		pos  int // byte to damage
		key  string
	}{
		{"PIK body", 0, "PIK"},
		{"PIK KCV", 17, "PIK"},
		{"MAK body", 20, "MAK"},
		{"MAK KCV", 39, "MAK"},
		{"TDK body", 45, "TDK"},
		{"TDK KCV", 59, "TDK"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := bytes.Clone(f62)
			bad[tt.pos] ^= 0x40
			_, err := terminal.DecodeField62(testTMK, posguard.KeyScheme004, bad)
			var cve *keys.CheckValueError
			if !errors.As(err, &cve) || cve.Key != tt.key || posguard.ErrorCode(err) != posguard.EINVALID {
				t.Fatalf("err = %v, want EINVALID CheckValueError for %s", err, tt.key)
			}
			if !strings.Contains(err.Error(), "field 62") || !strings.Contains(err.Error(), tt.key) {
				t.Fatalf("err %q does not name field 62 and %s", err, tt.key)
			}
		})
	}
	t.Run("wrong TMK", func(t *testing.T) {
		other := bytes.Clone(testTMK)
		other[3] ^= 0x10
		_, err := terminal.DecodeField62(other, posguard.KeyScheme004, f62)
		var cve *keys.CheckValueError
		if !errors.As(err, &cve) || cve.Key != "PIK" {
			t.Fatalf("err = %v, want PIK CheckValueError", err)
		}
	})
}

func TestField62Errors(t *testing.T) {
	k3, _ := keys.GenerateWorkingKeys(posguard.KeyScheme003)
	k1, _ := keys.GenerateWorkingKeys(posguard.KeyScheme001)
	if _, err := terminal.EncodeField62(testTMK, posguard.KeyScheme001, k3); posguard.ErrorCode(err) != posguard.EINVALID {
		t.Errorf("003 keys as 001: err = %v", err)
	}
	if _, err := terminal.EncodeField62(testTMK, posguard.KeyScheme004, k3); posguard.ErrorCode(err) != posguard.EINVALID {
		t.Errorf("004 without TDK: err = %v", err)
	}
	if _, err := terminal.EncodeField62(testTMK[:8], posguard.KeyScheme001, k1); posguard.ErrorCode(err) != posguard.EINVALID {
		t.Errorf("8-byte TMK: err = %v", err)
	}
	if _, err := terminal.EncodeField62(testTMK, "005", k1); posguard.ErrorCode(err) != posguard.EINVALID {
		t.Errorf("scheme 005: err = %v", err)
	}
	f62, _ := terminal.EncodeField62(testTMK, posguard.KeyScheme003, k3)
	_, err := terminal.DecodeField62(testTMK, posguard.KeyScheme001, f62)
	if posguard.ErrorCode(err) != posguard.EINVALID || !strings.Contains(err.Error(), "length 40, want 24") {
		t.Errorf("003 field as 001: err = %v", err)
	}
}

func FuzzDecodeField62(f *testing.F) {
	f.Add("001", unhex62(f, field62Vector001))
	f.Add("003", make([]byte, 40))
	f.Add("004", make([]byte, 60))
	f.Add("004", make([]byte, 59))
	f.Add("9", []byte{})
	f.Fuzz(func(t *testing.T, scheme string, f62 []byte) {
		k, err := terminal.DecodeField62(testTMK, scheme, f62)
		if err != nil {
			return
		}
		again, err := terminal.EncodeField62(testTMK, scheme, k)
		if err != nil {
			t.Fatalf("decoded keys do not encode again: %v", err)
		}
		if !bytes.Equal(again, f62) {
			t.Fatalf("round trip: %X != %X", again, f62)
		}
	})
}

// field62Vector001 is PIK 0123456789ABCDEF and MAK FEDCBA9876543210 under
// testTMK: 3DES-ECB(TMK, PIK) = 034F9AA584C80FB6, KCV(PIK) = D5D44FF7,
// 3DES-ECB(TMK, MAK) = 981BF2412B02777E, KCV(MAK) = A68CDCA9 (OpenSSL).
const field62Vector001 = "034F9AA584C80FB6" + "D5D44FF7" + "981BF2412B02777E" + "A68CDCA9"
