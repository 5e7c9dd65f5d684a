package keys_test

import (
	"bytes"
	"encoding/hex"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/keys"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// Known answers: FIPS 81 / NIST single-DES example, NIST SP 800-67 three-key
// 3DES example, and the widely published double-length check value of
// 0123456789ABCDEF FEDCBA9876543210 (cross-checked with OpenSSL).
func TestECBKnownAnswers(t *testing.T) {
	tests := []struct {
		name, key, plain, cipher string
	}{
		{"des now is t", "0123456789ABCDEF", "4E6F772069732074", "3FA40E8A984D4815"},
		{"des zeros", "0123456789ABCDEF", "0000000000000000", "D5D44FF720683D0D"},
		{"3des double zeros", "0123456789ABCDEFFEDCBA9876543210", "0000000000000000", "08D7B4FB629D0885"},
		{"3des triple sp800-67",
			"0123456789ABCDEF23456789ABCDEF01456789ABCDEF0123",
			"5468652071756663" + "6B2062726F776E20" + "666F78206A756D70",
			"A826FD8CE53B855F" + "CCE21C8112256FE6" + "68D5C05DD9B6B900"},
		{"empty", "0123456789ABCDEF", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key, plain, want := unhex(t, tt.key), unhex(t, tt.plain), unhex(t, tt.cipher)
			got, err := keys.EncryptECB(key, plain)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("EncryptECB = %X, want %X", got, want)
			}
			back, err := keys.DecryptECB(key, got)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(back, plain) {
				t.Fatalf("DecryptECB = %X, want %X", back, plain)
			}
		})
	}
}

// A double-length key K1 K2 must behave as the triple-length key K1 K2 K1.
func TestDoubleLengthIsK1K2K1(t *testing.T) {
	k2 := unhex(t, "0123456789ABCDEFFEDCBA9876543210")
	k3 := append(append([]byte{}, k2...), k2[:8]...)
	data := []byte("posguard 3des K1K2K1 test block!")
	a, err := keys.EncryptECB(k2, data)
	if err != nil {
		t.Fatal(err)
	}
	b, err := keys.EncryptECB(k3, data)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatalf("16-byte key %X != 24-byte K1K2K1 %X", a, b)
	}
}

func TestECBErrors(t *testing.T) {
	tests := []struct {
		name      string
		key, data []byte
	}{
		{"key 7 bytes", make([]byte, 7), make([]byte, 8)},
		{"key 32 bytes", make([]byte, 32), make([]byte, 8)},
		{"no key", nil, make([]byte, 8)},
		{"data 9 bytes", make([]byte, 16), make([]byte, 9)},
		{"data 3 bytes", make([]byte, 8), make([]byte, 3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := keys.EncryptECB(tt.key, tt.data); posguard.ErrorCode(err) != posguard.EINVALID {
				t.Fatalf("EncryptECB err = %v, want EINVALID", err)
			}
			if _, err := keys.DecryptECB(tt.key, tt.data); posguard.ErrorCode(err) != posguard.EINVALID {
				t.Fatalf("DecryptECB err = %v, want EINVALID", err)
			}
		})
	}
}

func TestCheckValue(t *testing.T) {
	tests := []struct {
		key, kcv string
	}{
		{"0123456789ABCDEF", "D5D44FF7"},
		{"0123456789ABCDEFFEDCBA9876543210", "08D7B4FB"},
		{"0123456789ABCDEFFEDCBA98765432100123456789ABCDEF", "08D7B4FB"},
		{"01234567", ""}, // unsupported length: nil
	}
	for _, tt := range tests {
		got := keys.CheckValue(unhex(t, tt.key))
		if hex.EncodeToString(got) != hex.EncodeToString(unhex(t, tt.kcv)) {
			t.Errorf("CheckValue(%s) = %X, want %s", tt.key, got, tt.kcv)
		}
	}
}

func TestSetOddParity(t *testing.T) {
	k := unhex(t, "0022446688AACCEE0123456789ABCDEF")
	keys.SetOddParity(k)
	// 0x00 -> 0x01, 0x22 -> 0x23, 0x44 -> 0x45, 0x66 -> 0x67, 0x88 -> 0x89,
	// 0xAA -> 0xAB, 0xCC -> 0xCD, 0xEE -> 0xEF; the second half is already odd.
	want := unhex(t, "0123456789ABCDEF0123456789ABCDEF")
	if !bytes.Equal(k, want) {
		t.Fatalf("SetOddParity = %X, want %X", k, want)
	}
	if !keys.HasOddParity(k) {
		t.Fatal("HasOddParity false after SetOddParity")
	}
	if keys.HasOddParity([]byte{0x01, 0x03}) {
		t.Fatal("HasOddParity true for 0x03")
	}
}
