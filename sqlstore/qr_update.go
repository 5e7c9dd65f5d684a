package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/posguard/posguard"
)

// UpdateQROrder applies u (see posguard.QRStore). When u says the state
// the order must be in (u.From), or queues no notification, the update is
// one statement that checks its conditions itself and returns the row:
// pipelined with the batch's others on PostgreSQL (the notification
// inserted by the same statement), followed on SQLite by the
// notification's insert when there is one. Otherwise the order is read
// first, under its lock, to learn whether it was final.
func (s *Store) UpdateQROrder(ctx context.Context, u posguard.QROrderUpdate) (*posguard.QROrder, error) {
	if u.From != "" || !u.Notify {
		if _, ok := s.Group.(StmtGroup); ok && s.DB.D.Name == "postgres" {
			return s.updateQROrderStmt(ctx, u)
		}
		return s.updateQROrderReturning(ctx, u)
	}
	now := s.NowUTC()
	var got *posguard.QROrder
	err := s.InGroupTx(ctx, "update qr order", func(ctx context.Context, tx *Tx) error {
		got = nil
		o, err := queryOne(ctx, tx, "update qr order", func() error { return NotFound("qr order", fmt.Sprint(u.ID)) }, scanQROrder,
			`SELECT `+QROrderColumns+` FROM qr_orders WHERE id = ?`+s.DB.D.ForUpdate, u.ID)
		if err != nil {
			return err
		}
		if u.From != "" && o.State != u.From {
			return posguard.Errorf(posguard.ECONFLICT, "qr order %d is %s, not %s", o.ID, o.State, u.From)
		}
		if u.CheckTask && o.Task != u.FromTask {
			return posguard.Errorf(posguard.ECONFLICT, "qr order %d has task %q, not %q", o.ID, o.Task, u.FromTask)
		}
		was, wasFinal := o.State, o.State.Final()
		applyQROrderUpdate(o, u)
		_, err = tx.Exec(ctx, "update qr order", `UPDATE qr_orders SET state = ?, reason = ?, transaction_id = ?, paid_at = ?,
			code_url = ?, expires_at = ?, task = ?, attempts = ?, next_attempt = ?, last_error = ?, reversal_state = ?,
			case_opened = ?, updated_at = ? WHERE id = ?`,
			string(o.State), o.Reason, o.TransactionID, s.T(o.PaidAt), o.CodeURL, s.T(o.ExpiresAt), string(o.Task), o.Attempts,
			s.T(o.NextAttempt), o.LastError, o.ReversalState, o.CaseOpened, s.T(now), o.ID)
		if err != nil {
			return err
		}
		o.UpdatedAt = now
		if o.State == posguard.QRSucceeded && was != posguard.QRSucceeded && s.DB.D.WithWrites {
			if _, err := tx.Exec(ctx, "update qr order", queueUnpostedOrderSQL, o.ID); err != nil {
				return err
			}
		}
		if u.Notify && !wasFinal && o.State.Final() {
			if err := s.queueNotice(ctx, tx, o, 0, "order", now); err != nil {
				return err
			}
		}
		got = o
		return nil
	})
	if err != nil {
		return nil, err
	}
	return got, nil
}

// updateQROrderSQL is UpdateQROrder as one UPDATE: its conditions in the
// WHERE, the row returned (its RETURNING list follows). Each column keeps
// its value unless u sets it, as applyQROrderUpdate does. Its arguments are
// updateQROrderArgs'.
const updateQROrderSQL = `UPDATE qr_orders SET state = COALESCE(NULLIF(?, ''), state),
	reason = COALESCE(NULLIF(?, ''), reason), transaction_id = COALESCE(NULLIF(?, ''), transaction_id),
	paid_at = CASE WHEN ? THEN ? ELSE paid_at END, code_url = COALESCE(NULLIF(?, ''), code_url),
	expires_at = CASE WHEN ? THEN ? ELSE expires_at END,
	attempts = CASE WHEN ? AND task <> ? THEN 0 WHEN ? THEN attempts + 1 ELSE attempts END,
	task = CASE WHEN ? THEN ? ELSE task END, next_attempt = CASE WHEN ? THEN ? ELSE next_attempt END,
	last_error = CASE WHEN ? THEN ? ELSE last_error END, reversal_state = COALESCE(NULLIF(?, ''), reversal_state),
	case_opened = case_opened OR ?, updated_at = ?
	WHERE id = ? AND (? = '' OR state = ?) AND (NOT ? OR task = ?)
	RETURNING `

// qrOrderChangingColumns are the columns of qr_orders an update may
// change, in scanQROrderChanged's order; the others are written once, by
// the order's insert.
const qrOrderChangingColumns = `state, reason, transaction_id, paid_at, code_url, expires_at, task, attempts, next_attempt,
	last_error, reversal_state, refunded_amount, case_opened, updated_at`

