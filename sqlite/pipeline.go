package sqlite

import (
	"context"
	"errors"

	sqlite3 "modernc.org/sqlite"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/sqlstore"
)

// Savepoint-free journal writes. In a group-commit batch every write runs
// in its own SAVEPOINT so that a failing write is rolled back alone; that
// costs two extra statements per write and a copy of every page the write
// touches into the statement journal. Insert and the usual Update refuse
// (ECONFLICT, ENOTFOUND, EINVALID) only before they change anything, and so
// do a QR order's insert and outcome (ESTALE as well), so they need no
// savepoint to fail alone. They reach the committer
// (sqlstore.Group.DoStmt) as "statement writes", sqlstore.CleanWrite
// (internal/groupcommit/pipeline.go): the batch runs them directly, and
// only a failure of another kind, one that may have left part of the write
// behind, makes the committer roll the batch back and run it again with a
// savepoint per write.

// RunStmts implements groupcommit.Pipeliner for clean writes: each runs in
// the shared transaction without a savepoint. A refusal is the write's
// outcome; any other error asks for the batch to be run again with
// savepoints.
func (b *batchTx) RunStmts(ctx context.Context, stmts []any) (errs []error, retry bool, err error) {
	errs = make([]error, len(stmts))
	for i, st := range stmts {
		err := st.(sqlstore.CleanWrite)(ctx, b)
		if err == nil {
			continue
		}
		if !refusal(err) {
			return nil, true, nil
		}
		errs[i] = err
	}
	return errs, false, nil
}

// Eager implements groupcommit.Eager: SQLite has no round trip to save, so
// each clean write runs as soon as the batch takes it.
func (b *batchTx) Eager() bool { return true }

// refusal reports whether err is a write's own refusal (made before it
// changed anything: a conflict, an absence, bad input, a cache version
// moved on) rather than a database failure.
func refusal(err error) bool {
	switch posguard.ErrorCode(err) {
	case posguard.ECONFLICT, posguard.ENOTFOUND, posguard.EINVALID, posguard.ESTALE:
		var se *sqlite3.Error
		return !errors.As(err, &se)
	}
	return false
}
