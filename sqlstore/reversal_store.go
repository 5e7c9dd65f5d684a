package sqlstore

import (
	"context"
	"time"

	"github.com/posguard/posguard"
)

// The reversal queue's reads. Its writes go with the journal's through
// each database's group commit.

// PendingReversalSQL reads the pending reversal of a transaction.
const PendingReversalSQL = `SELECT ` + ReversalColumns + ` FROM reversals WHERE txn_id = ? AND state = 'pending'`

// DueReversals returns pending reversals whose NextAttempt is at or before
// now, oldest (lowest ID) first, at most limit (default 50, max 1000).
func (s *Store) DueReversals(ctx context.Context, now time.Time, limit int) ([]*posguard.Reversal, error) {
	return queryAll(ctx, s.DB, "due reversals", ScanReversal, `SELECT `+ReversalColumns+` FROM reversals
		WHERE state = 'pending' AND next_attempt <= ? ORDER BY id LIMIT ?`, s.T(now.UTC()), pageLimit(limit, 50, 1000))
}

// Reversals returns reversals in a state ("" for all), newest first, at most
// limit (default 50, max 1000).
func (s *Store) Reversals(ctx context.Context, state posguard.ReversalState, limit int) ([]*posguard.Reversal, error) {
	return s.ReversalsBefore(ctx, state, 0, limit)
}

// ReversalsBefore is Reversals continued after a page: only reversals with
// an ID below before (0: no bound).
func (s *Store) ReversalsBefore(ctx context.Context, state posguard.ReversalState, before int64, limit int) ([]*posguard.Reversal, error) {
	return queryAll(ctx, s.DB, "reversals", ScanReversal, `SELECT `+ReversalColumns+` FROM reversals
		WHERE (CAST(? AS TEXT) = '' OR state = ?) AND (CAST(? AS BIGINT) = 0 OR id < ?) ORDER BY id DESC LIMIT ?`,
		string(state), string(state), before, before, pageLimit(limit, 50, 1000))
}

// PendingReversalFor returns the pending reversal of a transaction;
// ENOTFOUND if there is none.
func (s *Store) PendingReversalFor(ctx context.Context, txnID int64) (*posguard.Reversal, error) {
	return queryOne(ctx, s.DB, "pending reversal", func() error { return NoPendingReversal(txnID) }, ScanReversal, PendingReversalSQL, txnID)
}

// ScanReversal reads one row selected with ReversalColumns.
func ScanReversal(r Row) (*posguard.Reversal, error) {
	var v posguard.Reversal
	var state string
	if err := r.Scan(&v.ID, &v.TxnID, &state, &v.Reason, &v.Attempts, TimeCol(&v.NextAttempt), &v.LastError,
		TimeCol(&v.CreatedAt), TimeCol(&v.UpdatedAt)); err != nil {
		return nil, err
	}
	v.State = posguard.ReversalState(state)
	return &v, nil
}
