package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/sqlstore"
)

// The reversal queue's writes, prepared on the writer (writeStmts).
const (
	queueReversalSQL = `
		INSERT INTO reversals (txn_id, state, reason, attempts, next_attempt, last_error, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (txn_id) WHERE state = 'pending' DO NOTHING
		RETURNING ` + sqlstore.ReversalColumns
	pendingReversalSQL = `SELECT ` + sqlstore.ReversalColumns + ` FROM reversals
		WHERE txn_id = ? AND state = 'pending'`
	reversalAttemptedSQL = `UPDATE reversals SET attempts = attempts + 1,
		next_attempt = ?, last_error = ?, updated_at = ? WHERE id = ?`
	reversalOfSQL   = `SELECT txn_id, state FROM reversals WHERE id = ?`
	reversalDoneSQL = `UPDATE reversals SET state = ?, updated_at = ? WHERE id = ?`
)

// queueReversal inserts r as the pending reversal of txnID inside tx, or
// reports the already pending one in r.
func (s *Store) queueReversal(ctx context.Context, tx *sql.Tx, txnID int64, r *posguard.Reversal, now time.Time) error {
	next := r.NextAttempt.UTC()
	if r.NextAttempt.IsZero() {
		next = now
	}
	row := s.txStmt(ctx, tx, s.stmts.queueRev).QueryRowContext(ctx,
		txnID, string(posguard.ReversalPending), r.Reason, r.Attempts, nanos(next), r.LastError, nanos(now), nanos(now))
	got, err := scanReversal(row)
	if errors.Is(err, sql.ErrNoRows) {
		got, err = scanReversal(s.txStmt(ctx, tx, s.stmts.pendingRev).QueryRowContext(ctx, txnID))
	}
	if err != nil {
		return dbError(err, "queue reversal")
	}
	*r = *got
	return nil
}

// DueReversals returns pending reversals whose NextAttempt is at or before
// now, oldest (lowest ID) first, at most limit (default 50, max 1000).
func (s *Store) DueReversals(ctx context.Context, now time.Time, limit int) ([]*posguard.Reversal, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+sqlstore.ReversalColumns+` FROM reversals
		WHERE state = 'pending' AND next_attempt <= ? ORDER BY id LIMIT ?`,
		nanos(now.UTC()), sqlstore.ClampLimit(limit))
	if err != nil {
		return nil, dbError(err, "due reversals")
	}
	return collect(rows, "due reversals", scanReversal)
}

// Reversals returns reversals in a state ("" for all), newest first, at most
// limit (default 50, max 1000).
func (s *Store) Reversals(ctx context.Context, state posguard.ReversalState, limit int) ([]*posguard.Reversal, error) {
	return s.ReversalsBefore(ctx, state, 0, limit)
}

// ReversalsBefore is Reversals continued after a page: only reversals with
// an ID below before (0: no bound).
func (s *Store) ReversalsBefore(ctx context.Context, state posguard.ReversalState, before int64, limit int) ([]*posguard.Reversal, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+sqlstore.ReversalColumns+` FROM reversals
		WHERE (?1 = '' OR state = ?1) AND (?3 = 0 OR id < ?3) ORDER BY id DESC LIMIT ?2`, string(state), sqlstore.ClampLimit(limit), before)
	if err != nil {
		return nil, dbError(err, "reversals")
	}
	return collect(rows, "reversals", scanReversal)
}

// ReversalAttempted records a failed attempt: attempts+1, next attempt time
// and the error. ENOTFOUND if the ID is unknown.
func (s *Store) ReversalAttempted(ctx context.Context, id int64, next time.Time, lastErr string) error {
	return s.writeTx(ctx, "reversal attempted", func(ctx context.Context, tx *sql.Tx) error {
		res, err := s.txStmt(ctx, tx, s.stmts.attemptedRev).ExecContext(ctx,
			nanos(next.UTC()), lastErr, nanos(s.now()), id)
		return affectedOne(res, err, "reversal attempted", "reversal", itoa(id))
	})
}

// CompleteReversal marks the reversal done and applies u to its transaction
// in the same store transaction (u.ID defaults to the reversal's
// transaction). ENOTFOUND if the reversal is unknown; ECONFLICT if it is
// already done or u's FromStates do not match (nothing changes then);
// EINVALID if u.ID names another transaction.
func (s *Store) CompleteReversal(ctx context.Context, id int64, u posguard.TxnUpdate) error {
	return s.writeTx(ctx, "complete reversal", func(ctx context.Context, tx *sql.Tx) error {
		return s.completeReversal(ctx, tx, id, u)
	})
}

// completeReversal runs CompleteReversal inside tx.
func (s *Store) completeReversal(ctx context.Context, tx *sql.Tx, id int64, u posguard.TxnUpdate) error {
	var (
		txnID int64
		state string
	)
	err := s.txStmt(ctx, tx, s.stmts.revOf).QueryRowContext(ctx, id).Scan(&txnID, &state)
	if errors.Is(err, sql.ErrNoRows) {
		return sqlstore.ReversalNotFound(id)
	}
	if err != nil {
		return dbError(err, "complete reversal")
	}
	if err := sqlstore.CheckCompletion(id, txnID, state, &u); err != nil {
		return err
	}
	if _, err := s.txStmt(ctx, tx, s.stmts.doneRev).ExecContext(ctx,
		string(posguard.ReversalDone), nanos(s.now()), id); err != nil {
		return dbError(err, "complete reversal")
	}
	return s.applyUpdate(ctx, tx, u)
}

// PendingReversalFor returns the pending reversal of a transaction;
// ENOTFOUND if there is none.
func (s *Store) PendingReversalFor(ctx context.Context, txnID int64) (*posguard.Reversal, error) {
	row := s.read.QueryRowContext(ctx, `SELECT `+sqlstore.ReversalColumns+` FROM reversals
		WHERE txn_id = ? AND state = 'pending'`, txnID)
	r, err := scanReversal(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sqlstore.NoPendingReversal(txnID)
	}
	if err != nil {
		return nil, dbError(err, "pending reversal")
	}
	return r, nil
}

func scanReversal(r scanner) (*posguard.Reversal, error) {
	var (
		v                      posguard.Reversal
		state                  string
		next, created, updated int64
	)
	if err := r.Scan(&v.ID, &v.TxnID, &state, &v.Reason, &v.Attempts, &next, &v.LastError, &created, &updated); err != nil {
		return nil, err
	}
	v.State = posguard.ReversalState(state)
	v.NextAttempt, v.CreatedAt, v.UpdatedAt = fromNanos(next), fromNanos(created), fromNanos(updated)
	return &v, nil
}
