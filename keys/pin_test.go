package keys_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/keys"
)

// Format-0 vectors, derived by hand:
//
//	PIN 1234, PAN 4111111111111111: PIN field 041234FFFFFFFFFF, PAN field
//	0000111111111111 (digits 4-15 of the PAN, the check digit dropped), XOR
//	041225EEEEEEEEEE. (The value 041215FEEEEEEEEE sometimes quoted for this
//	pair does not follow from the definition.)
//
//	PIN 1234, PAN 43219876543210987: PAN field 0000987654321098, block
//	0412AC89ABCDEF67 (the common published example).
//
//	PIN 123456789012, PAN 6222021234567890123: PIN field 0C123456789012FF,
//	PAN field 0000123456789012, block 0C1226622EE882ED.
//
//	PIN 0000, PAN 12345678 (short): PAN digits 1234567 left-padded to
//	000001234567, PIN field 040000FFFFFFFFFF, block 040000FFFEDCBA98.
func TestPINBlockVectors(t *testing.T) {
	tests := []struct {
		pin   string
		pan   posguard.PAN
		block string
	}{
		{"1234", "4111111111111111", "041225EEEEEEEEEE"},
		{"1234", "43219876543210987", "0412AC89ABCDEF67"},
		{"123456789012", "6222021234567890123", "0C1226622EE882ED"},
		{"0000", "12345678", "040000FFFEDCBA98"}, // short PAN: left-padded with zeros
	}
	for _, tt := range tests {
		t.Run(tt.block, func(t *testing.T) {
			got, err := keys.EncodePINBlock(tt.pin, tt.pan)
			if err != nil {
				t.Fatal(err)
			}
			want := unhex(t, tt.block)
			if !bytes.Equal(got, want) {
				t.Fatalf("EncodePINBlock = %X, want %X", got, want)
			}
			pin, err := keys.DecodePINBlock(want, tt.pan)
			if err != nil {
				t.Fatal(err)
			}
			if pin != tt.pin {
				t.Fatal("DecodePINBlock returned another PIN")
			}
		})
	}
}

func TestDecodePINBlockRejects(t *testing.T) {
	const pan = posguard.PAN("4111111111111111")
	panField := unhex(t, "0000111111111111")
	xor := func(pinField string) []byte {
		b := unhex(t, pinField)
		for i := range b {
			b[i] ^= panField[i]
		}
		return b
	}
	tests := []struct {
		name   string
		block  []byte
		pan    posguard.PAN
		reason string
	}{
		{"format 1", xor("141234FFFFFFFFFF"), pan, "format-0"},
		{"length 3", xor("03123FFFFFFFFFFF"), pan, "length"},
		{"length 13", xor("0D1234567890123F"), pan, "length"},
		{"non-digit", xor("04123AFFFFFFFFFF"), pan, "non-decimal"},
		{"padding not F", xor("041234FFFFFFFFFE"), pan, "padding"},
		{"7 bytes", make([]byte, 7), pan, "8 bytes"},
		{"wrong PAN", unhex(t, "041225EEEEEEEEEE"), "4111111111111129", "padding"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := keys.DecodePINBlock(tt.block, tt.pan)
			var pbe *keys.PINBlockError
			if !errors.As(err, &pbe) || posguard.ErrorCode(err) != posguard.EINVALID {
				t.Fatalf("err = %v, want EINVALID *PINBlockError", err)
			}
			if !strings.Contains(err.Error(), tt.reason) || !strings.Contains(err.Error(), "field 52") {
				t.Fatalf("err %q does not say %q", err, tt.reason)
			}
			if strings.Contains(err.Error(), "1234") {
				t.Fatalf("err %q leaks PIN digits", err)
			}
		})
	}
}

func TestEncodePINBlockErrors(t *testing.T) {
	tests := []struct {
		name string
		pin  string
		pan  posguard.PAN
	}{
		{"short PIN", "123", "4111111111111111"},
		{"long PIN", "1234567890123", "4111111111111111"},
		{"letter in PIN", "12a4", "4111111111111111"},
		{"short PAN", "1234", "4111111"},
		{"long PAN", "1234", "41111111111111111111"},
		{"letter in PAN", "1234", "41111111111X1111"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := keys.EncodePINBlock(tt.pin, tt.pan)
			if posguard.ErrorCode(err) != posguard.EINVALID {
				t.Fatalf("err = %v, want EINVALID", err)
			}
			if len(tt.pin) >= 4 && strings.Contains(err.Error(), tt.pin) {
				t.Fatalf("err %q leaks the PIN", err)
			}
			if strings.Contains(err.Error(), tt.pan.Reveal()) {
				t.Fatalf("err %q leaks the PAN", err)
			}
		})
	}
}