// updateQROrderStmtSQL is updateQROrderSQL with the merchant notification
// inserted from the updated row, as one PostgreSQL statement (a
// data-modifying CTE), and so is the order's id in the ledger poster's
// queue when the update makes it succeeded; "was final" is u.From's
// finality (the row's state is u.From). Its arguments are
// updateQROrderArgs' and then the notification's two times, whether to
// queue it and whether the order becomes unposted (qrOrderDue); the row is
// returned after it (its SELECT list follows).
const updateQROrderStmtSQL = `WITH u AS (` + updateQROrderSQL + QROrderColumns + `),
n AS (INSERT INTO qr_notices (order_id, refund_id, merchant_id, event, url, state, next_attempt, created_at)
	SELECT id, 0, merchant_id, 'order', notify_url, 'pending', ?, ? FROM u WHERE ? AND notify_url <> ''),
p AS (INSERT INTO qr_unposted_orders (id) SELECT id FROM u WHERE ? ON CONFLICT (id) DO NOTHING)
SELECT `

// updateQROrderQueries are the outcome's statements, indexed by
// [PostgreSQL's CTE][only the changing columns returned].
var updateQROrderQueries = [2][2]string{
	{updateQROrderSQL + QROrderColumns, updateQROrderSQL + qrOrderChangingColumns},
	{updateQROrderStmtSQL + QROrderColumns + ` FROM u`, updateQROrderStmtSQL + qrOrderChangingColumns + ` FROM u`},
}

// updateQROrderQuery returns the outcome's statement (the PostgreSQL CTE
// when cte) and how to scan the row it returns: only the changing columns
// over a copy of u.Known when the caller has the order (a third of a
// row's columns to return and convert), the whole row otherwise.
func updateQROrderQuery(u posguard.QROrderUpdate, cte bool) (string, func(Row) (*posguard.QROrder, error)) {
	i := 0
	if cte {
		i = 1
	}
	if u.Known == nil || u.Known.ID != u.ID {
		return updateQROrderQueries[i][0], scanQROrder
	}
	known := u.Known
	return updateQROrderQueries[i][1], func(r Row) (*posguard.QROrder, error) { return scanQROrderChanged(r, known) }
}

// scanQROrderChanged scans qrOrderChangingColumns over a copy of known.
func scanQROrderChanged(r Row, known *posguard.QROrder) (*posguard.QROrder, error) {
	o := *known
	var state, task string
	var refunded int64
	err := r.Scan(&state, &o.Reason, &o.TransactionID, TimeCol(&o.PaidAt), &o.CodeURL, TimeCol(&o.ExpiresAt), &task,
		&o.Attempts, TimeCol(&o.NextAttempt), &o.LastError, &o.ReversalState, &refunded, &o.CaseOpened, TimeCol(&o.UpdatedAt))
	if err != nil {
		return nil, err
	}
	o.State, o.Task, o.RefundedAmount = posguard.QRState(state), posguard.QRTask(task), posguard.Amount(refunded)
	return &o, nil
}

// updateQROrderArgs returns the arguments of updateQROrderSQL for u at now,
// and whether u's change queues the order's merchant notification (u.From
// is set, or u.Notify is not).
func (s *Store) updateQROrderArgs(u posguard.QROrderUpdate, now time.Time) ([]any, bool) {
	var task string
	if u.Task != nil {
		task = string(*u.Task)
	}
	var lastErr string
	if u.LastError != nil {
		lastErr = *u.LastError
	}
	newState := u.State
	if newState == "" {
		newState = u.From
	}
	notify := u.Notify && !u.From.Final() && newState.Final()
	return []any{string(u.State), u.Reason, u.TransactionID,
		!u.PaidAt.IsZero(), s.T(u.PaidAt.UTC().Truncate(time.Microsecond)), u.CodeURL,
		!u.ExpiresAt.IsZero(), s.T(u.ExpiresAt.UTC().Truncate(time.Microsecond)),
		u.Task != nil && task != "", task, u.Attempted,
		u.Task != nil, task, !u.NextAttempt.IsZero(), s.T(u.NextAttempt.UTC().Truncate(time.Microsecond)),
		u.LastError != nil, lastErr, u.ReversalState, u.CaseOpened, s.T(now),
		u.ID, string(u.From), string(u.From), u.CheckTask, string(u.FromTask)}, notify
}

// qrOrderDue reports whether u, when it changes a row, makes the order
// succeeded: its id is then queued for the ledger's QR poster, on
// PostgreSQL (WithWrites) by the store's statements; SQLite's triggers
// (migration 0127) queue it inside the update's own statement, from the
// row's old and new state. Without u.From the order could have been
// succeeded already; queuing it again only makes the poster repost it,
// which its posting key skips.
func qrOrderDue(u posguard.QROrderUpdate) bool {
	return u.State == posguard.QRSucceeded && u.From != posguard.QRSucceeded
}

