package keys_test

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/keys"
)

// TestPANHashKnownAnswer checks PANHash against HMAC-SHA256 under the
// HKDF-derived subkey computed here from the raw key, for many cards from
// several goroutines at once (the HMAC states are reused between calls).
func TestPANHashKnownAnswer(t *testing.T) {
	k, err := keys.ParseHostKey(testHostKeyHex)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := hex.DecodeString(testHostKeyHex)
	sub, err := hkdf.Key(sha256.New, raw, nil, "posguard pan-hash v1", sha256.Size)
	if err != nil {
		t.Fatal(err)
	}
	want := func(pan string) string {
		m := hmac.New(sha256.New, sub)
		m.Write([]byte(pan))
		return hex.EncodeToString(m.Sum(nil))
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 200 {
				pan := fmt.Sprintf("62220%d%013d", g, i)
				if got := k.PANHash(posguard.PAN(pan)); got != want(pan) {
					t.Errorf("PANHash(%s…) = %s, want %s", pan[:6], got, want(pan))
					return
				}
			}
		})
	}
	wg.Wait()
}

// BenchmarkPANHash measures the card hash every sale computes.
func BenchmarkPANHash(b *testing.B) {
	k, err := keys.ParseHostKey(testHostKeyHex)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		k.PANHash("6222021234567890123")
	}
}
