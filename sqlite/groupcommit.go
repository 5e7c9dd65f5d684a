package sqlite

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
	"time"

	"github.com/posguard/posguard"
)

// Group commit: journal and reversal-queue writes (Insert, Update,
// CompleteReversal, ReversalAttempted) from many goroutines share one
// database transaction and so one fsync. A committer goroutine takes the
// first waiting write, opens a transaction, keeps taking writes for up to
// groupWindow (then those already waiting) or until groupMax are in, runs each inside its own SAVEPOINT
// (a failing write is rolled back alone and the others go on), commits once
// and only then answers every caller. A caller therefore returns only after
// its own write is durable (synchronous=FULL), exactly as without grouping.

const (
	// groupWindow is how long a batch stays open for more writes.
	groupWindow = time.Millisecond
	// groupMax closes a batch early once this many writes are in it.
	groupMax = 256
)

// writeFunc is one write, run inside tx. ctx is the committer's context,
// never cancelled mid-batch: interrupting a statement could roll back the
// whole shared transaction.
type writeFunc func(ctx context.Context, tx *sql.Tx) error

// groupOp is one write waiting for its batch.
type groupOp struct {
	ctx  context.Context // the caller's: checked before the write runs
	name string
	run  writeFunc
	err  error
	done chan error
}

// committer batches writes on the single writer connection.
type committer struct {
	s *Store
	// savepoint, rollback and release are prepared once on the writer.
	savepoint, rollback, release *sql.Stmt
	ops                          chan *groupOp
	mu                           sync.RWMutex // held for reading while submitting; Close takes it to close ops
	shut                         bool
	wg                           sync.WaitGroup
	off                          atomic.Bool // grouping disabled: writes commit one by one
	// batches counts the shared transactions committed or rolled back.
	batches atomic.Int64
}

func newCommitter(ctx context.Context, s *Store) (*committer, error) {
	c := &committer{s: s, ops: make(chan *groupOp, groupMax)}
	for _, p := range []struct {
		st  **sql.Stmt
		sql string
	}{{&c.savepoint, "SAVEPOINT grp"}, {&c.rollback, "ROLLBACK TO grp"}, {&c.release, "RELEASE grp"}} {
		st, err := s.write.PrepareContext(ctx, p.sql)
		if err != nil {
			c.closeStmts()
			return nil, dbError(err, "prepare savepoint")
		}
		*p.st = st
	}
	c.wg.Add(1)
	go c.loop()
	return c, nil
}

// closeStmts closes the prepared savepoint statements.
func (c *committer) closeStmts() {
	for _, st := range []*sql.Stmt{c.savepoint, c.rollback, c.release} {
		if st != nil {
			st.Close()
		}
	}
}

// SetGroupCommit turns group commit on (the default) or off. Off, every
// write runs in its own transaction with its own commit; the semantics are
// the same either way. Safe to call at any time.
func (s *Store) SetGroupCommit(on bool) {
	if s.group != nil {
		s.group.off.Store(!on)
	}
}

// writeTx runs f in a write transaction and returns once that transaction
// has committed (or f failed, or the commit failed). With group commit on,
// the transaction is shared with other writers; f runs in a savepoint.
func (s *Store) writeTx(ctx context.Context, name string, f writeFunc) error {
	c := s.group
	if c == nil || c.off.Load() {
		return s.soloTx(ctx, name, f)
	}
	if err := ctx.Err(); err != nil {
		return dbError(err, name)
	}
	op := &groupOp{ctx: ctx, name: name, run: f, done: make(chan error, 1)}
	c.mu.RLock()
	if c.shut {
		c.mu.RUnlock()
		return posguard.Errorf(posguard.EUNAVAILABLE, "sqlite: %s: store closed", name)
	}
	c.ops <- op
	c.mu.RUnlock()
	// Once handed over, the write may already be in a batch: wait for the
	// batch's commit whatever happens to ctx, so the caller never returns
	// before its outcome is known.
	return <-op.done
}

// soloTx runs f in a transaction of its own.
func (s *Store) soloTx(ctx context.Context, name string, f writeFunc) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return dbError(err, name)
	}
	defer tx.Rollback()
	if err := f(ctx, tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return dbError(err, name+" commit")
	}
	return nil
}

// close stops taking writes, lets the committer finish the waiting ones
// and waits for it.
func (c *committer) close() {
	c.mu.Lock()
	if !c.shut {
		c.shut = true
		close(c.ops)
	}
	c.mu.Unlock()
	c.wg.Wait()
	c.closeStmts()
}

// loop runs batches until ops is closed and drained.
func (c *committer) loop() {
	defer c.wg.Done()
	for first := range c.ops {
		if !c.batch(first) {
			return
		}
	}
}

// batch runs one shared transaction starting with first; false when ops
// was closed while collecting (the batch is still committed).
func (c *committer) batch(first *groupOp) (open bool) {
	ctx := context.Background()
	tx, err := c.s.write.BeginTx(ctx, nil)
	if err != nil {
		first.done <- dbError(err, first.name)
		return true
	}
	batch := make([]*groupOp, 0, 16)
	broken := false
	add := func(op *groupOp) {
		batch = append(batch, op)
		if !broken {
			broken = !c.runOne(ctx, tx, op)
		} else {
			op.err = posguard.Errorf(posguard.EUNAVAILABLE, "sqlite: %s: shared transaction failed", op.name)
		}
	}
	add(first)
	open = true
	timer := time.NewTimer(groupWindow)
collect:
	for len(batch) < groupMax && !broken {
		select {
		case op, ok := <-c.ops:
			if !ok {
				open = false
				break collect
			}
			add(op)
		case <-timer.C:
			// The window is over; writes already waiting still join.
			for len(batch) < groupMax && !broken {
				select {
				case op, ok := <-c.ops:
					if !ok {
						open = false
						break collect
					}
					add(op)
				default:
					break collect
				}
			}
			break collect
		}
	}
	timer.Stop()
	c.batches.Add(1)
	var commitErr error
	if broken {
		tx.Rollback()
		commitErr = posguard.Errorf(posguard.EUNAVAILABLE, "sqlite: shared transaction failed; nothing of the batch was written")
	} else if err := tx.Commit(); err != nil {
		commitErr = dbError(err, "group commit")
	}
	for _, op := range batch {
		switch {
		case op.err != nil && !broken:
			op.done <- op.err
		case commitErr != nil:
			op.done <- commitErr
		default:
			op.done <- op.err
		}
	}
	return open
}

// runOne runs op in a savepoint of tx, rolling back to it when op fails.
// It returns false when the savepoint machinery itself failed: tx can no
// longer be trusted.
func (c *committer) runOne(ctx context.Context, tx *sql.Tx, op *groupOp) bool {
	if err := op.ctx.Err(); err != nil {
		op.err = dbError(err, op.name)
		return true
	}
	if _, err := c.s.txStmt(ctx, tx, c.savepoint).ExecContext(ctx); err != nil {
		op.err = dbError(err, op.name)
		return false
	}
	if op.err = op.run(ctx, tx); op.err != nil {
		if _, err := c.s.txStmt(ctx, tx, c.rollback).ExecContext(ctx); err != nil {
			return false
		}
	}
	if _, err := c.s.txStmt(ctx, tx, c.release).ExecContext(ctx); err != nil {
		return false
	}
	return true
}
