// Package onboardingsql implements posguard.ApplicationStore (applications,
// documents, merchant identities, the blacklist, merchants' history and
// terminal bindings) and posguard.RiskStore (risk rule versions and hits)
// over database/sql, once for both databases: sqlite/ and postgres/ hand it
// their connections and a Dialect. The schema is each store's migration
// 0035_onboarding.sql.
package onboardingsql

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"github.com/posguard/posguard"
)

// Dialect is what differs between the databases.
type Dialect struct {
	// Dollar numbers placeholders $1, $2… (PostgreSQL) instead of ?.
	Dollar bool
	// MapError maps a driver error to a posguard error; op names the operation.
	MapError func(err error, op string) error
}

// Store is the ApplicationStore and the RiskStore. Writes go to write,
// reads to read (they may be the same pool).
type Store struct {
	// Now is the clock for times the store sets; time.Now when nil.
	Now func() time.Time

	write, read *sql.DB
	d           Dialect
}

var (
	_ posguard.ApplicationStore = (*Store)(nil)
	_ posguard.RiskStore        = (*Store)(nil)
)

// New returns a Store over the given connections.
func New(write, read *sql.DB, d Dialect) *Store {
	if d.MapError == nil {
		d.MapError = func(err error, op string) error {
			return posguard.WrapError(posguard.EINTERNAL, err, "onboarding store: %s", op)
		}
	}
	return &Store{write: write, read: read, d: d}
}

// q rewrites ? placeholders for the dialect.
func (s *Store) q(query string) string {
	if !s.d.Dollar {
		return query
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

// err maps a driver error; posguard errors pass unchanged.
func (s *Store) err(err error, op string) error {
	if err == nil {
		return nil
	}
	if _, ok := err.(*posguard.Error); ok {
		return err
	}
	if err == sql.ErrNoRows {
		return posguard.Errorf(posguard.ENOTFOUND, "%s: not found", op)
	}
	return s.d.MapError(err, op)
}

// now returns the clock's time in UTC.
func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// inTx runs f in a write transaction, committing when it returns nil.
func (s *Store) inTx(ctx context.Context, op string, f func(tx *sql.Tx) error) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return s.err(err, op)
	}
	defer tx.Rollback()
	if err := f(tx); err != nil {
		return s.err(err, op)
	}
	return s.err(tx.Commit(), op+" commit")
}

// nanos and fromNanos convert stored times (0 is the zero time).
func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// limit bounds a page size to [1, 1000], 100 when unset.
func limit(n int) int {
	if n <= 0 {
		return 100
	}
	return min(n, 1000)
}
