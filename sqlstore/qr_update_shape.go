package sqlstore

import (
	"strings"
	"sync"
	"time"

	"github.com/posguard/posguard"
)

// A QR order's update written for its shape. One statement for every
// update would set every column an update may change to a CASE or
// COALESCE of an argument flag, its value and the column, and check its
// conditions as (? = '' OR state = ?): 25 arguments to bind, and 15
// expressions evaluated on every call (and on PostgreSQL compiled again on
// every call: a prepared statement keeps its plan, not its executor
// state). A shape (qrUpdateShape) is what an update sets and checks; its
// statement sets those columns to their arguments and checks only those
// conditions (the success of a micropay: six columns, eight arguments),
// and on PostgreSQL returns, when the caller has the order, only the
// columns an update changes and those the statement's later parts read. A
// process meets a handful of shapes (a success, a failure, an attempt, a
// reversal's steps…); each statement is built once, and prepared once a
// connection. QR orders/s +5 % on PostgreSQL (docs/benchmarks.md,
// "Round 14").

// qrUpdateShape says what a QR order's update sets and checks, and which
// parts its statement has (updateQROrderNoticeSQL and the others).
type qrUpdateShape uint32

const (
	shState qrUpdateShape = 1 << iota
	shReason
	shTransaction
	shPaidAt
	shCodeURL
	shExpiresAt
	shAttempted
	shTask
	shNewTask // the task set is not QRTaskNone: a new one restarts attempts
	shNextAttempt
	shLastError
	shReversal
	shCaseOpened
	shFrom
	shCheckTask
	// The statement's form, and its parts.
	shKnown    // the caller has the order: only the changing columns are returned
	shStmt     // PostgreSQL's one statement, the parts below included (updateQROrderStmt)
	shAsKnown  // no RETURNING, the row's changing columns checked against Known's (SQLite)
	shNotice   // shStmt: updateQROrderNoticeSQL
	shUnposted // shStmt: updateQROrderUnpostedSQL
	shKeys     // shStmt: updateQROrderKeysSQL
)

// qrUpdateShapes holds each shape's statement once built.
var qrUpdateShapes sync.Map // qrUpdateShape → string

// qrOrderUpdateShape returns what u sets and checks (the statement's form
// is the caller's to add).
func qrOrderUpdateShape(u posguard.QROrderUpdate) qrUpdateShape {
	return shapeIf(u.State != "", shState) | shapeIf(u.Reason != "", shReason) |
		shapeIf(u.TransactionID != "", shTransaction) | shapeIf(!u.PaidAt.IsZero(), shPaidAt) |
		shapeIf(u.CodeURL != "", shCodeURL) | shapeIf(!u.ExpiresAt.IsZero(), shExpiresAt) |
		shapeIf(u.Attempted, shAttempted) | shapeIf(u.Task != nil, shTask) |
		shapeIf(u.Task != nil && *u.Task != posguard.QRTaskNone, shNewTask) |
		shapeIf(!u.NextAttempt.IsZero(), shNextAttempt) | shapeIf(u.LastError != nil, shLastError) |
		shapeIf(u.ReversalState != "", shReversal) | shapeIf(u.CaseOpened, shCaseOpened) |
		shapeIf(u.From != "", shFrom) | shapeIf(u.CheckTask, shCheckTask)
}

// shapeIf is bit when b holds, else none.
func shapeIf(b bool, bit qrUpdateShape) qrUpdateShape {
	if b {
		return bit
	}
	return 0
}

