package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/posguard/posguard"
)

// ErrNoRows is what Row.Scan returns when the query returned no row, on
// every database (a Conn translates its driver's own).
var ErrNoRows = sql.ErrNoRows

// Querier runs SQL already in the dialect's form (see DB, which rebinds).
// A connection pool and a transaction both are one.
type Querier interface {
	// Exec runs a statement and returns the number of rows it changed.
	Exec(ctx context.Context, query string, args ...any) (int64, error)
	// Query runs a query returning rows.
	Query(ctx context.Context, query string, args ...any) (Rows, error)
	// QueryRow runs a query returning at most one row; its Scan returns
	// ErrNoRows when there is none.
	QueryRow(ctx context.Context, query string, args ...any) Row
}

// Row is one result row.
type Row interface {
	Scan(dest ...any) error
}

// Rows is a result set, read with Next and Scan and closed with Close.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close() error
}

// Conn is a connection pool: a Querier that also begins transactions.
type Conn interface {
	Querier
	// Begin starts a write transaction.
	Begin(ctx context.Context) (TxConn, error)
}

// TxConn is an open transaction of a Conn.
type TxConn interface {
	Querier
	Commit(ctx context.Context) error
	Rollback(ctx context.Context) error
}

// DB is the handle every store method goes through: it writes SQL once with
// ? placeholders, DB rewrites it for the dialect (remembering each rewrite)
// and sends writes to Write and reads to Read. Errors come back already
// mapped to posguard errors by the dialect, named after op.
type DB struct {
	// D is the database's dialect.
	D *Dialect
	// Write takes every write (SQLite: the single writer connection).
	Write Conn
	// Read takes reads outside a transaction (SQLite: the read-only pool);
	// it may be Write.
	Read Conn

	rebound sync.Map // query → its dialect form
	// auditAppends counts the audit appends that read the head themselves
	// (appendAudits): see AuditAppends.
	auditAppends atomic.Int64
}

// NewDB returns a handle over write and read (read may be write).
func NewDB(d *Dialect, write, read Conn) *DB {
	return &DB{D: d, Write: write, Read: read}
}

// Q returns query in the dialect's form: on PostgreSQL its ? placeholders
// numbered $1, $2… (the core's SQL never has ? inside a string literal),
// each rewrite remembered.
func (db *DB) Q(query string) string {
	if !db.D.Dollar || strings.IndexByte(query, '?') < 0 {
		return query
	}
	if v, ok := db.rebound.Load(query); ok {
		return v.(string)
	}
	var b strings.Builder
	for i, part := range strings.Split(query, "?") {
		if i > 0 {
			b.WriteString("$" + strconv.Itoa(i))
		}
		b.WriteString(part)
	}
	db.rebound.Store(query, b.String())
	return b.String()
}

// Err maps a driver error to a posguard error named "dialect name: op" (see
// MapError); nil stays nil.
func (db *DB) Err(err error, op string) error { return MapError(err, db.D.Name, op, db.D.Classify) }

// Exec runs a write outside any transaction and returns the number of rows
// it changed. With a request's audit record waiting in ctx
// (posguard.TxAuditor) it runs in a transaction of its own that commits the
// record with it.
func (db *DB) Exec(ctx context.Context, op, query string, args ...any) (int64, error) {
	if posguard.TxAuditorOf(ctx) != nil {
		return inTx(ctx, db, op, func(tx *Tx) (int64, error) { return tx.Exec(ctx, op, query, args...) })
	}
	n, err := db.Write.Exec(ctx, db.Q(query), args...)
	return n, db.Err(err, op)
}

// QueryRow runs a read returning at most one row; Scan's errors are the
// driver's (ErrNoRows when there was none), map them with Err.
func (db *DB) QueryRow(ctx context.Context, query string, args ...any) Row {
	return db.Read.QueryRow(ctx, db.Q(query), args...)
}

