package sqlstore

import (
	"context"

	"github.com/posguard/posguard"
)

// A request that runs at a cache version it did not read
// (posguard.VersionCheck) makes its first write conditional on that
// version: the version is checked by the write's own statement or inside
// its transaction, so that nothing is written when another instance or a
// command moved it on (docs/qr.md, "Caches").

// cacheVersionSQL reads the cache version (migration 0126: one row).
const cacheVersionSQL = `SELECT n FROM cache_version WHERE id = 1`

// staleVersion is the error of a write refused because the cache version
// moved on from v.
func staleVersion(v int64) error {
	return posguard.Errorf(posguard.ESTALE, "cache version %d moved on: nothing written", v)
}

// checkVersion returns ESTALE unless the cache version, read in tx, is
// still c.Version. A nil c checks nothing.
func (s *Store) checkVersion(ctx context.Context, tx *Tx, c *posguard.VersionCheck) error {
	if c == nil {
		return nil
	}
	var n int64
	if err := tx.QueryRow(ctx, cacheVersionSQL).Scan(&n); err != nil {
		return s.DB.Err(err, "cache version")
	}
	if n != c.Version {
		return staleVersion(c.Version)
	}
	return nil
}

// settleCheck records in c what a write conditional on it found: ESTALE
// marks it stale; success confirms it (the version held when the write
// committed). Any other failure leaves it undecided: the request must read
// the version before it answers.
func settleCheck(c *posguard.VersionCheck, err error) {
	switch {
	case c == nil:
	case err == nil:
		c.Confirm()
	case posguard.ErrorCode(err) == posguard.ESTALE:
		c.MarkStale()
	}
}
