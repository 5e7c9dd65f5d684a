package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/internal/groupcommit"
	"github.com/posguard/posguard/sqlstore"
)

// The audit head as the group committer last left it. Every batch carrying
// requests' audit records (a QR order's, a refund's) appends them just
// before it commits; reading the head under its lock, inserting the records
// and moving the head cost three round trips on the one connection all the
// batches wait for. The committer remembers the head its last batch left
// and sends the records chained after it, the head's guarded move and
// COMMIT in one round trip (sqlstore.ChainAudits). When the head has moved
// on meanwhile (another instance's batch, or a change of this process that
// appended on its own) the database refuses the insert or the move, the
// transaction rolls back, and the batch runs again reading the head.
// After such a refusal staleSkip batches read the head, its run again the
// first: several instances writing to one database take turns with the
// head, and would otherwise have every other batch refused. What is
// remembered, and when it may be used, is the store core's
// (sqlstore.RememberedHead), shared with SQLite's committer.

// staleSkip is how many batches read the head after a remembered one was
// refused, the refused batch's run again included.
const staleSkip = 64

// chainAfterHead chains rs after the head s's committer remembers
// (sqlstore.RememberedHead); ok false when it must read the head instead.
// at is the store's AuditAppends then.
func (s *Store) chainAfterHead(now time.Time, rs []*posguard.AuditRecord) (ch sqlstore.ChainedAudits, at int64, ok bool) {
	seq, hash, at, ok := s.head.Get(s.DB)
	if !ok {
		return ch, 0, false
	}
	ch, err := s.DB.ChainAudits(now, seq, hash, rs)
	if err != nil {
		s.head.Untried()
		return ch, 0, false // the append that reads the head reports it
	}
	return ch, at, true
}

// commitChained sends the chained records, the head's move and COMMIT in
// one round trip. A refusal by the database (the head had moved on) rolls
// the transaction back and asks the committer to run the batch again
// (groupcommit.ErrRunAgain); the records keep the numbers and hashes given
// here until that run renumbers them.
func (sp *savepointTx) commitChained(ctx context.Context, ch sqlstore.ChainedAudits, at int64) error {
	b := &pgx.Batch{}
	b.Queue(ch.Move, ch.MoveArgs...)
	b.Queue(ch.Insert, ch.InsertArgs...)
	b.Queue(commitSQL)
	br := sp.c.SendBatch(ctx, b)
	_, err := br.Exec()
	if err == nil {
		_, err = br.Exec()
	}
	var tag pgconn.CommandTag
	if err == nil {
		tag, err = br.Exec()
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err == nil && tag.String() == rollbackSQL {
		err = pgx.ErrTxCommitRollback
	}
	if err == nil {
		sp.open = false
		sp.s.head.Remember(ch.Seq, ch.Hash, at)
		return nil
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// Refused inside the database, before COMMIT took effect: the
		// transaction is aborted and nothing of it is kept.
		sp.s.head.Forget(true, staleSkip)
		sp.rollback(ctx)
		return groupcommit.ErrRunAgain
	}
	// The connection failed: the commit's outcome is unknown, as a COMMIT
	// sent alone would leave it.
	sp.s.head.Forget(false, 0)
	return err
}
