package sqlstore

import (
	"time"

	"github.com/posguard/posguard"
)

// Store is the one SQL implementation of posguard's stores. sqlite.Store and
// postgres.Store embed it, so each of its methods is theirs too; they
// replace only the methods on their hot path (the journal's writes through
// group commit, SQLite's prepared reads).
type Store struct {
	// Now is the store's clock, used for CreatedAt, UpdatedAt, StatusSince
	// and default event times. It defaults to time.Now; tests may replace it
	// before first use.
	Now func() time.Time

	// DB is the database handle every method goes through.
	DB *DB
	// Sealer seals terminal keys and secret settings at rest.
	Sealer posguard.Sealer
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
