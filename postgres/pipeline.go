package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Pipelined journal writes. Insert and the usual Update are one statement
// each; they reach the committer in that form too (pipeStmt), and the
// committer's batch sends all of a batch's consecutive statement writes in
// one pgx.Batch: one round trip for the whole batch instead of one per
// write, so the server and the host no longer wait on each other in turn.
// The statements run without savepoints; when one fails inside the
// database the committer runs the batch again with a savepoint per write
// (internal/groupcommit/pipeline.go).

// pipeStmt is a write made of one statement.
type pipeStmt struct {
	name string
	sql  string
	args []any
	// scan reads the statement's row; it returns pgx.ErrNoRows (as Scan
	// does) when the statement returned none.
	scan func(pgx.Row) error
	// noRows is the write's outcome when the statement returned no row;
	// it may read through q.
	noRows func(ctx context.Context, q querier) error
	// wrote, when set, is called once scan has read the row (a core
	// write's audit record is handed to the batch); an error makes the
	// batch run again with a savepoint per write, where the write fails
	// alone.
	wrote func(sp *savepointTx) error
}

// RunStmts implements groupcommit.Pipeliner: the pending savepoint
// statements and every statement in one pgx.Batch, one round trip.
func (b *batchTx) RunStmts(ctx context.Context, stmts []any) (errs []error, retry bool, err error) {
	sp := b.sp
	batch := sp.queue()
	for _, st := range stmts {
		p := st.(*pipeStmt)
		batch.Queue(p.sql, p.args...)
	}
	br := sp.Tx.SendBatch(ctx, batch)
	if err := sp.execPending(br); err != nil {
		br.Close()
		return nil, false, err
	}
	errs = make([]error, len(stmts))
	var noRows []int
	for i, st := range stmts {
		p := st.(*pipeStmt)
		err := p.scan(br.QueryRow())
		switch {
		case err == nil:
			if p.wrote != nil && p.wrote(sp) != nil {
				br.Close()
				return nil, true, nil
			}
		case errors.Is(err, pgx.ErrNoRows):
			noRows = append(noRows, i)
		default:
			br.Close()
			var pe *pgconn.PgError
			if errors.As(err, &pe) {
				// Failed inside the database: the transaction is aborted.
				return nil, true, nil
			}
			sp.broken = err
			return nil, false, err
		}
	}
	if err := br.Close(); err != nil {
		sp.broken = err
		return nil, false, err
	}
	// grp still marks the state before these writes: the next write that
	// runs in a savepoint moves it first.
	sp.pending = append(sp.pending[:0], releaseSavepointSQL, setSavepointSQL)
	for _, i := range noRows {
		errs[i] = stmts[i].(*pipeStmt).noRows(ctx, sp.Tx)
	}
	return errs, false, nil
}
