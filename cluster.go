package posguard

import (
	"context"
	"time"
)

// Lease is the hold one host instance has on a named singleton job (the
// ledger poster, incident detection, payouts…) until ExpiresAt, renewed
// while it runs. Several instances on one database each try to take it; one
// holds it at a time, and another takes it over once it expires.
type Lease struct {
	Name       string
	Holder     string
	ExpiresAt  time.Time
	AcquiredAt time.Time
}

// LeaseStore keeps leases and block counters in the shared database.
type LeaseStore interface {
	// AcquireLease takes or renews the lease name for holder until
	// now+ttl: it succeeds when nobody holds it, holder holds it already,
	// or the holder's lease expired before now. It reports whether holder
	// holds the lease afterwards.
	AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error)
	// ReleaseLease ends holder's lease name at once (nothing happens when
	// another holds it).
	ReleaseLease(ctx context.Context, name, holder string, now time.Time) error
	// Leases lists every lease, expired ones included, by name.
	Leases(ctx context.Context) ([]Lease, error)
	// NextBlock hands out the next size numbers of the counter name, above
	// floor: it returns last, the block being last-size+1 … last. Two
	// callers never get overlapping blocks.
	NextBlock(ctx context.Context, name string, size, floor int64) (last int64, err error)
}

// ReversalClaimer is a reversal queue several instances share: each takes
// due reversals for a lease before sending them.
type ReversalClaimer interface {
	// ClaimDueReversals takes up to limit pending reversals due at now
	// (oldest first) for holder until now+lease: their NextAttempt
	// becomes now+lease, so no other claimer sees them due before then,
	// and rows another claimer is taking at the same moment are skipped.
	// ReversalAttempted or CompleteReversal ends the claim.
	ClaimDueReversals(ctx context.Context, holder string, now time.Time, lease time.Duration, limit int) ([]*Reversal, error)
	// UnclaimReversal gives a claimed pending reversal back, due at next,
	// without counting an attempt (its original is still in flight).
	// ENOTFOUND when there is no pending reversal id.
	UnclaimReversal(ctx context.Context, id int64, next time.Time) error
}
