package posguard

import "context"

// CacheVersions is what lets an instance keep tokens, users, merchants and
// merchant wallets in memory without serving a stale one: a counter that
// every change to those rows moves on, in the change's own transaction
// (whichever instance or command made it).
type CacheVersions interface {
	// CacheVersion returns the counter's value now. EUNAVAILABLE or
	// EINTERNAL when the store fails.
	CacheVersion(ctx context.Context) (int64, error)
}

type cacheVersionKey struct{}

// WithCacheVersion returns ctx carrying v, the cache version read at the
// start of a request: what was read from the store at or after v may be
// used for the rest of it (the API's authentication sets it).
func WithCacheVersion(ctx context.Context, v int64) context.Context {
	return context.WithValue(ctx, cacheVersionKey{}, v)
}

// CacheVersionFrom returns the cache version a request's context carries;
// false when it carries none (nothing may then be taken from a cache).
func CacheVersionFrom(ctx context.Context) (int64, bool) {
	v, ok := ctx.Value(cacheVersionKey{}).(int64)
	return v, ok
}