// Query runs a read; its error is mapped for op.
func (db *DB) Query(ctx context.Context, op, query string, args ...any) (Rows, error) {
	rows, err := db.Read.Query(ctx, db.Q(query), args...)
	return rows, db.Err(err, op)
}

// InTx runs f in a write transaction, committing when f returns nil and
// rolling back otherwise. f's error is returned mapped for op. When ctx
// carries a request's audit record (posguard.TxAuditor) and f changed
// something, the record is appended last and commits with the change.
func (db *DB) InTx(ctx context.Context, op string, f func(tx *Tx) error) error {
	t, err := db.Write.Begin(ctx)
	if err != nil {
		return db.Err(err, op)
	}
	tx := newTx(db, t)
	var rec *posguard.AuditRecord
	err = f(tx)
	if err == nil {
		rec, err = tx.requestAudit(ctx, posguard.TxAuditorOf(ctx))
	}
	if err != nil {
		t.Rollback(context.WithoutCancel(ctx))
		return db.Err(err, op)
	}
	if err := t.Commit(ctx); err != nil {
		return db.Err(err, op+" commit")
	}
	if rec != nil {
		posguard.TxAuditorOf(ctx).TxCommitted(rec)
	}
	return nil
}

// inTx is InTx for an f that returns a value: f's value when the
// transaction committed, the zero value and the error otherwise.
func inTx[T any](ctx context.Context, db *DB, op string, f func(tx *Tx) (T, error)) (T, error) {
	var v, zero T
	err := db.InTx(ctx, op, func(tx *Tx) (err error) {
		v, err = f(tx)
		return err
	})
	if err != nil {
		return zero, err
	}
	return v, nil
}

// requestAudit appends the request's audit record that a (from the
// request's context) has due, when the transaction wrote, and returns it;
// ctx is the one the transaction's statements run with.
func (tx *Tx) requestAudit(ctx context.Context, a posguard.TxAuditor) (*posguard.AuditRecord, error) {
	if a == nil || !tx.w.wrote {
		return nil, nil
	}
	rec := a.TxRecord()
	if rec == nil {
		return nil, nil
	}
	return rec, tx.appendAudits(ctx, time.Now(), rec)
}

// Tx is a write transaction of a DB; its methods rewrite SQL like DB's.
type Tx struct {
	db *DB
	q  Querier // the transaction, through a tracker of its writes
	w  tracker
}

// newTx returns the Tx of transaction q of db.
func newTx(db *DB, q Querier) *Tx {
	tx := &Tx{db: db}
	tx.w.q = q
	tx.q = &tx.w
	return tx
}

// Exec runs a write and returns the number of rows it changed; its error is
// mapped for op.
func (tx *Tx) Exec(ctx context.Context, op, query string, args ...any) (int64, error) {
	n, err := tx.q.Exec(ctx, tx.db.Q(query), args...)
	return n, tx.db.Err(err, op)
}

// QueryRow runs a query returning at most one row inside the transaction.
func (tx *Tx) QueryRow(ctx context.Context, query string, args ...any) Row {
	return tx.q.QueryRow(ctx, tx.db.Q(query), args...)
}

// Query runs a query inside the transaction; its error is mapped for op.
func (tx *Tx) Query(ctx context.Context, op, query string, args ...any) (Rows, error) {
	rows, err := tx.q.Query(ctx, tx.db.Q(query), args...)
	return rows, tx.db.Err(err, op)
}

// tracker is a transaction's Querier that notes whether a statement changed
// something (every statement of the transaction goes through it, also the
// ones a store sends in the dialect's own SQL).
type tracker struct {
	q     Querier
	wrote bool // a statement changed rows (an INSERT, UPDATE or DELETE returned one)
}

func (w *tracker) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	n, err := w.q.Exec(ctx, query, args...)
	if n > 0 {
		w.wrote = true
	}
	return n, err
}