// sql returns the shape's statement (the core's placeholders). Its
// arguments are qrUpdateShapeArgs', then, as the form says, Known's
// changing columns (qrOrderKnownArgs) or the parts'.
func (sh qrUpdateShape) sql() string {
	if q, ok := qrUpdateShapes.Load(sh); ok {
		return q.(string)
	}
	cols := QROrderColumns
	if sh&shKnown != 0 {
		cols = qrOrderChangingColumns
	}
	q := sh.update()
	switch {
	case sh&shAsKnown != 0:
		q += qrOrderAsKnownSQL
	case sh&shStmt != 0:
		// u returns what the parts and the answer read: with the order
		// known, only the columns an update changes and those the parts
		// read.
		ret := QROrderColumns
		if sh&shKnown != 0 {
			ret = "id, merchant_id, notify_url, " + qrOrderChangingColumns
		}
		q = "WITH u AS (" + q + "\n\tRETURNING " + ret + ")"
		if sh&shNotice != 0 {
			q += updateQROrderNoticeSQL
		}
		if sh&shUnposted != 0 {
			q += updateQROrderUnpostedSQL
		}
		if sh&shKeys != 0 {
			q += updateQROrderKeysSQL
		}
		q += "\nSELECT " + cols + " FROM u"
	default:
		q += "\n\tRETURNING " + cols
	}
	got, _ := qrUpdateShapes.LoadOrStore(sh, q)
	return got.(string)
}

// update is the shape's UPDATE with its conditions: a column is set only
// when the update sets it (QROrderUpdate.Apply says how); attempts restart
// at 0 when a new task is set (not the one the row has), and otherwise
// grow by one when attempted.
func (sh qrUpdateShape) update() string {
	var b strings.Builder
	b.WriteString("UPDATE qr_orders SET ")
	col := func(bit qrUpdateShape, s string) {
		if sh&bit != 0 {
			b.WriteString(s)
			b.WriteString(", ")
		}
	}
	col(shState, "state = ?")
	col(shReason, "reason = ?")
	col(shTransaction, "transaction_id = ?")
	col(shPaidAt, "paid_at = ?")
	col(shCodeURL, "code_url = ?")
	col(shExpiresAt, "expires_at = ?")
	switch {
	case sh&shNewTask != 0 && sh&shAttempted != 0:
		b.WriteString("attempts = CASE WHEN task <> ? THEN 0 ELSE attempts + 1 END, ")
	case sh&shNewTask != 0:
		b.WriteString("attempts = CASE WHEN task <> ? THEN 0 ELSE attempts END, ")
	case sh&shAttempted != 0:
		b.WriteString("attempts = attempts + 1, ")
	}
	col(shTask, "task = ?")
	col(shNextAttempt, "next_attempt = ?")
	col(shLastError, "last_error = ?")
	col(shReversal, "reversal_state = ?")
	col(shCaseOpened, "case_opened = true")
	b.WriteString("updated_at = ? WHERE id = ?")
	if sh&shFrom != 0 {
		b.WriteString(" AND state = ?")
	}
	if sh&shCheckTask != 0 {
		b.WriteString(" AND task = ?")
	}
	return b.String()
}

// qrUpdateShapeArgs returns the arguments of sh's statement for u at now,
// up to its conditions (the notification's and keys' parts follow).
func (s *Store) qrUpdateShapeArgs(sh qrUpdateShape, u posguard.QROrderUpdate, now time.Time) []any {
	args := make([]any, 0, 16)
	if sh&shState != 0 {
		args = append(args, string(u.State))
	}
	if sh&shReason != 0 {
		args = append(args, u.Reason)
	}
	if sh&shTransaction != 0 {
		args = append(args, u.TransactionID)
	}
	if sh&shPaidAt != 0 {
		args = append(args, s.T(u.PaidAt.UTC().Truncate(time.Microsecond)))
	}
	if sh&shCodeURL != 0 {
		args = append(args, u.CodeURL)
	}
	if sh&shExpiresAt != 0 {
		args = append(args, s.T(u.ExpiresAt.UTC().Truncate(time.Microsecond)))
	}
	if sh&shNewTask != 0 {
		args = append(args, string(*u.Task))
	}
	if sh&shTask != 0 {
		args = append(args, string(*u.Task))
	}
	if sh&shNextAttempt != 0 {
		args = append(args, s.T(u.NextAttempt.UTC().Truncate(time.Microsecond)))
	}
	if sh&shLastError != 0 {
		args = append(args, *u.LastError)
	}
	if sh&shReversal != 0 {
		args = append(args, u.ReversalState)
	}
	args = append(args, s.T(now), u.ID)
	if sh&shFrom != 0 {
		args = append(args, string(u.From))
	}
	if sh&shCheckTask != 0 {
		args = append(args, string(u.FromTask))
	}
	return args
}
