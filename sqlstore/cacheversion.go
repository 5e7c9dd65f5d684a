package sqlstore

import (
	"context"

	"github.com/posguard/posguard"
)

// The cache version (posguard.CacheVersions): migration 0126 keeps it in one
// row that triggers on tokens, users, merchants and merchant_wallets move on.

var _ posguard.CacheVersions = (*Store)(nil)

// CacheVersion implements posguard.CacheVersions.
func (s *Store) CacheVersion(ctx context.Context) (int64, error) {
	var n int64
	if err := s.DB.QueryRow(ctx, `SELECT n FROM cache_version WHERE id = 1`).Scan(&n); err != nil {
		return 0, s.DB.Err(err, "cache version")
	}
	return n, nil
}