func (w *tracker) QueryRow(ctx context.Context, query string, args ...any) Row {
	row := w.q.QueryRow(ctx, query, args...)
	if w.wrote || !isWrite(query) {
		return row
	}
	// A write returning rows: a row scanned means it changed something.
	return rowFunc(func(dest ...any) error {
		err := row.Scan(dest...)
		w.wrote = w.wrote || err == nil
		return err
	})
}

func (w *tracker) Query(ctx context.Context, query string, args ...any) (Rows, error) {
	w.wrote = w.wrote || isWrite(query)
	return w.q.Query(ctx, query, args...)
}

// rowFunc is a Row whose Scan is the function.
type rowFunc func(dest ...any) error

// Scan implements Row.
func (f rowFunc) Scan(dest ...any) error { return f(dest...) }

// isWrite reports whether query is an INSERT, UPDATE or DELETE (one that
// returns rows), also after a WITH clause.
func isWrite(query string) bool {
	q := strings.TrimLeft(query, " \t\r\n")
	if hasPrefixFold(q, "WITH") {
		// One pass, no copy: every statement of a batch's writes passes
		// here.
		for i := 4; i < len(q); i++ {
			switch q[i] | 0x20 {
			case 'i':
				if hasPrefixFold(q[i:], "INSERT INTO") {
					return true
				}
			case 'd':
				if hasPrefixFold(q[i:], "DELETE FROM") {
					return true
				}
			case 'u':
				if hasPrefixFold(q[i:], "UPDATE ") {
					return true
				}
			}
		}
		return false
	}
	return hasPrefixFold(q, "INSERT") || hasPrefixFold(q, "UPDATE") || hasPrefixFold(q, "DELETE")
}

// hasPrefixFold reports whether s begins with prefix, ignoring case.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// WriteRow runs a write that returns a row (INSERT … RETURNING) outside any
// transaction; Scan's errors are the driver's (ErrNoRows when there was no
// row), map them with Err. With a request's audit record waiting in ctx,
// the write runs when Scan is called, in a transaction that commits the
// record with it.
func (db *DB) WriteRow(ctx context.Context, query string, args ...any) Row {
	if posguard.TxAuditorOf(ctx) == nil || !isWrite(query) {
		return db.Write.QueryRow(ctx, db.Q(query), args...)
	}
	return rowFunc(func(dest ...any) error {
		var scanErr error
		err := db.InTx(ctx, "write", func(tx *Tx) error {
			scanErr = tx.QueryRow(ctx, query, args...).Scan(dest...)
			return scanErr
		})
		return cmp.Or(scanErr, err)
	})
}

// Each runs a read and calls f with every row, stopping at f's first
// error; errors are mapped for op.
func (db *DB) Each(ctx context.Context, op string, f func(Row) error, query string, args ...any) error {
	_, err := queryAll(ctx, db, op, func(r Row) (struct{}, error) { return struct{}{}, f(r) }, query, args...)
	return err
}

// Reader runs reads: a DB (on its readers), a Tx, or DB.Primary().
type Reader interface {
	QueryRow(ctx context.Context, query string, args ...any) Row
	Query(ctx context.Context, op, query string, args ...any) (Rows, error)
	Err(err error, op string) error
}

// Err returns err as it is: InTx maps the errors of its transaction, for
// its op.
func (tx *Tx) Err(err error, op string) error { return err }

// Primary returns db reading from the writer: a read that must see the
// write just made, or that a write is about to depend on.
func (db *DB) Primary() Reader { return primary{db} }

// primary is DB.Primary's Reader.
type primary struct{ *DB }

// QueryRow runs a read on the writer.
func (p primary) QueryRow(ctx context.Context, query string, args ...any) Row {
	return p.WriteRow(ctx, query, args...)
}

// Query runs a read on the writer; its error is mapped for op.
func (p primary) Query(ctx context.Context, op, query string, args ...any) (Rows, error) {
	rows, err := p.Write.Query(ctx, p.Q(query), args...)
	return rows, p.Err(err, op)
}

