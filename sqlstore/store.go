package sqlstore

import (
	"context"
	"time"

	"github.com/posguard/posguard"
)

// Store is the one SQL implementation of posguard's stores. sqlite.Store and
// postgres.Store embed it, so each of its methods is theirs too; they add
// opening, migrations and their group committer (Group), which the
// journal's writes run through.
type Store struct {
	// Now is the store's clock, used for CreatedAt, UpdatedAt, StatusSince
	// and default event times. It defaults to time.Now; tests may replace it
	// before first use.
	Now func() time.Time

	// DB is the database handle every method goes through.
	DB *DB
	// Sealer seals terminal keys and secret settings at rest.
	Sealer posguard.Sealer
	// Group is the database's group committer of the journal's writes
	// (nil until the store has one).
	Group GroupCommit
}

// GroupCommit is what the core controls of a database's group committer
// (internal/groupcommit).
type GroupCommit interface {
	SetOn(on bool)
	SetWindow(d time.Duration)
}

// SetGroupCommit turns group commit on (the default) or off. Off, every
// write runs in its own transaction with its own commit; the semantics are
// the same either way. Safe to call at any time.
func (s *Store) SetGroupCommit(on bool) {
	if s.Group != nil {
		s.Group.SetOn(on)
	}
}

// SetCommitWindow sets how long a group-commit batch stays open for more
// writes after its first one. 0, the default, commits as soon as no other
// write is waiting (batches still grow with the load); a window trades
// latency for fewer commits when writers are few. Safe to call at any time.
func (s *Store) SetCommitWindow(d time.Duration) {
	if s.Group != nil {
		s.Group.SetWindow(d)
	}
}

// New returns the store over db; sealer must not be nil.
func New(db *DB, sealer posguard.Sealer) *Store {
	return &Store{Now: time.Now, DB: db, Sealer: sealer}
}

// NowUTC returns the store clock's time in UTC without a monotonic reading,
// truncated to the microsecond so that every database keeps the same
// precision.
func (s *Store) NowUTC() time.Time {
	return s.Now().UTC().Truncate(time.Microsecond)
}

// T encodes t for a query argument in the database's time encoding.
func (s *Store) T(t time.Time) any { return s.DB.D.TimeArg(t) }

// NullT encodes t like T, but the zero time as NULL: for COALESCE(?, col),
// which keeps the column when the time is unset.
func (s *Store) NullT(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return s.DB.D.TimeArg(t)
}

// The cache version (posguard.CacheVersions): migration 0126 keeps it in one
// row that triggers on tokens, users, merchants and merchant_wallets move on.

var _ posguard.CacheVersions = (*Store)(nil)

// CacheVersion implements posguard.CacheVersions.
func (s *Store) CacheVersion(ctx context.Context) (int64, error) {
	return queryOne(ctx, s.DB, "cache version", nil, one[int64], `SELECT n FROM cache_version WHERE id = 1`)
}
