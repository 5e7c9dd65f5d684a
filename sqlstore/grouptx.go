package sqlstore

import (
	"context"
	"errors"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/internal/groupcommit"
)

// TxGroup is implemented by a database's group committer (Store.Group) that
// can run the core's own writes in its shared transactions: the QR
// engine's order writes join the card journal's batches this way, so that
// many concurrent orders share one commit. f runs inside the shared
// transaction (in a savepoint of its own, so a failing f is rolled back
// alone) with q speaking the dialect's SQL; Do returns once that
// transaction has committed, or f failed, or the commit failed. (Do is
// groupcommit.Committer's.)
type TxGroup interface {
	Do(ctx context.Context, name string, f groupcommit.Write[Querier]) error
}

// StmtGroup is implemented by a TxGroup that can send the one-statement
// writes of a batch together (PostgreSQL: one round trip for all of them,
// as the card journal's writes). st is the write in that form and f the
// same write as a function, for a batch that runs it on its own (after a
// failed statement, or with grouping off). A nil st is a write of several
// statements whose refusals (ECONFLICT, ENOTFOUND, EINVALID, ESTALE) all
// come before it changes anything, which a group may run without a savepoint
// (SQLite's journal and QR writes): clean is that write as such a group
// runs it, and f the same write in a savepoint of its own (clean may
// report as a failure of the database what f reports as a refusal, see
// inGroup). DoStmt returns as Do does.
type StmtGroup interface {
	DoStmt(ctx context.Context, name string, st *Stmt, clean, f func(ctx context.Context, q Querier) error) error
}

// Group is a database's group committer (internal/groupcommit) over the
// core's Querier, a TxGroup and a StmtGroup. A group that pipelines
// receives the one-statement writes (*Stmt) in its batches' RunStmts
// (groupcommit.Pipeliner: PostgreSQL); one that does not receives the
// clean writes there instead (CleanWrite: SQLite, which runs them without
// a savepoint) and runs one-statement writes as any other.
type Group struct {
	*groupcommit.Committer[Querier]
	pipelines bool
}

// CleanWrite is a clean write (see StmtGroup) as a Group that does not
// pipeline hands it to its batch's RunStmts.
type CleanWrite func(ctx context.Context, q Querier) error

// NewGroup starts the group committer of s's database, whose shared
// transactions begin opens (see Group for pipelines). With grouping off,
// each write runs in a transaction of its own on s.DB.
func (s *Store) NewGroup(pipelines bool, begin func(ctx context.Context) (groupcommit.Batch[Querier], error)) *Group {
	return &Group{groupcommit.New(groupcommit.Config[Querier]{Prefix: s.DB.D.Name, Begin: begin, Solo: s.DB.solo, DBError: s.DB.Err}), pipelines}
}

// DoStmt implements StmtGroup.
func (g *Group) DoStmt(ctx context.Context, name string, st *Stmt, clean, f func(ctx context.Context, q Querier) error) error {
	switch {
	case st != nil && g.pipelines:
		return g.Committer.DoStmt(ctx, name, st, f)
	case st == nil && !g.pipelines:
		return g.Committer.DoStmt(ctx, name, CleanWrite(clean), f)
	}
	return g.Do(ctx, name, f)
}

// solo runs w in a write transaction of its own (a Group's writes with
// grouping off).
func (db *DB) solo(ctx context.Context, name string, w groupcommit.Write[Querier]) error {
	t, err := db.Write.Begin(ctx)
	if err != nil {
		return db.Err(err, name)
	}
	defer t.Rollback(context.WithoutCancel(ctx))
	if err := w(ctx, t); err != nil {
		return err
	}
	return db.Err(t.Commit(ctx), name+" commit")
}

// TurnTaker is implemented by a TxGroup whose batches take turns with the
// batches of the other instances sharing the database (PostgreSQL). A
// transaction of the core's own that locks rows a batch may lock, several
// of them in an order of its own, runs TurnSQL first and so takes the same
// turn (held until it ends): it then never waits on a batch that waits on
// it.
type TurnTaker interface {
	TurnSQL() string
}

