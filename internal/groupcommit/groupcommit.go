// Package groupcommit batches the journal writes of a posguard store into
// shared database transactions (group commit), independent of the SQL
// dialect. A store supplies how to begin a shared transaction and how to run
// one write in a savepoint of it; the Committer does the queueing, the
// batching window and the answering of every caller once its batch is
// durable.
//
// A committer goroutine takes the first waiting write, opens a transaction,
// runs it and every write that queued meanwhile (or, with a window set,
// keeps taking writes for up to that window) until none is waiting or Max
// are in, each inside its own savepoint (a failing write is rolled back alone
// and the others go on), commits once and only then answers every caller. A
// caller therefore returns only after its own write is durable, exactly as
// without grouping.
//
// Without a window the batches size themselves: while one batch executes
// and syncs, the next one queues, so under load a batch holds about as many
// writes as arrived during one commit, and a lone write is committed at
// once instead of waiting for company that is not coming.
package groupcommit

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/posguard/posguard"
)

// ErrRunAgain is returned by a Batch's Commit that rolled its transaction
// back and asks for the batch to be run again (see Batch).
var ErrRunAgain = errors.New("groupcommit: run the batch again")

// Max closes a batch early once this many writes are in it.
const Max = 256

// Write is one write, run inside tx. ctx is the committer's context, never
// cancelled mid-batch: interrupting a statement could roll back the whole
// shared transaction.
type Write[T any] func(ctx context.Context, tx T) error

// Batch is one shared transaction as a store implements it.
type Batch[T any] interface {
	// Run runs w in a savepoint of the transaction, rolling back to the
	// savepoint when w fails. It returns w's error, and ok false when the
	// savepoint machinery itself failed: the transaction can no longer be
	// trusted.
	Run(ctx context.Context, w Write[T]) (ok bool, err error)
	// Commit commits the transaction. ErrRunAgain reports that it was
	// rolled back instead, nothing of it kept, for a reason of the Batch's
	// own making that a new transaction does not have (a value it
	// remembered had changed): the committer then runs the batch again, in
	// a new transaction, and commits that.
	Commit(ctx context.Context) error
	// Rollback abandons the transaction.
	Rollback(ctx context.Context)
}

// Config is what a store gives a Committer.
type Config[T any] struct {
	// Prefix starts the committer's own error messages ("sqlite").
	Prefix string
	// Begin opens a shared transaction.
	Begin func(ctx context.Context) (Batch[T], error)
	// Solo runs one write in a transaction of its own (grouping off).
	Solo func(ctx context.Context, name string, w Write[T]) error
	// DBError maps a driver error to a posguard error; op names the
	// operation.
	DBError func(err error, op string) error
}

// op is one write waiting for its batch.
type op[T any] struct {
	ctx  context.Context // the caller's: checked before the write runs
	name string
	run  Write[T]
	stmt any // the write as one statement, for a Pipeliner; nil for none
	err  error
	done chan error
}

// Committer batches writes; one goroutine runs the batches one at a time.
type Committer[T any] struct {
	cfg  Config[T]
	ops  chan *op[T]
	mu   sync.RWMutex // held for reading while submitting; Close takes it to close ops
	shut bool
	wg   sync.WaitGroup
	off  atomic.Bool // grouping disabled: writes commit one by one
	// window is how long a batch stays open for more writes after its
	// first, in nanoseconds; 0 (the default) takes only those waiting.
	window atomic.Int64
	// batches counts the shared transactions committed or rolled back;
	// received counts the writes taken off the queue.
	batches, received atomic.Int64
}

// New starts a committer.
func New[T any](cfg Config[T]) *Committer[T] {
	c := &Committer[T]{cfg: cfg, ops: make(chan *op[T], Max)}
	c.wg.Add(1)
	go c.loop()
	return c
}

// SetOn turns grouping on (the default) or off. Off, every write runs in its
// own transaction (Config.Solo); the semantics are the same either way.
func (c *Committer[T]) SetOn(on bool) { c.off.Store(!on) }

// SetWindow sets how long a batch stays open for more writes after its
// first one. 0, the default, closes it as soon as no write is waiting: the
// lowest latency, and batches still grow with the load. A window trades
// latency for fewer, larger commits when writers are few.
func (c *Committer[T]) SetWindow(d time.Duration) { c.window.Store(int64(max(d, 0))) }

// Batches is the number of shared transactions committed or rolled back.
func (c *Committer[T]) Batches() int64 { return c.batches.Load() }

// Received is the number of writes the committer has taken off its queue.
func (c *Committer[T]) Received() int64 { return c.received.Load() }

// Queued is the number of writes waiting in the queue.
func (c *Committer[T]) Queued() int { return len(c.ops) }

// Do runs w and returns once its transaction has committed (or w failed, or
// the commit failed). With grouping on, the transaction is shared with other
// writers and w runs in a savepoint.
func (c *Committer[T]) Do(ctx context.Context, name string, w Write[T]) error {
	return c.do(ctx, name, nil, w)
}

