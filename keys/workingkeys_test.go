package keys_test

import (
	"bytes"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/keys"
)

var testTMK = []byte{
	0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
	0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF, 0x00,
}

func TestGenerateWorkingKeys(t *testing.T) {
	tests := []struct {
		scheme  string
		keyLen  int
		withTDK bool
	}{
		{posguard.KeyScheme001, 8, false},
		{posguard.KeyScheme003, 16, false},
		{posguard.KeyScheme004, 16, true},
	}
	for _, tt := range tests {
		t.Run(tt.scheme, func(t *testing.T) {
			k, err := keys.GenerateWorkingKeys(tt.scheme)
			if err != nil {
				t.Fatal(err)
			}
			if len(k.PIK) != tt.keyLen || len(k.MAK) != tt.keyLen {
				t.Fatalf("PIK %d bytes, MAK %d bytes, want %d", len(k.PIK), len(k.MAK), tt.keyLen)
			}
			if (k.TDK != nil) != tt.withTDK || (tt.withTDK && len(k.TDK) != tt.keyLen) {
				t.Fatalf("TDK %d bytes, want present=%v", len(k.TDK), tt.withTDK)
			}
			for _, key := range [][]byte{k.PIK, k.MAK, k.TDK} {
				if !keys.HasOddParity(key) {
					t.Fatalf("key without odd parity: %X", key)
				}
			}
			if bytes.Equal(k.PIK, k.MAK) {
				t.Fatal("PIK equals MAK")
			}
			again, _ := keys.GenerateWorkingKeys(tt.scheme)
			if bytes.Equal(again.PIK, k.PIK) {
				t.Fatal("two generations gave the same PIK")
			}
		})
	}
	if _, err := keys.GenerateWorkingKeys("002"); posguard.ErrorCode(err) != posguard.EINVALID {
		t.Fatalf("scheme 002: err = %v, want EINVALID", err)
	}
}