// Stmt is a write made of one statement that returns a row (INSERT or
// UPDATE … RETURNING), given to a StmtGroup.
type Stmt struct {
	// SQL is the statement in the dialect's placeholders (DB.Q applied).
	SQL  string
	Args []any
	// Scan reads the statement's row; it returns the driver's no-rows
	// error (mapped by the group to ErrNoRows) when there was none.
	Scan func(Row) error
	// Wrote, when set, is called by the group once Scan has read the row
	// (the write changed something), with the batch's deferrer of audit
	// records. An error (the request's record would be refused) asks the
	// group to run the batch again with the write on its own, where it
	// fails alone.
	Wrote func(d AuditDeferrer) error

	db     *DB
	op     string
	noRows func(ctx context.Context, tx *Tx) error
}

// NoRows is the write's outcome when the statement returned no row
// (nothing was written), read through q if need be.
func (st *Stmt) NoRows(ctx context.Context, q Querier) error {
	return st.db.Err(st.noRows(ctx, newTx(st.db, q)), st.op)
}

// AuditDeferrer is implemented by the Querier a TxGroup gives its writes
// when the batch appends the requests' audit records at its end, all at
// once, just before it commits (AppendBatchAudits). The audit head is then
// the last lock a batch takes, as it is in every other transaction, and a
// batch pays for the head once instead of once per record.
type AuditDeferrer interface {
	DeferAudit(rec *posguard.AuditRecord)
}

// InGroupTx runs f in a write transaction like DB.InTx, but through the
// database's group committer when it has one (TxGroup): the transaction is
// then shared with other writers and f may run in a batch with them. f must
// use the ctx it is given (the committer's, never cancelled mid-batch, with
// the caller's values) for its statements. A caller returns only once its
// write is durable, exactly as with InTx. As with InTx, a request's audit
// record waiting in ctx (posguard.TxAuditor) is appended after f when f
// wrote, and commits with it. f's error is returned mapped for op.
func (s *Store) InGroupTx(ctx context.Context, op string, f func(ctx context.Context, tx *Tx) error) error {
	return s.inGroup(ctx, op, nil, 0, f)
}

// InGroupStmt is InGroupTx for a write made of one statement: a group that
// pipelines (StmtGroup) sends it with the batch's other statements. st.SQL
// is in the core's placeholders here (InGroupStmt rewrites it, and sets
// Wrote); noRows is the outcome when the statement returned no row.
func (s *Store) InGroupStmt(ctx context.Context, op string, st *Stmt, noRows func(ctx context.Context, tx *Tx) error) error {
	st.noRows = noRows
	return s.inGroup(ctx, op, st, 0, nil)
}

// writeKind says what inGroup may assume of a write.
type writeKind uint8

const (
	// cleanWrite refuses only before it writes (see StmtGroup).
	cleanWrite writeKind = 1 << iota
	// journalWrite takes no request's audit record: the journal's writes
	// are the terminals', and a request that makes one records itself with
	// its other writes.
	journalWrite
)

