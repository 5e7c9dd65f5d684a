package wallet

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"testing"
)

// TestSignWithPooledHashersMatchesHMAC signs many messages under several
// keys from many goroutines (the keyed hashers are pooled and reused) and
// checks each signature against a fresh HMAC-SHA256, and that Verify takes
// it in either case and refuses it under another key or for another body.
func TestSignWithPooledHashersMatchesHMAC(t *testing.T) {
	keys := [][]byte{[]byte("0123456789abcdef"), []byte(strings.Repeat("k", 64)), {}, []byte("another channel key")}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				key := keys[(g+i)%len(keys)]
				body := []byte(fmt.Sprintf(`{"n":%d,"g":%d}`, i, g))
				m := hmac.New(sha256.New, key)
				m.Write(body)
				want := hex.EncodeToString(m.Sum(nil))
				got := Sign(key, body)
				switch {
				case got != want:
					errs <- fmt.Errorf("key %d body %s: %s, want %s", (g+i)%len(keys), body, got, want)
				case !Verify(key, body, got) || !Verify(key, body, " "+strings.ToUpper(got)+"\n"):
					errs <- fmt.Errorf("key %d body %s: own signature refused", (g+i)%len(keys), body)
				case Verify(keys[(g+i+1)%len(keys)], body, got) || Verify(key, append(body, ' '), got):
					errs <- fmt.Errorf("key %d body %s: signature accepted under another key or body", (g+i)%len(keys), body)
				default:
					continue
				}
				return
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, bad := range []string{"", "zz", strings.Repeat("g", 64), strings.Repeat("a", 63), strings.Repeat("a", 66)} {
		if Verify(keys[0], []byte("x"), bad) {
			t.Errorf("Verify accepted %q", bad)
		}
	}
}

// TestSignKeyCopied checks that changing the caller's key slice after a
// signature does not change the key later signatures use.
func TestSignKeyCopied(t *testing.T) {
	key := []byte("a key that the caller reuses")
	before := Sign(key, []byte("body"))
	key[0] = 'A'
	if Sign([]byte("a key that the caller reuses"), []byte("body")) != before {
		t.Fatal("the pooled hasher follows the caller's slice")
	}
	if Sign(key, []byte("body")) == before {
		t.Fatal("a changed key signs as the old one")
	}
}

// BenchmarkSign is one answer-sized signature.
func BenchmarkSign(b *testing.B) {
	key := []byte("5a5b5c5d5e5f60616263646566676869")
	body := []byte(strings.Repeat(`{"return_code":"SUCCESS"}`, 12))
	b.ReportAllocs()
	for b.Loop() {
		Sign(key, body)
	}
}

// BenchmarkSignUnpooled is BenchmarkSign keying a new HMAC for each
// message, as Sign did before its hashers were pooled.
func BenchmarkSignUnpooled(b *testing.B) {
	key := []byte("5a5b5c5d5e5f60616263646566676869")
	body := []byte(strings.Repeat(`{"return_code":"SUCCESS"}`, 12))
	b.ReportAllocs()
	for b.Loop() {
		m := hmac.New(sha256.New, key)
		m.Write(body)
		_ = hex.EncodeToString(m.Sum(nil))
	}
}