// updateQROrderRefused is UpdateQROrder's error when its statement changed
// no row: the order is missing, or not in u.From, or without task
// u.FromTask.
func (s *Store) updateQROrderRefused(ctx context.Context, tx *Tx, u posguard.QROrderUpdate) error {
	o, err := queryOne(ctx, tx, "update qr order", func() error { return NotFound("qr order", fmt.Sprint(u.ID)) }, scanQROrder,
		`SELECT `+QROrderColumns+` FROM qr_orders WHERE id = ?`, u.ID)
	if err != nil {
		return err
	}
	if u.From != "" && o.State != u.From {
		return posguard.Errorf(posguard.ECONFLICT, "qr order %d is %s, not %s", o.ID, o.State, u.From)
	}
	return posguard.Errorf(posguard.ECONFLICT, "qr order %d has task %q, not %q", o.ID, o.Task, u.FromTask)
}

// updateQROrderReturning is UpdateQROrder as updateQROrderSQL and, when
// they are due, the queuing of the order for the ledger and the
// notification's insert, in one write transaction (SQLite:
// the order is not read before it is changed). u.From is set, or u.Notify
// is not.
func (s *Store) updateQROrderReturning(ctx context.Context, u posguard.QROrderUpdate) (*posguard.QROrder, error) {
	now := s.NowUTC()
	args, notify := s.updateQROrderArgs(u, now)
	var got *posguard.QROrder
	q, scan := updateQROrderQuery(u, false)
	err := s.InGroupTx(ctx, "update qr order", func(ctx context.Context, tx *Tx) error {
		o, err := scan(tx.QueryRow(ctx, q, args...))
		got = o
		if errors.Is(err, ErrNoRows) {
			return s.updateQROrderRefused(ctx, tx, u)
		}
		if err != nil {
			return err
		}
		if qrOrderDue(u) && s.DB.D.WithWrites {
			if _, err := tx.Exec(ctx, "update qr order", queueUnpostedOrderSQL, o.ID); err != nil {
				return err
			}
		}
		if !notify {
			return nil
		}
		return s.queueNotice(ctx, tx, o, 0, "order", now)
	})
	if err != nil {
		return nil, err
	}
	return got, nil
}

// updateQROrderStmt is UpdateQROrder as one statement, pipelined with the
// batch's others (PostgreSQL). u.From is set, or u.Notify is not.
func (s *Store) updateQROrderStmt(ctx context.Context, u posguard.QROrderUpdate) (*posguard.QROrder, error) {
	now := s.NowUTC()
	args, notify := s.updateQROrderArgs(u, now)
	var got *posguard.QROrder
	q, scan := updateQROrderQuery(u, true)
	st := &Stmt{SQL: q, Args: append(args, s.T(now), s.T(now), notify, qrOrderDue(u)),
		Scan: func(r Row) error {
			o, err := scan(r)
			got = o
			return err
		}}
	err := s.InGroupStmt(ctx, "update qr order", st, func(ctx context.Context, tx *Tx) error {
		got = nil
		return s.updateQROrderRefused(ctx, tx, u)
	})
	if err != nil {
		return nil, err
	}
	return got, nil
}

// applyQROrderUpdate changes o as u says.
func applyQROrderUpdate(o *posguard.QROrder, u posguard.QROrderUpdate) {
	if u.State != "" {
		o.State = u.State
	}
	if u.Reason != "" {
		o.Reason = u.Reason
	}
	if u.TransactionID != "" {
		o.TransactionID = u.TransactionID
	}
	if !u.PaidAt.IsZero() {
		o.PaidAt = u.PaidAt.UTC().Truncate(time.Microsecond)
	}
	if u.CodeURL != "" {
		o.CodeURL = u.CodeURL
	}
	if !u.ExpiresAt.IsZero() {
		o.ExpiresAt = u.ExpiresAt.UTC().Truncate(time.Microsecond)
	}
	if u.Attempted {
		o.Attempts++
	}
	if u.Task != nil {
		if *u.Task != posguard.QRTaskNone && *u.Task != o.Task {
			o.Attempts = 0
		}
		o.Task = *u.Task
	}
	if !u.NextAttempt.IsZero() {
		o.NextAttempt = u.NextAttempt.UTC().Truncate(time.Microsecond)
	}
	if u.LastError != nil {
		o.LastError = *u.LastError
	}
	if u.ReversalState != "" {
		o.ReversalState = u.ReversalState
	}
	if u.CaseOpened {
		o.CaseOpened = true
	}
}
