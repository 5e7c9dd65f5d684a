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
	// Clean (grouptx.go): the order's absence and its state or task refuse
	// before the UPDATE.
	err := s.inGroup(ctx, "update qr order", nil, cleanWrite, func(ctx context.Context, tx *Tx) error {
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
		u.Apply(o)
		_, err = tx.Exec(ctx, "update qr order", `UPDATE qr_orders SET state = ?, reason = ?, transaction_id = ?, paid_at = ?,
			code_url = ?, expires_at = ?, task = ?, attempts = ?, next_attempt = ?, last_error = ?, reversal_state = ?,
			case_opened = ?, updated_at = ? WHERE id = ?`,
			string(o.State), o.Reason, o.TransactionID, s.T(o.PaidAt), o.CodeURL, s.T(o.ExpiresAt), string(o.Task), o.Attempts,
			s.T(o.NextAttempt), o.LastError, o.ReversalState, o.CaseOpened, s.T(now), o.ID)
		if err != nil {
			return err
		}
		o.UpdatedAt = now
		if err := s.syncQROrderKeys(ctx, tx, o, u); err != nil {
			return err
		}
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

// qrOrderAsKnownSQL ends a shape's UPDATE (shAsKnown) for a row whose
// changing columns are still those of u.Known (its arguments follow,
// qrOrderKnownArgs'), without RETURNING (SQLite): the row it would return
// is then u.Known with u applied (QROrderUpdate.Apply), and a RETURNING
// made SQLite collect the row in a temporary b-tree and hand its 14
// columns through the driver one by one. When the row is not as u.Known
// has it, or u's conditions refuse, it changes nothing, and the shape's
// UPDATE … RETURNING runs after it.
const qrOrderAsKnownSQL = `
	AND state = ? AND reason = ? AND transaction_id = ? AND paid_at = ? AND code_url = ? AND expires_at = ? AND task = ?
	AND attempts = ? AND next_attempt = ? AND last_error = ? AND reversal_state = ? AND refunded_amount = ?
	AND case_opened = ? AND updated_at = ?`

// qrOrderKnownArgs are the arguments of qrOrderAsKnownSQL's
// conditions on the row: k's qrOrderChangingColumns.
func (s *Store) qrOrderKnownArgs(k *posguard.QROrder) []any {
	return []any{string(k.State), k.Reason, k.TransactionID, s.T(k.PaidAt), k.CodeURL, s.T(k.ExpiresAt), string(k.Task),
		k.Attempts, s.T(k.NextAttempt), k.LastError, k.ReversalState, int64(k.RefundedAmount), k.CaseOpened, s.T(k.UpdatedAt)}
}

// qrOrderChangingColumns are the columns of qr_orders an update may
// change, in scanQROrderChanged's order; the others are written once, by
// the order's insert.
const qrOrderChangingColumns = `state, reason, transaction_id, paid_at, code_url, expires_at, task, attempts, next_attempt,
	last_error, reversal_state, refunded_amount, case_opened, updated_at`

// The outcome as one PostgreSQL statement (a data-modifying CTE): the
// UPDATE of the order (u), written for the update's shape
// (qr_update_shape.go), and, only where this update needs them, the parts
// below, each reading the updated row from u. A part that would write
// nothing is left out of the statement rather than run with a false
// condition: each one is a ModifyTable the executor sets up on every call
// (opening its table and indexes), which cost the server about as much as
// the index entries the HOT update saves (docs/benchmarks.md, "Round 11").
const (
	// updateQROrderNoticeSQL inserts the merchant notification when the
	// update makes the order final ("was final" is u.From's finality: the
	// row's state is u.From). Its arguments are the notification's two
	// times.
	updateQROrderNoticeSQL = `,
n AS (INSERT INTO qr_notices (order_id, refund_id, merchant_id, event, url, state, next_attempt, created_at)
	SELECT id, 0, merchant_id, 'order', notify_url, 'pending', ?, ? FROM u WHERE notify_url <> '')`
	// updateQROrderUnpostedSQL queues the order for the ledger's QR
	// poster when the update makes it succeeded (qrOrderDue).
	updateQROrderUnpostedSQL = `,
p AS (INSERT INTO qr_unposted_orders (id) SELECT id FROM u ON CONFLICT (id) DO NOTHING)`
	// updateQROrderKeysSQL keeps the order's row of qr_order_keys (its
	// place in the order queue, its channel transaction id) with the
	// order, when the update may change them (qrOrderRekeys): the columns
	// are out of qr_orders' indexes so that the UPDATE of the order is a
	// HOT update (migration 0128). Its argument is the order's id: the row
	// is found by primary key, whatever plan a join with u would get (a
	// generic plan made while the table was small scanned it).
	updateQROrderKeysSQL = `,
k AS (UPDATE qr_order_keys SET (due, transaction_id) = (SELECT CASE WHEN task <> '' THEN next_attempt END, transaction_id FROM u)
	WHERE id = ? AND EXISTS (SELECT FROM u))`
)

// qrOrderScan returns how to scan the row an update of u returns: only
// the changing columns over a copy of u.Known when the caller has the
// order (shKnown: a third of a row's columns to return and convert), the
// whole row otherwise.
func qrOrderScan(u posguard.QROrderUpdate) func(Row) (*posguard.QROrder, error) {
	if !qrOrderKnown(u) {
		return scanQROrder
	}
	known := u.Known
	return func(r Row) (*posguard.QROrder, error) { return scanQROrderChanged(r, known) }
}

// qrOrderKnown reports whether u carries the order it updates.
func qrOrderKnown(u posguard.QROrderUpdate) bool { return u.Known != nil && u.Known.ID == u.ID }

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

// qrOrderNotifies reports whether u's change queues the order's merchant
// notification: u.Notify, and u makes final an order it knows was not.
func qrOrderNotifies(u posguard.QROrderUpdate) bool {
	newState := u.State
	if newState == "" {
		newState = u.From
	}
	return u.Notify && !u.From.Final() && newState.Final()
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

// qrOrderRekeys reports whether u may change an order's row of
// qr_order_keys: its task, its next attempt or its transaction id.
func qrOrderRekeys(u posguard.QROrderUpdate) bool {
	return u.Task != nil || !u.NextAttempt.IsZero() || u.TransactionID != ""
}

// syncQROrderKeys keeps o's row of qr_order_keys with o, just updated by u
// in tx, on PostgreSQL (WithWrites) outside the outcome's one statement
// (updateQROrderKeysSQL). SQLite has no such table (migration 0128).
func (s *Store) syncQROrderKeys(ctx context.Context, tx *Tx, o *posguard.QROrder, u posguard.QROrderUpdate) error {
	if !s.DB.D.WithWrites || !qrOrderRekeys(u) {
		return nil
	}
	var due time.Time
	if o.Task != posguard.QRTaskNone {
		due = o.NextAttempt
	}
	_, err := tx.Exec(ctx, "update qr order", `UPDATE qr_order_keys SET due = ?, transaction_id = ? WHERE id = ?`,
		s.T(due), o.TransactionID, o.ID)
	return err
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

// updateQROrderReturning is UpdateQROrder as its shape's UPDATE and, when
// they are due, the queuing of the order for the ledger and the
// notification's insert, in one write transaction (SQLite:
// the order is not read before it is changed). u.From is set, or u.Notify
// is not.
func (s *Store) updateQROrderReturning(ctx context.Context, u posguard.QROrderUpdate) (*posguard.QROrder, error) {
	now := s.NowUTC()
	notify := qrOrderNotifies(u)
	sh := qrOrderUpdateShape(u)
	args := s.qrUpdateShapeArgs(sh, u, now)
	scan := qrOrderScan(u)
	var got *posguard.QROrder
	q := (sh | shapeIf(qrOrderKnown(u), shKnown)).sql()
	// On SQLite an update given the order as it is stored returns no row
	// (qrOrderAsKnownSQL).
	asKnown := qrOrderKnown(u) && s.DB.D.Name != "postgres"
	var knownSQL string
	var knownArgs []any
	if asKnown {
		knownSQL = (sh | shAsKnown).sql()
		knownArgs = append(append(make([]any, 0, len(args)+14), args...), s.qrOrderKnownArgs(u.Known)...)
	}
	// Clean (grouptx.go): the conditions refuse in the UPDATE, which then
	// changes nothing.
	err := s.inGroup(ctx, "update qr order", nil, cleanWrite, func(ctx context.Context, tx *Tx) error {
		got = nil
		var o *posguard.QROrder
		if asKnown {
			n, err := tx.Exec(ctx, "update qr order", knownSQL, knownArgs...)
			if err != nil {
				return err
			}
			if n == 1 {
				o = new(*u.Known)
				u.Apply(o)
				o.UpdatedAt = now
			}
		}
		if o == nil {
			var err error
			o, err = scan(tx.QueryRow(ctx, q, args...))
			if errors.Is(err, ErrNoRows) {
				return s.updateQROrderRefused(ctx, tx, u)
			}
			if err != nil {
				return err
			}
		}
		got = o
		if err := s.syncQROrderKeys(ctx, tx, o, u); err != nil {
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
	notice := qrOrderNotifies(u) && (!qrOrderKnown(u) || u.Known.NotifyURL != "")
	keys := qrOrderRekeys(u)
	sh := qrOrderUpdateShape(u) | shStmt | shapeIf(qrOrderKnown(u), shKnown) | shapeIf(notice, shNotice) |
		shapeIf(qrOrderDue(u), shUnposted) | shapeIf(keys, shKeys)
	args := s.qrUpdateShapeArgs(sh, u, now)
	if notice {
		args = append(args, s.T(now), s.T(now))
	}
	if keys {
		args = append(args, u.ID)
	}
	scan := qrOrderScan(u)
	var got *posguard.QROrder
	st := &Stmt{SQL: sh.sql(), Args: args,
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
