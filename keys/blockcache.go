package keys

import (
	"crypto/cipher"
	"sync"
)

// Block cache. Building a DES or 3DES cipher runs the key schedule, which
// on the sale path (a MAC check, a PIN translation and a response MAC per
// request, each under a terminal's working key) cost more than the
// encryption itself. The ciphers of recently used keys are kept: a
// crypto/des cipher is read-only once built, so it is safe for concurrent
// use. The cache holds at most blockCacheMax ciphers and is emptied when
// full (working keys change at every sign-on, so old ones must not pile up).
const blockCacheMax = 8192

var blockCache struct {
	mu sync.RWMutex
	m  map[string]cipher.Block
}

// cachedBlock returns the cipher for key, building it with build on a miss.
func cachedBlock(key []byte, build func([]byte) (cipher.Block, error)) (cipher.Block, error) {
	blockCache.mu.RLock()
	b, ok := blockCache.m[string(key)]
	blockCache.mu.RUnlock()
	if ok {
		return b, nil
	}
	b, err := build(key)
	if err != nil {
		return nil, err
	}
	blockCache.mu.Lock()
	if blockCache.m == nil || len(blockCache.m) >= blockCacheMax {
		blockCache.m = make(map[string]cipher.Block, 64)
	}
	blockCache.m[string(key)] = b
	blockCache.mu.Unlock()
	return b, nil
}
