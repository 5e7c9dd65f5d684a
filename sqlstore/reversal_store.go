package sqlstore

import (
	"context"
	"time"

	"github.com/posguard/posguard"
)

// The reversal queue's reads. Its writes go with the journal's
// (journal_write.go).

// reversalColumns are the columns of reversals, revTable's.
const reversalColumns = `id, txn_id, state, reason, attempts, next_attempt, last_error, created_at, updated_at`

// revTable is reversals, whose ID the database assigns.
var revTable = newTable("reversals", "id", reversalColumns, func(v *posguard.Reversal) []any {
	return []any{&v.ID, &v.TxnID, &v.State, &v.Reason, &v.Attempts, &v.NextAttempt, &v.LastError, &v.CreatedAt, &v.UpdatedAt}
})

// pendingReversalSQL reads the pending reversal of a transaction.
const pendingReversalSQL = `SELECT ` + reversalColumns + ` FROM reversals WHERE txn_id = ? AND state = 'pending'`

// DueReversals returns pending reversals whose NextAttempt is at or before
// now, oldest (lowest ID) first, at most limit (default 50, max 1000).
func (s *Store) DueReversals(ctx context.Context, now time.Time, limit int) ([]*posguard.Reversal, error) {
	return revTable.list(ctx, s.DB, "due reversals", ` WHERE state = 'pending' AND next_attempt <= ? ORDER BY id LIMIT ?`,
		s.T(now.UTC()), pageLimit(limit, 50, 1000))
}

// Reversals returns reversals in a state ("" for all), newest first, at most
// limit (default 50, max 1000).
func (s *Store) Reversals(ctx context.Context, state posguard.ReversalState, limit int) ([]*posguard.Reversal, error) {
	return s.ReversalsBefore(ctx, state, 0, limit)
}

// ReversalsBefore is Reversals continued after a page: only reversals with
// an ID below before (0: no bound).
func (s *Store) ReversalsBefore(ctx context.Context, state posguard.ReversalState, before int64, limit int) ([]*posguard.Reversal, error) {
	return revTable.list(ctx, s.DB, "reversals", ` WHERE (CAST(? AS TEXT) = '' OR state = ?) AND (CAST(? AS BIGINT) = 0 OR id < ?) ORDER BY id DESC LIMIT ?`,
		string(state), string(state), before, before, pageLimit(limit, 50, 1000))
}

// PendingReversalFor returns the pending reversal of a transaction;
// ENOTFOUND if there is none.
func (s *Store) PendingReversalFor(ctx context.Context, txnID int64) (*posguard.Reversal, error) {
	return queryOne(ctx, s.DB, "pending reversal", func() error { return noPendingReversal(txnID) }, revTable.scan, pendingReversalSQL, txnID)
}

// ReversalAttempted records a failed attempt: attempts+1, next attempt time
// and the error, through the group committer. ENOTFOUND if the ID is
// unknown.
func (s *Store) ReversalAttempted(ctx context.Context, id int64, next time.Time, lastErr string) error {
	return s.InGroupTx(ctx, "reversal attempted", func(ctx context.Context, tx *Tx) error {
		n, err := tx.Exec(ctx, "reversal attempted", `UPDATE reversals SET attempts = attempts + 1,
			next_attempt = ?, last_error = ?, updated_at = ? WHERE id = ?`, s.T(next.UTC()), lastErr, s.T(s.NowUTC()), id)
		return changed(n, err, func() error { return reversalNotFound(id) })
	})
}

// checkCompletion is the precondition of completing reversal id, whose
// stored row reverses txnID and is in state: ECONFLICT
// unless the reversal is pending; EINVALID when u names another transaction
// or would queue another reversal. A zero u.ID is set to txnID.
func checkCompletion(id, txnID int64, state string, u *posguard.TxnUpdate) error {
	if state != string(posguard.ReversalPending) {
		return posguard.Errorf(posguard.ECONFLICT, "reversal %d is already %s", id, state)
	}
	if u.ID == 0 {
		u.ID = txnID
	} else if u.ID != txnID {
		return posguard.Errorf(posguard.EINVALID, "reversal %d reverses transaction %d, not %d", id, txnID, u.ID)
	}
	if u.QueueReversal != nil {
		return posguard.Errorf(posguard.EINVALID, "reversal %d: completion cannot queue another reversal", id)
	}
	return nil
}

// reversalNotFound is the error for an unknown reversal ID.
func reversalNotFound(id int64) error {
	return posguard.Errorf(posguard.ENOTFOUND, "reversal %d not found", id)
}

// noPendingReversal is the error for a transaction without a pending
// reversal.
func noPendingReversal(txnID int64) error {
	return posguard.Errorf(posguard.ENOTFOUND, "no pending reversal for transaction %d", txnID)
}
