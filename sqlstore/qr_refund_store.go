package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/posguard/posguard"
)

// QRRefundColumns are the columns of qr_refunds.
const QRRefundColumns = `id, order_id, merchant_id, out_refund_no, refund_no, request_hash, amount, reason, state,
	fail_reason, refund_id, internal, task, attempts, next_attempt, last_error, created_at, updated_at`

// QRNoticeColumns are the columns of qr_notices.
const QRNoticeColumns = `id, order_id, refund_id, merchant_id, event, url, state, attempts, next_attempt, last_error,
	case_opened, created_at, delivered_at`

// CreateQRRefund journals a refund reserving its amount (see
// posguard.QRStore).
func (s *Store) CreateQRRefund(ctx context.Context, r *posguard.QRRefund, refundPrefix string) (*posguard.QRRefund, bool, error) {
	if r.OrderID == 0 || r.OutRefundNo == "" || r.Amount < 1 {
		return nil, false, posguard.Errorf(posguard.EINVALID, "qr refund: order, out_refund_no and a positive amount are required")
	}
	now := s.NowUTC()
	// A request running at an assumed cache version writes only if that
	// version still holds (versioncheck.go): the order's locking read
	// checks it in the same statement, and tells a moved version from a
	// missing order only when it finds nothing.
	check := posguard.VersionCheckFrom(ctx)
	if check != nil && !check.Pending() {
		check = nil
	}
	orderSQL, orderArgs := `SELECT `+QROrderColumns+` FROM qr_orders WHERE id = ?`, []any{r.OrderID}
	if check != nil {
		orderSQL += ` AND EXISTS (SELECT 1 FROM cache_version WHERE cache_version.id = 1 AND cache_version.n = ?)`
		orderArgs = append(orderArgs, check.Version)
	}
	var got *posguard.QRRefund
	created := false
	err := s.InGroupTx(ctx, "create qr refund", func(ctx context.Context, tx *Tx) error {
		got, created = nil, false
		o, err := queryOne(ctx, tx, "create qr refund", func() error {
			if err := s.checkVersion(ctx, tx, check); err != nil {
				return err
			}
			return NotFound("qr order", fmt.Sprint(r.OrderID))
		}, scanQROrder, orderSQL+s.DB.D.ForUpdate, orderArgs...)
		if err != nil {
			return err
		}
		old, err := scanQRRefund(tx.QueryRow(ctx, `SELECT `+QRRefundColumns+` FROM qr_refunds WHERE merchant_id = ? AND out_refund_no = ?`,
			o.MerchantID, r.OutRefundNo))
		if err == nil {
			got = old
			return nil
		}
		if !errors.Is(err, ErrNoRows) {
			return err
		}
		if !r.Internal && o.State != posguard.QRSucceeded {
			return posguard.Errorf(posguard.ECONFLICT, "order is %s: only a succeeded order can be refunded", o.State)
		}
		var reserved int64
		if err := tx.QueryRow(ctx, `SELECT coalesce(sum(amount), 0) FROM qr_refunds WHERE order_id = ? AND state IN ('succeeded', 'processing')`,
			o.ID).Scan(&reserved); err != nil {
			return err
		}
		if left := int64(o.Amount) - reserved; int64(r.Amount) > left {
			return posguard.Errorf(posguard.ECONFLICT, "amount: %d fen is above the refundable %d fen", r.Amount, left)
		}
		var id int64
		err = tx.QueryRow(ctx, `INSERT INTO qr_refunds (order_id, merchant_id, out_refund_no, request_hash, amount, reason, state,
			internal, task, next_attempt, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'processing', ?, 'send', ?, ?, ?) RETURNING id`,
			o.ID, o.MerchantID, r.OutRefundNo, r.RequestHash, int64(r.Amount), r.Reason, r.Internal, s.T(now), s.T(now), s.T(now)).Scan(&id)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "create qr refund", `UPDATE qr_refunds SET refund_no = ? WHERE id = ?`,
			fmt.Sprintf("%s%012d", refundPrefix, id), id); err != nil {
			return err
		}
		got, err = scanQRRefund(tx.QueryRow(ctx, `SELECT `+QRRefundColumns+` FROM qr_refunds WHERE id = ?`, id))
		if created = err == nil; created {
			posguard.NoteAudit(ctx, got) // the request's audit record names it
		}
		return err
	})
	settleCheck(check, err)
	if err != nil {
		return nil, false, err
	}
	return got, created, nil
}

