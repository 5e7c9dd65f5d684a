package postgres

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/posguard/posguard"
	"github.com/posguard/posguard/sqlstore"
)

// queueReversal inserts r as the pending reversal of txnID on q, or reports
// the already pending one in r.
func (s *Store) queueReversal(ctx context.Context, q querier, txnID int64, r *posguard.Reversal, now time.Time) error {
	next := r.NextAttempt.UTC()
	if r.NextAttempt.IsZero() {
		next = now
	}
	got, err := scanReversal(q.QueryRow(ctx, `
		INSERT INTO reversals (txn_id, state, reason, attempts, next_attempt, last_error, created_at, updated_at)
		VALUES ($1, 'pending', $2, $3, $4, $5, $6, $6)
		ON CONFLICT (txn_id) WHERE state = 'pending' DO NOTHING
		RETURNING `+sqlstore.ReversalColumns,
		txnID, r.Reason, r.Attempts, next, r.LastError, now))
	if errors.Is(err, pgx.ErrNoRows) {
		got, err = scanReversal(q.QueryRow(ctx, `SELECT `+sqlstore.ReversalColumns+` FROM reversals
			WHERE txn_id = $1 AND state = 'pending'`, txnID))
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
	rows, err := s.pool.Query(ctx, `SELECT `+sqlstore.ReversalColumns+` FROM reversals
		WHERE state = 'pending' AND next_attempt <= $1 ORDER BY id LIMIT $2`, now.UTC(), sqlstore.ClampLimit(limit))
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
	rows, err := s.pool.Query(ctx, `SELECT `+sqlstore.ReversalColumns+` FROM reversals
		WHERE ($1 = '' OR state = $1) AND ($3::bigint = 0 OR id < $3) ORDER BY id DESC LIMIT $2`, string(state), sqlstore.ClampLimit(limit), before)
	if err != nil {
		return nil, dbError(err, "reversals")
	}
	return collect(rows, "reversals", scanReversal)
}

// ReversalAttempted records a failed attempt: attempts+1, next attempt time
// and the error. ENOTFOUND if the ID is unknown.
func (s *Store) ReversalAttempted(ctx context.Context, id int64, next time.Time, lastErr string) error {
	return s.writeTx(ctx, "reversal attempted", func(ctx context.Context, tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE reversals SET attempts = attempts + 1,
			next_attempt = $1, last_error = $2, updated_at = $3 WHERE id = $4`,
			next.UTC(), lastErr, s.now(), id)
		return affectedOne(tag, err, "reversal attempted", "reversal", strconv.FormatInt(id, 10))
	})
}

// CompleteReversal marks the reversal done and applies u to its transaction
// in the same database transaction (u.ID defaults to the reversal's
// transaction). ENOTFOUND if the reversal is unknown; ECONFLICT if it is
// already done or u's FromStates do not match (nothing changes then);
// EINVALID if u.ID names another transaction.
func (s *Store) CompleteReversal(ctx context.Context, id int64, u posguard.TxnUpdate) error {
	return s.writeTx(ctx, "complete reversal", func(ctx context.Context, tx pgx.Tx) error {
		var (
			txnID int64
			state string
		)
		err := tx.QueryRow(ctx, `SELECT txn_id, state FROM reversals WHERE id = $1 FOR UPDATE`, id).Scan(&txnID, &state)
		if errors.Is(err, pgx.ErrNoRows) {
			return sqlstore.ReversalNotFound(id)
		}
		if err != nil {
			return dbError(err, "complete reversal")
		}
		if err := sqlstore.CheckCompletion(id, txnID, state, &u); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE reversals SET state = 'done', updated_at = $1 WHERE id = $2`, s.now(), id); err != nil {
			return dbError(err, "complete reversal")
		}
		return s.applyUpdate(ctx, tx, u)
	})
}

// PendingReversalFor returns the pending reversal of a transaction;
// ENOTFOUND if there is none.
func (s *Store) PendingReversalFor(ctx context.Context, txnID int64) (*posguard.Reversal, error) {
	r, err := scanReversal(s.pool.QueryRow(ctx, `SELECT `+sqlstore.ReversalColumns+` FROM reversals
		WHERE txn_id = $1 AND state = 'pending'`, txnID))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, sqlstore.NoPendingReversal(txnID)
	}
	if err != nil {
		return nil, dbError(err, "pending reversal")
	}
	return r, nil
}

func scanReversal(r pgx.Row) (*posguard.Reversal, error) {
	var (
		v                      posguard.Reversal
		state                  string
		next, created, updated time.Time
	)
	if err := r.Scan(&v.ID, &v.TxnID, &state, &v.Reason, &v.Attempts, &next, &v.LastError, &created, &updated); err != nil {
		return nil, err
	}
	v.State = posguard.ReversalState(state)
	v.NextAttempt, v.CreatedAt, v.UpdatedAt = next.UTC(), created.UTC(), updated.UTC()
	return &v, nil
}
