package posguard

import (
	"context"
	"time"
)

// ReversalState is the state of a queued upstream reversal.
type ReversalState string

// Reversal states. A pending reversal is retried with backoff without limit;
// after the configured number of attempts the transaction is flagged
// reversal_failed, but the reversal stays pending and retries go on.
const (
	ReversalPending ReversalState = "pending"
	ReversalDone    ReversalState = "done" // the network acknowledged it (0430)
)

// Reversal is one store-and-forward upstream reversal (0420, repeats 0421).
type Reversal struct {
	ID          int64
	TxnID       int64 // the transaction being reversed
	State       ReversalState
	Reason      string // internal reason code: why it was queued
	Attempts    int
	NextAttempt time.Time
	LastError   string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// ReversalQueue is the durable queue of upstream reversals.
type ReversalQueue interface {
	// DueReversals returns pending reversals whose NextAttempt is at or before
	// now, oldest first, at most limit.
	DueReversals(ctx context.Context, now time.Time, limit int) ([]*Reversal, error)
	// Reversals returns reversals in a state ("" for all), newest first.
	Reversals(ctx context.Context, state ReversalState, limit int) ([]*Reversal, error)
	// ReversalsBefore is Reversals continued after a page: only those with
	// an ID below before (0: no bound).
	ReversalsBefore(ctx context.Context, state ReversalState, before int64, limit int) ([]*Reversal, error)
	// ReversalAttempted records a failed attempt: attempts+1, next attempt
	// time and the error. ENOTFOUND if the ID is unknown.
	ReversalAttempted(ctx context.Context, id int64, next time.Time, lastErr string) error
	// CompleteReversal marks the reversal done and applies u to its
	// transaction in the same store transaction.
	CompleteReversal(ctx context.Context, id int64, u TxnUpdate) error
	// PendingReversalFor returns the pending reversal of a transaction;
	// ENOTFOUND if there is none.
	PendingReversalFor(ctx context.Context, txnID int64) (*Reversal, error)
}

// Store is everything posguard keeps: one implementation per database
// (sqlite/, postgres/), both passing the conformance suite in storetest/.
type Store interface {
	MerchantStore
	TerminalStore
	Journal
	ReversalQueue
	BatchUploadStore
	// Close releases the database.
	Close() error
}
