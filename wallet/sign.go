package wallet

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"strings"
	"sync"
)

// SignatureHeader is the header that carries a body's signature.
const SignatureHeader = "X-Signature"

// Sign returns the lower-case hex HMAC-SHA256 of body keyed with key (spec
// §2.2): the signature of the exact bytes, not of a normalised form.
func Sign(key, body []byte) string {
	var sum [sha256.Size]byte
	mac(key, body, &sum)
	return hex.EncodeToString(sum[:])
}

// Verify reports whether sig (hex, any case) is body's signature under key,
// comparing in constant time.
func Verify(key, body []byte, sig string) bool {
	sig = strings.TrimSpace(sig)
	var got, want [sha256.Size]byte
	if len(sig) != 2*sha256.Size {
		return false
	}
	if _, err := hex.Decode(got[:], []byte(sig)); err != nil {
		return false
	}
	mac(key, body, &want)
	return hmac.Equal(got[:], want[:])
}

// mac writes body's HMAC-SHA256 under key into sum, with a keyed hasher
// taken from the key's pool: keying an HMAC hashes its two pads, which
// would otherwise be done again for every message of the same key.
func mac(key, body []byte, sum *[sha256.Size]byte) {
	p := hasherPool(key)
	if p == nil {
		m := hmac.New(sha256.New, key)
		m.Write(body)
		m.Sum(sum[:0])
		return
	}
	m := p.Get().(hash.Hash)
	m.Reset()
	m.Write(body)
	m.Sum(sum[:0])
	p.Put(m)
}

// maxPooledKeys bounds the keys whose hashers are kept (a host has a few
// channels and one notify key per merchant); other keys are keyed anew.
const maxPooledKeys = 4096

var hashers struct {
	sync.RWMutex
	pools map[string]*sync.Pool
}

// hasherPool returns the pool of HMAC-SHA256 hashers keyed with key, or nil
// when maxPooledKeys keys have pools already.
func hasherPool(key []byte) *sync.Pool {
	hashers.RLock()
	p := hashers.pools[string(key)]
	hashers.RUnlock()
	if p != nil {
		return p
	}
	hashers.Lock()
	defer hashers.Unlock()
	if p = hashers.pools[string(key)]; p != nil {
		return p
	}
	if len(hashers.pools) >= maxPooledKeys {
		return nil
	}
	if hashers.pools == nil {
		hashers.pools = map[string]*sync.Pool{}
	}
	k := string(key) // a copy: the caller's slice may change later
	p = &sync.Pool{New: func() any { return hmac.New(sha256.New, []byte(k)) }}
	hashers.pools[k] = p
	return p
}