// inGroup runs f, or st (whose noRows is set) when f is nil, through the
// group committer, for a write of kind k.
func (s *Store) inGroup(ctx context.Context, op string, st *Stmt, k writeKind, f func(ctx context.Context, tx *Tx) error) error {
	if st != nil {
		st.SQL, st.db, st.op, f = s.DB.Q(st.SQL), s.DB, op, st.run
	}
	g, ok := s.Group.(TxGroup)
	if !ok {
		return s.DB.InTx(ctx, op, func(tx *Tx) error { return f(ctx, tx) })
	}
	// A request's audit record (posguard.TxAuditor in ctx) is appended in
	// f's savepoint, after f, or handed to the batch to append before it
	// commits (AuditDeferrer), and commits with the shared transaction. A
	// batch run again (see internal/groupcommit) runs f again: the record
	// is still due then, and is appended again.
	var a posguard.TxAuditor
	if k&journalWrite == 0 {
		a = posguard.TxAuditorOf(ctx)
	}
	// rec is where the record appended, or handed to the batch, goes (nil
	// without a record due: a write then allocates nothing for it).
	var rec **posguard.AuditRecord
	if a != nil {
		rec = new(*posguard.AuditRecord)
	}
	// run is the write as a batch runs it; clean, without a savepoint of
	// its own. A clean write's request record refused after the write
	// changed something is no refusal of the write's (made before any
	// change): it is reported as a failure of the database, and the group
	// runs the batch again with the write in a savepoint, where it fails
	// alone with the refusal.
	run := func(clean bool) func(context.Context, Querier) error {
		return func(wctx context.Context, q Querier) (err error) {
			if a != nil {
				wctx, *rec = posguard.WithTxAuditor(wctx, a), nil
			}
			tx := newTx(s.DB, q)
			if err = f(wctx, tx); err == nil && a != nil {
				if d, ok := q.(AuditDeferrer); !ok {
					*rec, err = tx.requestAudit(wctx, a)
				} else if tx.w.wrote {
					if *rec, err = deferAudit(d, a); err != nil && clean {
						err = posguard.WrapError(posguard.EINTERNAL, err, "%s: a clean write's audit record refused after it wrote", op)
					}
				}
			}
			return s.DB.Err(err, op)
		}
	}
	var err error
	if sg, ok := g.(StmtGroup); ok && (st != nil || k&cleanWrite != 0) {
		if st != nil && a != nil {
			st.Wrote = func(d AuditDeferrer) (err error) {
				*rec, err = deferAudit(d, a)
				return err
			}
		}
		err = sg.DoStmt(ctx, op, st, run(true), run(false))
	} else {
		err = g.Do(ctx, op, run(false))
	}
	if err == nil && rec != nil && *rec != nil {
		a.TxCommitted(*rec)
	}
	return err
}

// run runs st on its own in tx.
func (st *Stmt) run(ctx context.Context, tx *Tx) error {
	err := st.Scan(tx.QueryRow(ctx, st.SQL, st.Args...))
	if errors.Is(err, ErrNoRows) {
		return st.noRows(ctx, tx)
	}
	return err
}

// deferAudit hands the record a has due to d and returns it; EINVALID when
// the audit log would refuse it.
func deferAudit(d AuditDeferrer, a posguard.TxAuditor) (*posguard.AuditRecord, error) {
	r := a.TxRecord()
	if r == nil {
		return nil, nil
	}
	if err := checkAudit(r); err != nil {
		return nil, err
	}
	d.DeferAudit(r)
	return r, nil
}

// checkAudit refuses a record the audit log would refuse.
func checkAudit(r *posguard.AuditRecord) error {
	if r == nil || r.Action == "" {
		return posguard.Errorf(posguard.EINVALID, "audit: a record needs an action")
	}
	return nil
}

// AppendBatchAudits appends rs, in order, to the audit log through q (a
// shared transaction about to commit), as a transaction of the core does
// (the head read and locked once, the records inserted, the head moved
// once); none, it does nothing.
func (s *Store) AppendBatchAudits(ctx context.Context, q Querier, rs []*posguard.AuditRecord) error {
	if len(rs) == 0 {
		return nil
	}
	return newTx(s.DB, q).appendAudits(ctx, s.NowUTC(), rs...)
}

// AppendBatchAuditsAfter is AppendBatchAudits after a head the caller
// remembers (seq, hash) instead of one read in q: the records are chained
// after it, and the head's move fails unless the head is still at seq (the
// transaction must then be rolled back: its records took numbers after a
// stale head). Nothing, without records.
func (s *Store) AppendBatchAuditsAfter(ctx context.Context, q Querier, seq int64, hash string, rs []*posguard.AuditRecord) error {
	if len(rs) == 0 {
		return nil
	}
	return newTx(s.DB, q).appendAuditsAfter(ctx, s.NowUTC(), seq, hash, true, rs)
}
