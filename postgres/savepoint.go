package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/posguard/posguard"
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

// Savepoint statements.
const (
	setSavepointSQL      = "SAVEPOINT grp"
	releaseSavepointSQL  = "RELEASE SAVEPOINT grp"
	rollbackSavepointSQL = "ROLLBACK TO SAVEPOINT grp"
)

// savepointTx is the pgx.Tx a grouped write sees: the shared transaction,
// with the pending savepoint statements sent in front of the write's first
// statement.
type savepointTx struct {
	pgx.Tx
	pending []string // savepoint statements still to send
	sent    bool     // the write has sent its first statement (and pending)
	broken  error    // a savepoint statement failed: the shared transaction is unusable
	// audits are the requests' audit records of the batch's writes, to
	// append before it commits (sqlstore.AuditDeferrer).
	audits []*posguard.AuditRecord
}

// queue builds a batch of the pending savepoint statements.
func (t *savepointTx) queue() *pgx.Batch {
	b := &pgx.Batch{}
	for _, q := range t.pending {
		b.Queue(q)
	}
	return b
}

// execPending reads the results of the pending statements from br; it
// records a failure as broken.
func (t *savepointTx) execPending(br pgx.BatchResults) error {
	for range t.pending {
		if _, err := br.Exec(); err != nil {
			t.broken = err
			return err
		}
	}
	t.pending = nil
	return nil
}

// flush sends the pending savepoint statements on their own (for the
// calls that cannot carry them in a batch).
func (t *savepointTx) flush(ctx context.Context) error {
	t.sent = true
	if len(t.pending) == 0 {
		return nil
	}
	br := t.Tx.SendBatch(ctx, t.queue())
	err := t.execPending(br)
	if cerr := br.Close(); err == nil && cerr != nil {
		t.broken = cerr
		err = cerr
	}
	return err
}

// Exec runs sql after the pending savepoint statements, in one round trip.
func (t *savepointTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if t.sent || len(t.pending) == 0 {
		t.sent = true
		return t.Tx.Exec(ctx, sql, args...)
	}
	t.sent = true
	b := t.queue()
	b.Queue(sql, args...)
	br := t.Tx.SendBatch(ctx, b)
	defer br.Close()
	if err := t.execPending(br); err != nil {
		return pgconn.CommandTag{}, err
	}
	return br.Exec()
}

// QueryRow runs sql after the pending savepoint statements, in one round
// trip.
func (t *savepointTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if t.sent || len(t.pending) == 0 {
		t.sent = true
		return t.Tx.QueryRow(ctx, sql, args...)
	}
	t.sent = true
	b := t.queue()
	b.Queue(sql, args...)
	br := t.Tx.SendBatch(ctx, b)
	if err := t.execPending(br); err != nil {
		br.Close()
		return errRow{err}
	}
	return &batchRow{row: br.QueryRow(), br: br}
}

// Query sends the pending savepoint statements first, then sql.
func (t *savepointTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if err := t.flush(ctx); err != nil {
		return nil, err
	}
	return t.Tx.Query(ctx, sql, args...)
}

// SendBatch sends the pending savepoint statements first, then b.
func (t *savepointTx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	if err := t.flush(ctx); err != nil {
		return errBatch{err}
	}
	return t.Tx.SendBatch(ctx, b)
}

// CopyFrom sends the pending savepoint statements first.
func (t *savepointTx) CopyFrom(ctx context.Context, table pgx.Identifier, cols []string, src pgx.CopyFromSource) (int64, error) {
	if err := t.flush(ctx); err != nil {
		return 0, err
	}
	return t.Tx.CopyFrom(ctx, table, cols, src)
}

// Begin sends the pending savepoint statements first.
func (t *savepointTx) Begin(ctx context.Context) (pgx.Tx, error) {
	if err := t.flush(ctx); err != nil {
		return nil, err
	}
	return t.Tx.Begin(ctx)
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

// errRow is a row whose Scan reports err.
type errRow struct{ err error }

// Scan returns the error.
func (r errRow) Scan(...any) error { return r.err }

// errBatch is batch results that report err.
type errBatch struct{ err error }

// Exec returns the error.
func (b errBatch) Exec() (pgconn.CommandTag, error) { return pgconn.CommandTag{}, b.err }

// Query returns the error.
func (b errBatch) Query() (pgx.Rows, error) { return nil, b.err }

// QueryRow returns a row reporting the error.
func (b errBatch) QueryRow() pgx.Row { return errRow(b) }

// Close returns the error.
func (b errBatch) Close() error { return b.err }

// Tx returns nil: the batch began no transaction.
func (b errBatch) Tx() pgx.Tx { return nil }
