package posguard

import (
	"context"
	"sync/atomic"
)

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

// CacheVersionFrom returns the cache version a request's context carries
// (read, or assumed with a VersionCheck); false when it carries none
// (nothing may then be taken from a cache).
func CacheVersionFrom(ctx context.Context) (int64, bool) {
	switch v := ctx.Value(cacheVersionKey{}).(type) {
	case int64:
		return v, true
	case *VersionCheck:
		return v.Version, true
	}
	return 0, false
}

// VersionCheck is a request that runs at a cache version it did not read:
// the last one its instance knows. Its caches are used at that version,
// and the version must be confirmed before the request's answer or any
// durable or outward act: either by its first write, made conditional on
// the version (the store writes nothing and returns ESTALE when it moved),
// or by reading the version. A request whose version moved is run again
// from the start at the version read (docs/qr.md, "Caches").
type VersionCheck struct {
	// Version is the cache version the request assumes.
	Version int64
	state   atomic.Int32
}

// The states of a VersionCheck.
const (
	versionUnchecked int32 = iota
	versionConfirmed
	versionStale
)

// Confirm records that the version was still current at a moment after the
// request started (a conditional write found it so).
func (c *VersionCheck) Confirm() { c.state.Store(versionConfirmed) }

// MarkStale records that the version had moved on: the request must write
// nothing more and be run again.
func (c *VersionCheck) MarkStale() { c.state.Store(versionStale) }

// Confirmed reports whether Confirm was called (and MarkStale not since).
func (c *VersionCheck) Confirmed() bool { return c.state.Load() == versionConfirmed }

// Stale reports whether MarkStale was called (and Confirm not since).
func (c *VersionCheck) Stale() bool { return c.state.Load() == versionStale }

// WithVersionCheck returns ctx carrying c: the request runs at c.Version
// (CacheVersionFrom returns it) until c is confirmed.
func WithVersionCheck(ctx context.Context, c *VersionCheck) context.Context {
	return context.WithValue(ctx, cacheVersionKey{}, c)
}

// Pending reports whether c is neither confirmed nor found stale: a write
// must then be conditional on c.Version.
func (c *VersionCheck) Pending() bool { return c.state.Load() == versionUnchecked }

// VersionCheckFrom returns the VersionCheck ctx carries; nil when it
// carries none (its version, if any, was read after the request started).
func VersionCheckFrom(ctx context.Context) *VersionCheck {
	c, _ := ctx.Value(cacheVersionKey{}).(*VersionCheck)
	return c
}