// QRRefund returns a refund; ENOTFOUND.
func (s *Store) QRRefund(ctx context.Context, id int64) (*posguard.QRRefund, error) {
	return queryOne(ctx, s.DB, "qr refund", func() error { return NotFound("qr refund", fmt.Sprint(id)) }, scanQRRefund,
		`SELECT `+QRRefundColumns+` FROM qr_refunds WHERE id = ?`, id)
}

// QRRefunds returns an order's refunds, oldest first.
func (s *Store) QRRefunds(ctx context.Context, orderID int64) ([]*posguard.QRRefund, error) {
	return queryAll(ctx, s.DB, "qr refunds", scanQRRefund, `SELECT `+QRRefundColumns+` FROM qr_refunds WHERE order_id = ? ORDER BY id`, orderID)
}

// QRRefundExchanges returns the exchanges about an order's refunds (see
// posguard.QRStore), by index qr_refund_exchanges_order.
func (s *Store) QRRefundExchanges(ctx context.Context, orderID int64) ([]*posguard.QRRefundExchange, error) {
	return queryAll(ctx, s.DB, "qr refund exchanges", scanQRRefundExchange, `SELECT id, refund_id, order_id, merchant_id, request, answer, at
		FROM qr_refund_exchanges WHERE order_id = ? ORDER BY id`, orderID)
}

func scanQRRefundExchange(r Row) (*posguard.QRRefundExchange, error) {
	var x posguard.QRRefundExchange
	if err := r.Scan(&x.ID, &x.RefundID, &x.OrderID, &x.MerchantID, &x.Request, &x.Answer, TimeCol(&x.At)); err != nil {
		return nil, err
	}
	return &x, nil
}

// UpdateQRRefund applies u (see posguard.QRStore).
func (s *Store) UpdateQRRefund(ctx context.Context, u posguard.QRRefundUpdate) (*posguard.QRRefund, error) {
	now := s.NowUTC()
	var got *posguard.QRRefund
	err := s.InGroupTx(ctx, "update qr refund", func(ctx context.Context, tx *Tx) error {
		got = nil
		r, err := queryOne(ctx, tx, "update qr refund", func() error { return NotFound("qr refund", fmt.Sprint(u.ID)) }, scanQRRefund,
			`SELECT `+QRRefundColumns+` FROM qr_refunds WHERE id = ?`+s.DB.D.ForUpdate, u.ID)
		if err != nil {
			return err
		}
		if u.From != "" && r.State != u.From {
			return posguard.Errorf(posguard.ECONFLICT, "qr refund %d is %s, not %s", r.ID, r.State, u.From)
		}
		was := r.State
		if u.State != "" {
			r.State = u.State
		}
		if u.FailReason != "" {
			r.FailReason = u.FailReason
		}
		if u.RefundID != "" {
			r.RefundID = u.RefundID
		}
		if u.Attempted {
			r.Attempts++
		}
		if u.Task != nil {
			r.Task = *u.Task
		}
		if !u.NextAttempt.IsZero() {
			r.NextAttempt = u.NextAttempt.UTC().Truncate(time.Microsecond)
		}
		if u.LastError != nil {
			r.LastError = *u.LastError
		}
		_, err = tx.Exec(ctx, "update qr refund", `UPDATE qr_refunds SET state = ?, fail_reason = ?, refund_id = ?, task = ?,
			attempts = ?, next_attempt = ?, last_error = ?, updated_at = ? WHERE id = ?`,
			string(r.State), r.FailReason, r.RefundID, string(r.Task), r.Attempts, s.T(r.NextAttempt), r.LastError, s.T(now), r.ID)
		if err != nil {
			return err
		}
		r.UpdatedAt = now
		if x := u.Exchange; x != nil {
			if _, err := tx.Exec(ctx, "qr refund exchange", `INSERT INTO qr_refund_exchanges (refund_id, order_id, merchant_id, request, answer, at)
				VALUES (?, ?, ?, ?, ?, ?)`, r.ID, r.OrderID, r.MerchantID, x.Request, x.Answer, s.T(now)); err != nil {
				return err
			}
		}
		if was == posguard.QRRefundProcessing && r.State == posguard.QRRefundSucceeded {
			if _, err := tx.Exec(ctx, "update qr refund", `UPDATE qr_orders SET refunded_amount = refunded_amount + ?, updated_at = ? WHERE id = ?`,
				int64(r.Amount), s.T(now), r.OrderID); err != nil {
				return err
			}
		}
		if u.Notify && was == posguard.QRRefundProcessing && r.State != posguard.QRRefundProcessing {
			o, err := scanQROrder(tx.QueryRow(ctx, `SELECT `+QROrderColumns+` FROM qr_orders WHERE id = ?`, r.OrderID))
			if err != nil {
				return err
			}
			if err := s.queueNotice(ctx, tx, o, r.ID, "refund", now); err != nil {
				return err
			}
		}
		got = r
		return nil
	})
	if err != nil {
		return nil, err
	}
	return got, nil
}

