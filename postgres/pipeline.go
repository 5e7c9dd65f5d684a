package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/posguard/posguard/sqlstore"
)

// Pipelined writes. The journal's Insert and usual Update, and the QR
// engine's one-statement writes, reach the committer as one statement each
// (sqlstore.Stmt, through sqlstore.StmtGroup), and the
// committer's batch sends all of a batch's consecutive statement writes in
// one pgx.Batch: one round trip for the whole batch instead of one per
// write, so the server and the host no longer wait on each other in turn.
// The statements run without savepoints; when one fails inside the
// database the committer runs the batch again with a savepoint per write
// (internal/groupcommit/pipeline.go).

// RunStmts implements groupcommit.Pipeliner: the pending savepoint
// statements and every statement in one pgx.Batch, one round trip.
func (sp *savepointTx) RunStmts(ctx context.Context, stmts []any) (errs []error, retry bool, err error) {
	batch := sp.queue()
	for _, st := range stmts {
		p := st.(*sqlstore.Stmt)
		batch.Queue(p.SQL, p.Args...)
	}
	br := sp.c.SendBatch(ctx, batch)
	if err := sp.execPending(br); err != nil {
		br.Close()
		return nil, false, err
	}
	errs = make([]error, len(stmts))
	var noRows []int
	for i, st := range stmts {
		p := st.(*sqlstore.Stmt)
		err := p.Scan(row{br.QueryRow()})
		switch {
		case err == nil:
			if p.Wrote != nil && p.Wrote(sp) != nil {
				br.Close()
				return nil, true, nil
			}
		case errors.Is(err, sqlstore.ErrNoRows):
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
		errs[i] = stmts[i].(*sqlstore.Stmt).NoRows(ctx, pgQ[*pgxpool.Conn]{sp.c})
	}
	return errs, false, nil
}
