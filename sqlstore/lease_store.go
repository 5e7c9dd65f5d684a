package sqlstore

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/posguard/posguard"
)

// The cluster side: leases of singleton jobs, block counters and claims of
// the reversal queue, the same SQL on SQLite (one instance) and PostgreSQL
// (several).

var (
	_ posguard.LeaseStore      = (*Store)(nil)
	_ posguard.ReversalClaimer = (*Store)(nil)
)

// leaseTable is leases, keyed by name.
var leaseTable = newTable("leases", "", `name, holder, expires_at, acquired_at`, func(l *posguard.Lease) []any {
	return []any{&l.Name, &l.Holder, &l.ExpiresAt, &l.AcquiredAt}
})

// AcquireLease implements posguard.LeaseStore.
func (s *Store) AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error) {
	if name == "" || holder == "" || ttl <= 0 {
		return false, posguard.Errorf(posguard.EINVALID, "lease: a name, a holder and a positive time to live are required")
	}
	now = now.UTC()
	var got string
	err := found(s.DB, s.DB.WriteRow(ctx, leaseTable.insert+` ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at,
			acquired_at = CASE WHEN leases.holder = excluded.holder THEN leases.acquired_at ELSE excluded.acquired_at END
		WHERE leases.holder = excluded.holder OR leases.expires_at < ?
		RETURNING holder`, name, holder, s.T(now.Add(ttl)), s.T(now), s.T(now)).Scan(&got), "acquire lease", none)
	return err == nil && got == holder, err
}

// ReleaseLease implements posguard.LeaseStore.
func (s *Store) ReleaseLease(ctx context.Context, name, holder string, now time.Time) error {
	_, err := s.DB.Exec(ctx, "release lease", `UPDATE leases SET expires_at = ? WHERE name = ? AND holder = ?`,
		s.T(now.UTC().Add(-time.Nanosecond)), name, holder)
	return err
}

// Leases implements posguard.LeaseStore.
func (s *Store) Leases(ctx context.Context) ([]posguard.Lease, error) {
	return queryAll(ctx, s.DB, "leases", leaseTable.val, `SELECT `+leaseTable.cols+` FROM leases ORDER BY name`)
}

// NextBlock implements posguard.LeaseStore.
func (s *Store) NextBlock(ctx context.Context, name string, size, floor int64) (int64, error) {
	if size <= 0 {
		return 0, posguard.Errorf(posguard.EINVALID, "counter %s: block size %d", name, size)
	}
	return queryOne(ctx, s.DB.Primary(), "counter block", nil, one[int64], `INSERT INTO counters (name, value) VALUES (?, ?)
		ON CONFLICT (name) DO UPDATE SET value = `+s.DB.D.Greatest+`(counters.value, ?) + ?
		RETURNING value`, name, floor+size, floor, size)
}

// ClaimDueReversals implements posguard.ReversalClaimer.
func (s *Store) ClaimDueReversals(ctx context.Context, holder string, now time.Time, lease time.Duration, limit int) ([]*posguard.Reversal, error) {
	now = now.UTC()
	var out []*posguard.Reversal
	err := s.DB.InTx(ctx, "claim reversals", func(tx *Tx) (err error) {
		out, err = queryAll(ctx, tx, "claim reversals", revTable.scan, `UPDATE reversals SET next_attempt = ?, claimed_by = ?
			WHERE id IN (SELECT id FROM reversals WHERE state = 'pending' AND next_attempt <= ?
				ORDER BY id LIMIT ?`+s.DB.D.SkipLocked+`)
			RETURNING `+reversalColumns, s.T(now.Add(lease)), holder, s.T(now), pageLimit(limit, 50, 1000))
		return err
	})
	if err != nil {
		return nil, err
	}
	// RETURNING gives no order: oldest first, as DueReversals.
	slices.SortFunc(out, func(a, b *posguard.Reversal) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// UnclaimReversal implements posguard.ReversalClaimer.
func (s *Store) UnclaimReversal(ctx context.Context, id int64, next time.Time) error {
	n, err := s.DB.Exec(ctx, "unclaim reversal", `UPDATE reversals SET next_attempt = ?, claimed_by = ''
		WHERE id = ? AND state = 'pending'`, s.T(next.UTC()), id)
	return changed(n, err, func() error { return reversalNotFound(id) })
}
