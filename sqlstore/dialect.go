package sqlstore

import (
	"context"
	"errors"
	"time"

	"github.com/posguard/posguard"
)

// Dialect is what differs between the databases the core runs on. The SQL
// of every store is written once, with ? placeholders and the syntax both
// databases share (INSERT … ON CONFLICT … DO UPDATE, RETURNING, CAST,
// coalesce); a Dialect supplies the rest.
type Dialect struct {
	// Name prefixes error messages ("sqlite", "postgres").
	Name string
	// Dollar numbers placeholders $1, $2… (PostgreSQL) instead of ?.
	Dollar bool
	// ForUpdate is appended to a read inside a write transaction whose rows
	// the transaction will change (" FOR UPDATE" on PostgreSQL; SQLite has
	// one writer and needs nothing).
	ForUpdate string
	// SkipLocked is appended to the subquery that picks queue rows to
	// claim, so that concurrent claimers skip each other's rows
	// (" FOR UPDATE SKIP LOCKED" on PostgreSQL; SQLite has one writer).
	SkipLocked string
	// Greatest is the name of the two-argument maximum function
	// ("greatest" on PostgreSQL, "max" on SQLite).
	Greatest string
	// Unindexed is put before a column in a condition that the database
	// should not answer from an index on that column (SQLite: "+", which
	// keeps a whole-day settlement reading the postings in seq order
	// instead of one merchant at a time; PostgreSQL plans well unaided: "").
	Unindexed string
	// Arrays says the database takes array parameters (PostgreSQL: a Go
	// []int64 or []string as bigint[] or text[]), so a batch of rows is
	// written with one statement over unnest(…) whatever its size, and a
	// set of keys looked up with = ANY(?).
	Arrays bool
	// WithWrites says the database writes a row and its event in one
	// statement (PostgreSQL's data-modifying WITH): the journal's Insert and
	// usual Update are then one statement each, which the group committer
	// pipelines.
	WithWrites bool
	// TimeArg encodes a time for a query argument; the zero time must
	// encode to what TimeCol reads back as the zero time.
	TimeArg func(time.Time) any
	// Classify names the posguard error code of a driver error ("" when it
	// does not know it; MapError then says EINTERNAL).
	Classify func(error) string
}

// NanosTime is the time encoding of a database without a time type
// (SQLite): Unix nanoseconds in an INTEGER column, 0 for the zero time.
func NanosTime(t time.Time) any {
	if t.IsZero() {
		return int64(0)
	}
	return t.UnixNano()
}

// NativeTime is the time encoding of a database with a time type
// (PostgreSQL's timestamptz): the time in UTC, NULL for the zero time.
func NativeTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

// TimeUnset is the condition that time column col holds the zero time
// (0 or NULL, as the dialect encodes it).
func (d *Dialect) TimeUnset(col string) string {
	if d.TimeArg(time.Time{}) == nil {
		return col + " IS NULL"
	}
	return col + " = 0"
}

// MapError maps a driver error to a posguard error with the message
// "prefix: op": posguard errors pass unchanged, an exceeded deadline is
// ETIMEOUT, and otherwise classify (the driver's own codes) names the code,
// EINTERNAL when it returns "". nil stays nil.
func MapError(err error, prefix, op string, classify func(error) string) error {
	if err == nil {
		return nil
	}
	var pe *posguard.Error
	if errors.As(err, &pe) {
		return err
	}
	code := posguard.EINTERNAL
	if errors.Is(err, context.DeadlineExceeded) {
		code = posguard.ETIMEOUT
	} else if c := classify(err); c != "" {
		code = c
	}
	return posguard.WrapError(code, err, "%s: %s", prefix, op)
}
