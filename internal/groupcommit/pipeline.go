package groupcommit

import (
	"context"

	"github.com/posguard/posguard"
)

// Pipelining. On a client-server database every statement the committer
// runs costs a round trip, and the committer runs its batch's writes one
// after the other: a batch of n one-statement writes waits n round trips
// while the server and the host take turns being idle. A write that is a
// single statement can be submitted with DoStmt in that form too; a Batch
// that implements Pipeliner then receives the consecutive statement writes
// of a batch together and sends them in one round trip.
//
// Pipelined statements run without a savepoint each (a savepoint per write
// would cost a subtransaction per write in PostgreSQL). When one of them
// fails inside the database, the shared transaction cannot be trusted to
// keep the others apart: the committer rolls it back and runs the whole
// batch again, every write on its own in a savepoint as without pipelining,
// so each write still fails or succeeds alone. Statement failures are rare
// (a broken invariant, not a business refusal, which a statement reports as
// a result), so the common batch costs one round trip for all its writes.

// Pipeliner is implemented by a Batch that can send several statement
// writes at once.
type Pipeliner interface {
	// RunStmts runs stmts (as given to DoStmt), in order, in the shared
	// transaction and returns each one's outcome. retry reports that a
	// statement failed inside the database: nothing of the transaction
	// may be kept, and the committer runs the batch again without
	// pipelining. err reports that the transaction is broken (the
	// connection failed): the batch fails.
	RunStmts(ctx context.Context, stmts []any) (errs []error, retry bool, err error)
}

// Eager is implemented by a Pipeliner that gains nothing from sending
// statements together (an embedded database: no round trip to save) and
// wants each statement write run as soon as the batch takes it, like any
// other write, so that the batch keeps growing while it executes.
type Eager interface {
	Eager() bool
}

// DoStmt is Do for a write that is also given as one statement: a batch
// that pipelines sends stmt together with the batch's other statement
// writes; otherwise, and with grouping off, w runs as with Do. w and stmt
// must do the same.
func (c *Committer[T]) DoStmt(ctx context.Context, name string, stmt any, w Write[T]) error {
	return c.do(ctx, name, stmt, w)
}

// run is one batch being built and executed.
type run[T any] struct {
	c       *Committer[T]
	ctx     context.Context
	tx      Batch[T]
	pipe    Pipeliner // nil when the batch does not pipeline
	eager   bool      // the Pipeliner runs statements as they come (Eager)
	batch   []*op[T]  // every write taken, in order
	pending []*op[T]  // statement writes not sent yet
	broken  bool      // the transaction is unusable: the batch fails
	retry   bool      // a pipelined statement failed: run the batch again, as collected
}

// add takes o into the batch: a statement write waits to be sent with the
// next ones, any other write runs now (after the statements before it).
func (r *run[T]) add(o *op[T]) {
	r.c.received.Add(1)
	r.batch = append(r.batch, o)
	switch {
	case r.broken:
		o.err = posguard.Errorf(posguard.EUNAVAILABLE, "%s: %s: shared transaction failed", r.c.cfg.Prefix, o.name)
		return
	case r.retry:
		return // the rerun runs it with the others
	}
	if r.pipe != nil && o.stmt != nil {
		r.pending = append(r.pending, o)
		if r.eager {
			r.flush()
		}
		return
	}
	r.flush()
	if !r.broken && !r.retry {
		r.broken = !r.c.runOne(r.ctx, r.tx, o)
	}
}

// flush sends the pending statement writes.
func (r *run[T]) flush() {
	if len(r.pending) == 0 || r.broken || r.retry {
		return
	}
	ops := make([]*op[T], 0, len(r.pending))
	stmts := make([]any, 0, len(r.pending))
	for _, o := range r.pending {
		if err := o.ctx.Err(); err != nil {
			o.err = r.c.cfg.DBError(err, o.name)
			continue
		}
		ops = append(ops, o)
		stmts = append(stmts, o.stmt)
	}
	r.pending = r.pending[:0]
	if len(stmts) == 0 {
		return
	}
	errs, retry, err := r.pipe.RunStmts(r.ctx, stmts)
	switch {
	case err != nil:
		r.broken = true
		for _, o := range ops {
			o.err = r.c.cfg.DBError(err, o.name)
		}
	case retry:
		// Keep collecting: the rerun runs every write taken.
		r.retry = true
	default:
		for i, o := range ops {
			o.err = errs[i]
		}
	}
}

// rerun runs every write of the batch again in a new transaction, each in
// its own savepoint, without pipelining.
func (r *run[T]) rerun() {
	r.retry, r.broken = false, false
	tx, err := r.c.cfg.Begin(r.ctx)
	if err != nil {
		r.tx, r.broken = nil, true
		return
	}
	r.tx = tx
	for _, o := range r.batch {
		o.err = nil
		if r.broken {
			o.err = posguard.Errorf(posguard.EUNAVAILABLE, "%s: %s: shared transaction failed", r.c.cfg.Prefix, o.name)
			continue
		}
		r.broken = !r.c.runOne(r.ctx, tx, o)
	}
}