// DueQRRefunds returns refunds with a task due at now, oldest first.
func (s *Store) DueQRRefunds(ctx context.Context, now time.Time, limit int) ([]*posguard.QRRefund, error) {
	return queryAll(ctx, s.DB, "due qr refunds", scanQRRefund, `SELECT `+QRRefundColumns+` FROM qr_refunds
		WHERE task <> '' AND next_attempt <= ? ORDER BY next_attempt, id LIMIT ?`, s.T(now.UTC()), pageLimit(limit, 50, 1000))
}

func scanQRRefund(r Row) (*posguard.QRRefund, error) {
	var v posguard.QRRefund
	var state, task string
	var amount int64
	err := r.Scan(&v.ID, &v.OrderID, &v.MerchantID, &v.OutRefundNo, &v.RefundNo, &v.RequestHash, &amount, &v.Reason, &state,
		&v.FailReason, &v.RefundID, &v.Internal, &task, &v.Attempts, TimeCol(&v.NextAttempt), &v.LastError,
		TimeCol(&v.CreatedAt), TimeCol(&v.UpdatedAt))
	if err != nil {
		return nil, err
	}
	v.State, v.Task, v.Amount = posguard.QRRefundState(state), posguard.QRTask(task), posguard.Amount(amount)
	return &v, nil
}

// DueQRNotices returns pending notifications due at now, oldest first.
func (s *Store) DueQRNotices(ctx context.Context, now time.Time, limit int) ([]*posguard.QRNotice, error) {
	return queryAll(ctx, s.DB, "due qr notices", scanQRNotice, `SELECT `+QRNoticeColumns+` FROM qr_notices
		WHERE state = 'pending' AND next_attempt <= ? ORDER BY next_attempt, id LIMIT ?`, s.T(now.UTC()), pageLimit(limit, 50, 1000))
}

// QRNotices returns an order's notifications, oldest first.
func (s *Store) QRNotices(ctx context.Context, orderID int64) ([]*posguard.QRNotice, error) {
	return queryAll(ctx, s.DB, "qr notices", scanQRNotice, `SELECT `+QRNoticeColumns+` FROM qr_notices WHERE order_id = ? ORDER BY id`, orderID)
}

// QRNoticeAttempted records one delivery attempt (see posguard.QRStore).
func (s *Store) QRNoticeAttempted(ctx context.Context, id int64, delivered bool, next time.Time, lastErr string, abandon, caseOpened bool) error {
	now := s.NowUTC()
	state, deliveredAt := posguard.QRNoticePending, time.Time{}
	switch {
	case delivered:
		state, deliveredAt, lastErr = posguard.QRNoticeDelivered, now, ""
	case abandon:
		state = posguard.QRNoticeAbandoned
	}
	return s.InGroupTx(ctx, "qr notice attempted", func(ctx context.Context, tx *Tx) error {
		n, err := tx.Exec(ctx, "qr notice attempted", `UPDATE qr_notices SET state = ?, attempts = attempts + 1, next_attempt = ?,
			last_error = ?, delivered_at = ?, case_opened = (case_opened OR ?) WHERE id = ? AND state = 'pending'`,
			state, s.T(next.UTC()), lastErr, s.T(deliveredAt), caseOpened, id)
		if err == nil && n == 0 {
			return NotFound("pending qr notice", fmt.Sprint(id))
		}
		return err
	})
}

func scanQRNotice(r Row) (*posguard.QRNotice, error) {
	var v posguard.QRNotice
	err := r.Scan(&v.ID, &v.OrderID, &v.RefundID, &v.MerchantID, &v.Event, &v.URL, &v.State, &v.Attempts,
		TimeCol(&v.NextAttempt), &v.LastError, &v.CaseOpened, TimeCol(&v.CreatedAt), TimeCol(&v.DeliveredAt))
	if err != nil {
		return nil, err
	}
	return &v, nil
}