// do submits a write, with its statement form when it has one.
func (c *Committer[T]) do(ctx context.Context, name string, stmt any, w Write[T]) error {
	if c.off.Load() {
		return c.cfg.Solo(ctx, name, w)
	}
	if err := ctx.Err(); err != nil {
		return c.cfg.DBError(err, name)
	}
	o := &op[T]{ctx: ctx, name: name, run: w, stmt: stmt, done: make(chan error, 1)}
	c.mu.RLock()
	if c.shut {
		c.mu.RUnlock()
		return posguard.Errorf(posguard.EUNAVAILABLE, "%s: %s: store closed", c.cfg.Prefix, name)
	}
	c.ops <- o
	c.mu.RUnlock()
	// Once handed over, the write may already be in a batch: wait for the
	// batch's commit whatever happens to ctx, so the caller never returns
	// before its outcome is known.
	return <-o.done
}

// Close stops taking writes, lets the committer finish the waiting ones and
// waits for it.
func (c *Committer[T]) Close() {
	c.mu.Lock()
	if !c.shut {
		c.shut = true
		close(c.ops)
	}
	c.mu.Unlock()
	c.wg.Wait()
}

// loop runs batches until ops is closed and drained.
func (c *Committer[T]) loop() {
	defer c.wg.Done()
	for first := range c.ops {
		if !c.batch(first) {
			return
		}
	}
}

// batch runs one shared transaction starting with first; false when ops
// was closed while collecting (the batch is still committed).
func (c *Committer[T]) batch(first *op[T]) (open bool) {
	ctx := context.Background()
	tx, err := c.cfg.Begin(ctx)
	if err != nil {
		first.done <- c.cfg.DBError(err, first.name)
		return true
	}
	r := &run[T]{c: c, ctx: ctx, tx: tx, batch: make([]*op[T], 0, 16)}
	r.pipe, _ = tx.(Pipeliner)
	if e, ok := tx.(Eager); ok && r.pipe != nil {
		r.eager = e.Eager()
	}
	r.add(first)
	open = true
	if w := time.Duration(c.window.Load()); w > 0 {
		if !c.collectFor(w, r) {
			open = false
		}
	}
	// Writes already waiting join, whatever the window.
drain:
	for len(r.batch) < Max && !r.broken {
		select {
		case o, ok := <-c.ops:
			if !ok {
				open = false
				break drain
			}
			r.add(o)
		default:
			break drain
		}
	}
	r.flush()
	if r.retry {
		// A pipelined statement failed inside the database: nothing of
		// this transaction can be kept. Run the batch again, every write
		// on its own in a savepoint, so the failure stays with its write.
		r.tx.Rollback(ctx)
		r.rerun()
	}
	c.batches.Add(1)
	commitErr := c.finish(r)
	for _, o := range r.batch {
		switch {
		case o.err != nil && !r.broken:
			o.done <- o.err
		case commitErr != nil:
			o.done <- commitErr
		default:
			o.done <- o.err
		}
	}
	return open
}

// finish commits r's transaction, or rolls it back when it is broken, and
// returns the error of every write that has none of its own. A commit that
// asks for it (ErrRunAgain) has the batch run again, once.
func (c *Committer[T]) finish(r *run[T]) error {
	for again := true; ; again = false {
		if r.broken {
			if r.tx != nil {
				r.tx.Rollback(r.ctx)
			}
			// The write that broke the transaction says why (a full disk, a
			// read-only database): every write of the batch reports it.
			var cause error
			for _, o := range r.batch {
				if o.err != nil && posguard.ErrorCode(o.err) != posguard.ECONFLICT && posguard.ErrorCode(o.err) != posguard.EINVALID {
					cause = o.err
					break
				}
			}
			return posguard.WrapError(posguard.EUNAVAILABLE, cause, "%s: shared transaction failed; nothing of the batch was written", c.cfg.Prefix)
		}
		err := r.tx.Commit(r.ctx)
		switch {
		case err == nil:
			return nil
		case again && errors.Is(err, ErrRunAgain):
			r.rerun()
		default:
			return c.cfg.DBError(err, "group commit")
		}
	}
}

// collectFor adds writes as they arrive for up to w or until the batch is
// full or broken; false when ops was closed.
func (c *Committer[T]) collectFor(w time.Duration, r *run[T]) bool {
	timer := time.NewTimer(w)
	defer timer.Stop()
	for len(r.batch) < Max && !r.broken {
		select {
		case o, ok := <-c.ops:
			if !ok {
				return false
			}
			r.add(o)
		case <-timer.C:
			return true
		}
	}
	return true
}

// runOne runs o in a savepoint of tx. It returns false when the savepoint
// machinery itself failed: tx can no longer be trusted.
func (c *Committer[T]) runOne(ctx context.Context, tx Batch[T], o *op[T]) bool {
	if err := o.ctx.Err(); err != nil {
		o.err = c.cfg.DBError(err, o.name)
		return true
	}
	ok, err := tx.Run(ctx, o.run)
	if err != nil && !ok {
		err = c.cfg.DBError(err, o.name)
	}
	o.err = err
	return ok
}
