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
	pendingReversalSQL = sqlstore.PendingReversalSQL
	reversalOfSQL      = `SELECT txn_id, state FROM reversals WHERE id = ?`
	reversalDoneSQL    = `UPDATE reversals SET state = ?, updated_at = ? WHERE id = ?`
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
	got, err := sqlstore.ScanReversal(row)
	if errors.Is(err, sql.ErrNoRows) {
		got, err = sqlstore.ScanReversal(s.txStmt(ctx, tx, s.stmts.pendingRev).QueryRowContext(ctx, txnID))
	}
	if err != nil {
		return dbError(err, "queue reversal")
	}
	*r = *got
	return nil
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
	if err := sqlstore.CheckCompletionRow(s.txStmt(ctx, tx, s.stmts.revOf).QueryRowContext(ctx, id), id, &u); err != nil {
		return dbError(err, "complete reversal")
	}
	if _, err := s.txStmt(ctx, tx, s.stmts.doneRev).ExecContext(ctx,
		string(posguard.ReversalDone), nanos(s.NowUTC()), id); err != nil {
		return dbError(err, "complete reversal")
	}
	return s.applyUpdate(ctx, tx, u)
}
