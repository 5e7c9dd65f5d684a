package keys

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// TestBlockCacheMatchesFreshCipher checks that a cached cipher encrypts
// exactly as a freshly built one, for every key length, that a caller
// changing its key slice afterwards does not change the cached entry, and
// that the cache stays bounded.
func TestBlockCacheMatchesFreshCipher(t *testing.T) {
	plain := []byte("01234567")
	for _, n := range []int{8, 16, 24} {
		key := bytes.Repeat([]byte{0x1F, 0x2E, 0x3D, 0x4C}, n/4)
		fresh, err := buildBlock(key)
		if err != nil {
			t.Fatal(err)
		}
		want := make([]byte, 8)
		fresh.Encrypt(want, plain)
		for range 2 { // a miss, then a hit
			b, err := newBlock(key)
			if err != nil {
				t.Fatal(err)
			}
			got := make([]byte, 8)
			b.Encrypt(got, plain)
			if !bytes.Equal(got, want) {
				t.Fatalf("%d-byte key: cached cipher gives %x, want %x", n, got, want)
			}
		}
		other := bytes.Clone(key)
		other[0] ^= 0xFF
		key[0] ^= 0xFF // the caller reuses its buffer for another key
		b, err := newBlock(key)
		if err != nil {
			t.Fatal(err)
		}
		otherFresh, _ := buildBlock(other)
		got, want2 := make([]byte, 8), make([]byte, 8)
		b.Encrypt(got, plain)
		otherFresh.Encrypt(want2, plain)
		if !bytes.Equal(got, want2) || bytes.Equal(got, want) {
			t.Fatalf("%d-byte key: a changed key got the old cipher", n)
		}
	}
	if _, err := newBlock(make([]byte, 7)); err == nil {
		t.Fatal("a 7-byte key was accepted")
	}
	key := make([]byte, 8)
	for i := range blockCacheMax + 10 {
		binary.BigEndian.PutUint64(key, uint64(i))
		if _, err := newBlock(key); err != nil {
			t.Fatal(err)
		}
	}
	blockCache.mu.RLock()
	n := len(blockCache.m)
	blockCache.mu.RUnlock()
	if n > blockCacheMax {
		t.Fatalf("cache holds %d ciphers, max %d", n, blockCacheMax)
	}
}
