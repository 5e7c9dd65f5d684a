package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/sqlstore"
)

// Pipelined savepoints for group commit. Every grouped write runs in its own
// savepoint so that a failing write is rolled back alone. Sent on their own,
// SAVEPOINT and RELEASE would cost two extra round trips per write on the
// single committer connection. Instead the committer keeps one savepoint
// "grp" that always marks the state after the last successful write, and the
// statements that move it (RELEASE SAVEPOINT grp, SAVEPOINT grp) are queued
// in front of the write's first statement and sent with it in one pgx.Batch:
// a write made of one statement (Insert, Update) costs one round trip. After
// a failed write ROLLBACK TO SAVEPOINT grp restores the state and leaves grp
// in place, so nothing needs to be queued for the next write.

// Transaction and savepoint statements. A shared transaction is opened by
// the BEGIN sent with its first write's statements (no round trip of its
// own) and committed by COMMIT, on a connection the batch holds: pgx's own
// transaction would send BEGIN alone, and could not take COMMIT in a
// pipeline with the batch's last statements (audithead.go).
const (
	beginSQL             = "BEGIN"
	commitSQL            = "COMMIT"
	rollbackSQL          = "ROLLBACK"
	setSavepointSQL      = "SAVEPOINT grp"
	releaseSavepointSQL  = "RELEASE SAVEPOINT grp"
	rollbackSavepointSQL = "ROLLBACK TO SAVEPOINT grp"
)

// savepointTx is one shared transaction of the committer, and the
// sqlstore.Querier its writes run on, with the pending savepoint statements
// sent in front of a write's first statement.
type savepointTx struct {
	s       *Store
	c       *pgxpool.Conn // held from the batch's start to its end
	open    bool          // BEGIN has been sent: the transaction is open
	pending []string      // transaction and savepoint statements still to send
	sent    bool          // the write has sent its first statement (and pending)
	broken  error         // a savepoint statement failed: the shared transaction is unusable
	// audits are the requests' audit records of the batch's writes, to
	// append before it commits (sqlstore.AuditDeferrer).
	audits []*posguard.AuditRecord
}

// DeferAudit implements sqlstore.AuditDeferrer: rec is appended when the
// batch commits (Commit).
func (t *savepointTx) DeferAudit(rec *posguard.AuditRecord) { t.audits = append(t.audits, rec) }

// queue builds a batch of the pending savepoint statements.
func (t *savepointTx) queue() *pgx.Batch {
	b := &pgx.Batch{}
	for _, q := range t.pending {
		b.Queue(q)
	}
	return b
}

// execPending reads the results of the pending statements from br; it
// records a failure as broken. Once they are read the transaction is open
// (BEGIN leads the pending statements until it has been sent).
func (t *savepointTx) execPending(br pgx.BatchResults) error {
	t.open = true
	for range t.pending {
		if _, err := br.Exec(); err != nil {
			t.broken = err
			return err
		}
	}
	t.pending = nil
	return nil
}

// send starts sending sql after the pending savepoint statements, in one
// round trip: it returns the batch whose next result is sql's, or nil when
// nothing was pending (sql is then the caller's to send).
func (t *savepointTx) send(ctx context.Context, sql string, args []any) (pgx.BatchResults, error) {
	if t.sent || len(t.pending) == 0 {
		t.sent = true
		return nil, nil
	}
	t.sent = true
	b := t.queue()
	b.Queue(sql, args...)
	br := t.c.SendBatch(ctx, b)
	if err := t.execPending(br); err != nil {
		br.Close()
		return nil, err
	}
	return br, nil
}

// Exec implements sqlstore.Querier: sql after the pending savepoint
// statements, in one round trip.
func (t *savepointTx) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	br, err := t.send(ctx, sql, args)
	switch {
	case err != nil:
		return 0, err
	case br == nil:
		return pgQ[*pgxpool.Conn]{t.c}.Exec(ctx, sql, args...)
	}
	defer br.Close()
	tag, err := br.Exec()
	return tag.RowsAffected(), err
}

// QueryRow implements sqlstore.Querier: sql after the pending savepoint
// statements, in one round trip.
func (t *savepointTx) QueryRow(ctx context.Context, sql string, args ...any) sqlstore.Row {
	br, err := t.send(ctx, sql, args)
	switch {
	case err != nil:
		return errRow{err}
	case br == nil:
		return pgQ[*pgxpool.Conn]{t.c}.QueryRow(ctx, sql, args...)
	}
	return row{&batchRow{row: br.QueryRow(), br: br}}
}

// Query implements sqlstore.Querier: sql after the pending savepoint
// statements, in one round trip.
func (t *savepointTx) Query(ctx context.Context, sql string, args ...any) (sqlstore.Rows, error) {
	br, err := t.send(ctx, sql, args)
	switch {
	case err != nil:
		return nil, err
	case br == nil:
		return pgQ[*pgxpool.Conn]{t.c}.Query(ctx, sql, args...)
	}
	r, err := br.Query()
	if err != nil {
		br.Close()
		return nil, err
	}
	return batchRows{rows{r}, br}, nil
}

// batchRow is a row read from a batch; Scan closes the batch.
type batchRow struct {
	row pgx.Row
	br  pgx.BatchResults
}

// Scan reads the row, then closes the batch.
func (r *batchRow) Scan(dest ...any) error {
	err := r.row.Scan(dest...)
	if cerr := r.br.Close(); err == nil {
		err = cerr
	}
	return err
}

// batchRows are rows read from a batch; Close closes the batch.
type batchRows struct {
	rows
	br pgx.BatchResults
}

// Close implements sqlstore.Rows.
func (r batchRows) Close() error {
	err := r.rows.Close()
	if cerr := r.br.Close(); err == nil {
		err = cerr
	}
	return err
}

// errRow is a row whose Scan reports err.
type errRow struct{ err error }

// Scan returns the error.
func (r errRow) Scan(...any) error { return r.err }
