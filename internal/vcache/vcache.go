// Package vcache keeps values read from the store, each tagged with the
// cache version (posguard.CacheVersions) read before it: a value is served
// only to a request that read the same version, so a change made anywhere
// (another instance, a command on the same database) is seen by the next
// request that starts after it commits.
package vcache

import (
	"context"
	"sync"

	"github.com/posguard/posguard"
)

// DefaultMax is the number of entries a Cache keeps when Max is zero.
const DefaultMax = 10000

// Cache maps keys to values tagged with a version. The zero Cache is ready
// to use; it is safe for concurrent use.
type Cache[V any] struct {
	// Max bounds the entries kept; a Put into a full cache empties it
	// first (DefaultMax when zero).
	Max int

	mu sync.RWMutex
	m  map[string]entry[V]
}

type entry[V any] struct {
	version int64
	v       V
	err     error
}

// Read returns key's value for a request whose context carries a cache
// version (posguard.WithCacheVersion): the one kept at that version, or
// else what load returns, kept when keep accepts its error (nil keeps only
// values). Without a version in ctx it calls load and keeps nothing. load
// must read the store after the version was read (as a request's handler
// does), so that a kept value is never older than its version.
func (c *Cache[V]) Read(ctx context.Context, key string, load func() (V, error), keep func(error) bool) (V, error) {
	version, ok := posguard.CacheVersionFrom(ctx)
	if !ok {
		return load()
	}
	c.mu.RLock()
	e, hit := c.m[key]
	c.mu.RUnlock()
	if hit && e.version == version {
		return e.v, e.err
	}
	v, err := load()
	if err == nil || (keep != nil && keep(err)) {
		c.put(key, entry[V]{version: version, v: v, err: err})
	}
	return v, err
}

// put keeps e for key.
func (c *Cache[V]) put(key string, e entry[V]) {
	max := c.Max
	if max <= 0 {
		max = DefaultMax
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= max {
		c.m = make(map[string]entry[V])
	}
	c.m[key] = e
	c.mu.Unlock()
}
