package postgres

import (
	"context"
	"errors"
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
	got, err := sqlstore.ScanReversal(q.QueryRow(ctx, `
		INSERT INTO reversals (txn_id, state, reason, attempts, next_attempt, last_error, created_at, updated_at)
		VALUES ($1, 'pending', $2, $3, $4, $5, $6, $6)
		ON CONFLICT (txn_id) WHERE state = 'pending' DO NOTHING
		RETURNING `+sqlstore.ReversalColumns,
		txnID, r.Reason, r.Attempts, next, r.LastError, now))
	if errors.Is(err, pgx.ErrNoRows) {
		got, err = sqlstore.ScanReversal(q.QueryRow(ctx, `SELECT `+sqlstore.ReversalColumns+` FROM reversals
			WHERE txn_id = $1 AND state = 'pending'`, txnID))
	}
	if err != nil {
		return dbError(err, "queue reversal")
	}
	*r = *got
	return nil
}

// CompleteReversal marks the reversal done and applies u to its transaction
// in the same database transaction (u.ID defaults to the reversal's
// transaction). ENOTFOUND if the reversal is unknown; ECONFLICT if it is
// already done or u's FromStates do not match (nothing changes then);
// EINVALID if u.ID names another transaction.
func (s *Store) CompleteReversal(ctx context.Context, id int64, u posguard.TxnUpdate) error {
	return s.writeTx(ctx, "complete reversal", func(ctx context.Context, tx pgx.Tx) error {
		row := row{tx.QueryRow(ctx, `SELECT txn_id, state FROM reversals WHERE id = $1 FOR UPDATE`, id)}
		if err := sqlstore.CheckCompletionRow(row, id, &u); err != nil {
			return dbError(err, "complete reversal")
		}
		if _, err := tx.Exec(ctx, `UPDATE reversals SET state = 'done', updated_at = $1 WHERE id = $2`, s.NowUTC(), id); err != nil {
			return dbError(err, "complete reversal")
		}
		return s.applyUpdate(ctx, tx, u)
	})
}
