package simnet

import (
	"bytes"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/keys"
)

var testZoneKey = []byte{0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, 0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10}

func TestPINBlockInteroperates(t *testing.T) {
	tests := []struct{ pan, pin string }{
		{"6225880000000018", "123456"},
		{"4000001234567899", "1234"},
		{"6217000000000000075", "123456789012"},
	}
	c, err := zoneCipher(testZoneKey)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		block, err := PINBlock(testZoneKey, tt.pan, tt.pin)
		if err != nil {
			t.Fatal(err)
		}
		// The host's key package reads what simnet writes, and the other
		// way round.
		got, err := keys.DecryptPINBlock(testZoneKey, block, posguard.PAN(tt.pan))
		if err != nil || got != tt.pin {
			t.Fatalf("keys.DecryptPINBlock = %q, %v; want %q", got, err, tt.pin)
		}
		clear, err := keys.EncodePINBlock(tt.pin, posguard.PAN(tt.pan))
		if err != nil {
			t.Fatal(err)
		}
		theirs, err := keys.EncryptPINBlock(testZoneKey, clear)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(theirs, block) {
			t.Fatalf("blocks differ: %X vs %X", theirs, block)
		}
		if !pinMatches(c, block, tt.pan, tt.pin) {
			t.Fatal("own block does not verify")
		}
		if pinMatches(c, block, tt.pan, "999999") || pinMatches(c, block, "6225889999999918", tt.pin) {
			t.Fatal("wrong PIN or PAN verified")
		}
	}
}

func TestPINBlockErrors(t *testing.T) {
	for _, tt := range []struct {
		key      []byte
		pan, pin string
	}{
		{testZoneKey[:5], "6225880000000018", "1234"},
		{testZoneKey, "622588", "1234"},
		{testZoneKey, "6225880000000018", "12"},
		{testZoneKey, "6225880000000018", "12a4"},
	} {
		if _, err := PINBlock(tt.key, tt.pan, tt.pin); posguard.ErrorCode(err) != posguard.EINVALID {
			t.Errorf("PINBlock(%d-byte key, %s, len %d) = %v, want invalid", len(tt.key), posguard.MaskPAN(tt.pan), len(tt.pin), err)
		}
	}
	c, _ := zoneCipher(testZoneKey)
	if pinMatches(c, []byte{1, 2, 3}, "6225880000000018", "1234") {
		t.Fatal("short block verified")
	}
}