// found maps the error of a one-row read: notFound's error when there was
// no row (unless notFound is nil), others mapped for op.
func found(q Reader, err error, op string, notFound func() error) error {
	if notFound != nil && errors.Is(err, ErrNoRows) {
		return notFound()
	}
	return q.Err(err, op)
}

// none is the notFound of a read for which no row is no error.
func none() error { return nil }

// changed turns the outcome of an UPDATE by key that changed n rows (err
// already mapped) into notFound's error when it matched none.
func changed(n int64, err error, notFound func() error) error {
	if err == nil && n == 0 {
		return notFound()
	}
	return err
}

// affectedOne is changed for a row of kind what ("terminal") keyed id.
func affectedOne(n int64, err error, what, id string) error {
	return changed(n, err, func() error { return NotFound(what, id) })
}

// one is the scan of a row of one column, read into a T (a time through
// TimeCol).
func one[T any](r Row) (T, error) {
	var v T
	var dest any = &v
	if p, ok := dest.(*time.Time); ok {
		dest = TimeCol(p)
	}
	err := r.Scan(dest)
	return v, err
}

// queryOne returns what scan reads of a read's one row: notFound's error
// when there is none (ErrNoRows mapped for op when notFound is nil), other
// errors mapped for op.
func queryOne[T any](ctx context.Context, q Reader, op string, notFound func() error, scan func(Row) (T, error), query string, args ...any) (T, error) {
	v, err := scan(q.QueryRow(ctx, query, args...))
	if err != nil {
		var zero T
		return zero, found(q, err, op, notFound)
	}
	return v, nil
}

// queryAll runs a read and returns every row as scan reads it; the result
// is never nil, errors are mapped for op.
func queryAll[T any](ctx context.Context, q Reader, op string, scan func(Row) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.Query(ctx, op, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, q.Err(err, op)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, q.Err(err, op)
	}
	return out, nil
}

// queryMap runs a read of two columns and returns the rows as a map from
// the first to the second; errors are mapped for op.
func queryMap[K comparable, V any](ctx context.Context, q Reader, op, query string, args ...any) (map[K]V, error) {
	out := map[K]V{}
	_, err := queryAll(ctx, q, op, func(r Row) (k K, err error) {
		var v V
		err = r.Scan(&k, &v)
		out[k] = v
		return k, err
	}, query, args...)
	return out, err
}

// mustExist is nil when table has a row whose key is id, else notFound's
// error.
func mustExist(ctx context.Context, q Reader, table, key string, id any, notFound func() error) error {
	var one int
	return found(q, q.QueryRow(ctx, `SELECT 1 FROM `+table+` WHERE `+key+` = ?`, id).Scan(&one), "exists "+table, notFound)
}

// moved is the outcome of an UPDATE of row id of table guarded by the row's
// state, which changed n rows: nil when it changed the row, notFound's
// error when there is no such row, else conflict's with the state the row
// is in.
func moved(ctx context.Context, q Reader, n int64, table string, id any, notFound func() error, conflict func(state string) error) error {
	if n > 0 {
		return nil
	}
	var state string
	if err := q.QueryRow(ctx, `SELECT state FROM `+table+` WHERE id = ?`, id).Scan(&state); err != nil {
		return found(q, err, "state of "+table, notFound)
	}
	return conflict(state)
}

// WriteRow runs a write returning a row inside the transaction (as
// QueryRow), so that a Tx and a DB both write rows.
func (tx *Tx) WriteRow(ctx context.Context, query string, args ...any) Row {
	return tx.QueryRow(ctx, query, args...)
}

// pageLimit clamps a page size n to [1, most], def when unset.
func pageLimit(n, def, most int) int {
	if n <= 0 {
		return def
	}
	return min(n, most)
}

// NotFound is the ENOTFOUND error of an update that matched no row: what is
// the kind of record ("terminal"), id its key.
func NotFound(what, id string) error {
	return posguard.Errorf(posguard.ENOTFOUND, "%s %s not found", what, id)
}
