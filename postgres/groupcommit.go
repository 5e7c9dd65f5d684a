package postgres

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/posguard/posguard"
)

// Group commit: journal and reversal-queue writes (Insert, Update,
// CompleteReversal, ReversalAttempted) from many goroutines share one
// database transaction and so one fsync. A committer goroutine takes the
// first waiting write, opens a transaction, keeps taking writes for up to
// groupWindow (then those already waiting) or until groupMax are in, runs each inside its own SAVEPOINT
// (pipelined with the write's statement, see savepoint.go)
// (a failing write is rolled back alone and the others go on), commits once
// and only then answers every caller. A caller therefore returns only after
// its own write is durable (a normal PostgreSQL commit), exactly as without
// grouping. One committer (one connection) runs the batches, so two batches
// never wait on each other's row locks.

const (
	// groupWindow is how long a batch stays open for more writes.
	groupWindow = time.Millisecond
	// groupMax closes a batch early once this many writes are in it.
	groupMax = 256
)

// writeFunc is one write, run inside tx. ctx is the committer's context,
// never cancelled mid-batch: interrupting a statement could roll back the
// whole shared transaction.
type writeFunc func(ctx context.Context, tx pgx.Tx) error

// groupOp is one write waiting for its batch.
type groupOp struct {
	ctx  context.Context // the caller's: checked before the write runs
	name string
	run  writeFunc
	err  error
	done chan error
}

// committer batches writes on one pooled connection at a time.
type committer struct {
	s    *Store
	ops  chan *groupOp
	mu   sync.RWMutex // held for reading while submitting; Close takes it to close ops
	shut bool
	wg   sync.WaitGroup
	off  atomic.Bool // grouping disabled: writes commit one by one
	// batches counts the shared transactions committed or rolled back;
	// received counts the writes taken off the queue.
	batches, received atomic.Int64
}

func newCommitter(s *Store) *committer {
	c := &committer{s: s, ops: make(chan *groupOp, groupMax)}
	c.wg.Add(1)
	go c.loop()
	return c
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
		return posguard.Errorf(posguard.EUNAVAILABLE, "postgres: %s: store closed", name)
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
	return s.inTx(ctx, name, func(tx pgx.Tx) error { return f(ctx, tx) })
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
	tx, err := c.s.pool.Begin(ctx)
	if err != nil {
		first.done <- dbError(err, first.name)
		return true
	}
	batch := make([]*groupOp, 0, 16)
	broken := false
	sp := &savepointTx{Tx: tx, pending: []string{setSavepointSQL}}
	add := func(op *groupOp) {
		c.received.Add(1)
		batch = append(batch, op)
		if !broken {
			broken = !c.runOne(ctx, sp, op)
		} else {
			op.err = posguard.Errorf(posguard.EUNAVAILABLE, "postgres: %s: shared transaction failed", op.name)
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
		tx.Rollback(ctx)
		commitErr = posguard.Errorf(posguard.EUNAVAILABLE, "postgres: shared transaction failed; nothing of the batch was written")
	} else if err := tx.Commit(ctx); err != nil {
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

// runOne runs op in a savepoint of the shared transaction, rolling back to
// it when op fails (see savepoint.go: the savepoint statements travel with
// op's first statement). It returns false when the savepoint machinery
// itself failed: the transaction can no longer be trusted.
func (c *committer) runOne(ctx context.Context, sp *savepointTx, op *groupOp) bool {
	if err := op.ctx.Err(); err != nil {
		op.err = dbError(err, op.name)
		return true
	}
	sp.sent = false
	op.err = op.run(ctx, sp)
	if sp.broken != nil {
		if op.err == nil {
			op.err = dbError(sp.broken, op.name)
		}
		return false
	}
	if !sp.sent {
		// op sent nothing: the savepoint statements stay queued.
		return true
	}
	if op.err != nil {
		// grp marks the state before op and stays in place.
		if _, err := sp.Tx.Exec(ctx, rollbackSavepointSQL); err != nil {
			return false
		}
		return true
	}
	sp.pending = append(sp.pending[:0], releaseSavepointSQL, setSavepointSQL)
	return true
}