func TestTranslatePIN(t *testing.T) {
	const pan = posguard.PAN("6222021234567890123")
	pik := unhex(t, "0123456789ABCDEFFEDCBA9876543210")
	zpk := unhex(t, "89ABCDEF0123456776543210FEDCBA98")
	single := unhex(t, "0123456789ABCDEF")
	for _, tt := range []struct {
		name     string
		from, to []byte
	}{
		{"3des to 3des", pik, zpk},
		{"des to 3des", single, zpk},
		{"3des to des", zpk, single},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clearBlock, err := keys.EncodePINBlock("246810", pan)
			if err != nil {
				t.Fatal(err)
			}
			enc, err := keys.EncryptPINBlock(tt.from, clearBlock)
			if err != nil {
				t.Fatal(err)
			}
			out, err := keys.TranslatePIN(tt.from, tt.to, enc, pan)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := keys.EncryptPINBlock(tt.to, clearBlock)
			if !bytes.Equal(out, want) {
				t.Fatalf("TranslatePIN = %X, want %X", out, want)
			}
			pin, err := keys.DecryptPINBlock(tt.to, out, pan)
			if err != nil || pin != "246810" {
				t.Fatalf("DecryptPINBlock after translation: err %v, same PIN %v", err, pin == "246810")
			}
		})
	}
}

func TestTranslatePINRejects(t *testing.T) {
	const pan = posguard.PAN("6222021234567890123")
	pik := unhex(t, "0123456789ABCDEFFEDCBA9876543210")
	zpk := unhex(t, "89ABCDEF0123456776543210FEDCBA98")
	clearBlock, _ := keys.EncodePINBlock("1234", pan)
	enc, _ := keys.EncryptPINBlock(pik, clearBlock)

	tests := []struct {
		name  string
		from  []byte
		block []byte
		pan   posguard.PAN
	}{
		{"wrong PIK", zpk, enc, pan},
		{"other card", pik, enc, "6222021234567890198"},
		{"short block", pik, enc[:7], pan},
		{"bad key", pik[:5], enc, pan},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := keys.TranslatePIN(tt.from, zpk, tt.block, tt.pan)
			if posguard.ErrorCode(err) != posguard.EINVALID || out != nil {
				t.Fatalf("TranslatePIN = %X, %v; want nil, EINVALID", out, err)
			}
		})
	}
}

func FuzzDecodePINBlock(f *testing.F) {
	f.Add([]byte{0x04, 0x12, 0x25, 0xEE, 0xEE, 0xEE, 0xEE, 0xEE}, "4111111111111111")
	f.Add([]byte{0x04, 0x12, 0xAC, 0x89, 0xAB, 0xCD, 0xEF, 0x67}, "43219876543210987")
	f.Add([]byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, "4111111111111111")
	f.Add([]byte{}, "")
	f.Add([]byte{0x0C, 0, 0, 0, 0, 0, 0, 0}, "12345678")
	f.Add([]byte{0x04, 0x12, 0x25}, "x")
	f.Fuzz(func(t *testing.T, block []byte, pan string) {
		pin, err := keys.DecodePINBlock(block, posguard.PAN(pan))
		if err != nil {
			return
		}
		again, err := keys.EncodePINBlock(pin, posguard.PAN(pan))
		if err != nil {
			t.Fatalf("decoded PIN does not encode again: %v", err)
		}
		if !bytes.Equal(again, block) {
			t.Fatalf("round trip: %X != %X", again, block)
		}
	})
}

func BenchmarkTranslatePIN(b *testing.B) {
	const pan = posguard.PAN("6222021234567890123")
	pik := unhex(b, "0123456789ABCDEFFEDCBA9876543210")
	zpk := unhex(b, "89ABCDEF0123456776543210FEDCBA98")
	clearBlock, _ := keys.EncodePINBlock("1234", pan)
	enc, _ := keys.EncryptPINBlock(pik, clearBlock)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := keys.TranslatePIN(pik, zpk, enc, pan); err != nil {
			b.Fatal(err)
		}
	}
}
