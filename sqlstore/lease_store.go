package sqlstore

import (
	"context"
	"errors"
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

// AcquireLease implements posguard.LeaseStore.
func (s *Store) AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error) {
	if name == "" || holder == "" || ttl <= 0 {
		return false, posguard.Errorf(posguard.EINVALID, "lease: a name, a holder and a positive time to live are required")
	}
	now = now.UTC()
	var got string
	err := s.DB.WriteRow(ctx, `INSERT INTO leases (name, holder, expires_at, acquired_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at,
			acquired_at = CASE WHEN leases.holder = excluded.holder THEN leases.acquired_at ELSE excluded.acquired_at END
		WHERE leases.holder = excluded.holder OR leases.expires_at < ?
		RETURNING holder`, name, holder, s.T(now.Add(ttl)), s.T(now), s.T(now)).Scan(&got)
	if errors.Is(err, ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, s.DB.Err(err, "acquire lease")
	}
	return got == holder, nil
}

// ReleaseLease implements posguard.LeaseStore.
func (s *Store) ReleaseLease(ctx context.Context, name, holder string, now time.Time) error {
	_, err := s.DB.Exec(ctx, "release lease", `UPDATE leases SET expires_at = ? WHERE name = ? AND holder = ?`,
		s.T(now.UTC().Add(-time.Nanosecond)), name, holder)
	return err
}

// Leases implements posguard.LeaseStore.
func (s *Store) Leases(ctx context.Context) ([]posguard.Lease, error) {
	rows, err := s.DB.Query(ctx, "leases", `SELECT name, holder, expires_at, acquired_at FROM leases ORDER BY name`)
	if err != nil {
		return nil, err
	}
	return Collect(s.DB, rows, "leases", func(r Row) (posguard.Lease, error) {
		var l posguard.Lease
		err := r.Scan(&l.Name, &l.Holder, TimeCol(&l.ExpiresAt), TimeCol(&l.AcquiredAt))
		return l, err
	})
}

// NextBlock implements posguard.LeaseStore.
func (s *Store) NextBlock(ctx context.Context, name string, size, floor int64) (int64, error) {
	if size <= 0 {
		return 0, posguard.Errorf(posguard.EINVALID, "counter %s: block size %d", name, size)
	}
	var last int64
	err := s.DB.WriteRow(ctx, `INSERT INTO counters (name, value) VALUES (?, ?)
		ON CONFLICT (name) DO UPDATE SET value = `+s.DB.D.Greatest+`(counters.value, ?) + ?
		RETURNING value`, name, floor+size, floor, size).Scan(&last)
	if err != nil {
		return 0, s.DB.Err(err, "counter block")
	}
	return last, nil
}

// ClaimDueReversals implements posguard.ReversalClaimer.
func (s *Store) ClaimDueReversals(ctx context.Context, holder string, now time.Time, lease time.Duration, limit int) ([]*posguard.Reversal, error) {
	now = now.UTC()
	var out []*posguard.Reversal
	err := s.DB.InTx(ctx, "claim reversals", func(tx *Tx) error {
		rows, err := tx.Query(ctx, "claim reversals", `UPDATE reversals SET next_attempt = ?, claimed_by = ?
			WHERE id IN (SELECT id FROM reversals WHERE state = 'pending' AND next_attempt <= ?
				ORDER BY id LIMIT ?`+s.DB.D.SkipLocked+`)
			RETURNING `+ReversalColumns, s.T(now.Add(lease)), holder, s.T(now), ClampLimit(limit))
		if err != nil {
			return err
		}
		out, err = Collect(s.DB, rows, "claim reversals", ScanReversal)
		return err
	})
	if err != nil {
		return nil, err
	}
	// RETURNING gives no order: oldest first, as DueReversals.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].ID < out[j-1].ID; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out, nil
}

// UnclaimReversal implements posguard.ReversalClaimer.
func (s *Store) UnclaimReversal(ctx context.Context, id int64, next time.Time) error {
	n, err := s.DB.Exec(ctx, "unclaim reversal", `UPDATE reversals SET next_attempt = ?, claimed_by = ''
		WHERE id = ? AND state = 'pending'`, s.T(next.UTC()), id)
	if err != nil {
		return err
	}
	if n == 0 {
		return ReversalNotFound(id)
	}
	return nil
}
