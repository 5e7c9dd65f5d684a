package sqlite

import (
	"context"
	"database/sql"
	"errors"
)

// writeStmts are the hot write statements, prepared once on the writer
// connection.
type writeStmts struct {
	insertTxn   *sql.Stmt
	insertEvent *sql.Stmt
	updateTxn   *sql.Stmt
}

func prepareWrites(ctx context.Context, db *sql.DB) (*writeStmts, error) {
	var ws writeStmts
	var err error
	if ws.insertTxn, err = db.PrepareContext(ctx, insertTxnSQL); err != nil {
		return nil, dbError(err, "prepare insert")
	}
	if ws.insertEvent, err = db.PrepareContext(ctx, insertEventSQL); err != nil {
		ws.close()
		return nil, dbError(err, "prepare event")
	}
	if ws.updateTxn, err = db.PrepareContext(ctx, updateTxnSQL); err != nil {
		ws.close()
		return nil, dbError(err, "prepare update")
	}
	return &ws, nil
}

func (ws *writeStmts) close() error {
	var errs []error
	for _, st := range []*sql.Stmt{ws.insertTxn, ws.insertEvent, ws.updateTxn} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	return errors.Join(errs...)
}
