package postgres

import (
	"context"
	"errors"
	"sync"
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
// head, and would otherwise have every other batch refused.

// staleSkip is how many batches read the head after a remembered one was
// refused, the refused batch's run again included.
const staleSkip = 64

// auditHead is the head the committer remembers.
type auditHead struct {
	mu      sync.Mutex
	known   bool
	seq     int64
	hash    string
	appends int64 // the store's AuditAppends when the head was remembered
	skip    int   // batches still to read the head themselves
	// tried counts the batches that sent records chained after the
	// remembered head, refused those the database refused.
	tried, refused int64
}

// chain chains rs after the remembered head; ok false when none is
// remembered, batches are reading the head for a while, or this process
// appended since on its own. at is the store's AuditAppends then.
func (h *auditHead) chain(db *sqlstore.DB, now time.Time, rs []*posguard.AuditRecord) (ch sqlstore.ChainedAudits, at int64, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.skip > 0 {
		h.skip--
		return ch, 0, false
	}
	at = db.AuditAppends()
	if !h.known || at != h.appends {
		return ch, 0, false
	}
	ch, err := db.ChainAudits(now, h.seq, h.hash, rs)
	if err != nil {
		return ch, 0, false // the append that reads the head reports it
	}
	h.tried++
	return ch, at, true
}

// remember records the head a committed batch left, at the store's
// AuditAppends count at.
func (h *auditHead) remember(seq int64, hash string, at int64) {
	h.mu.Lock()
	h.known, h.seq, h.hash, h.appends = true, seq, hash, at
	h.mu.Unlock()
}

// forget drops the head; refused, the next batches read it themselves.
func (h *auditHead) forget(refused bool) {
	h.mu.Lock()
	h.known = false
	if refused {
		h.skip = staleSkip
		h.refused++
	}
	h.mu.Unlock()
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
		sp.s.head.remember(ch.Seq, ch.Hash, at)
		return nil
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// Refused inside the database, before COMMIT took effect: the
		// transaction is aborted and nothing of it is kept.
		sp.s.head.forget(true)
		sp.rollback(ctx)
		return groupcommit.ErrRunAgain
	}
	// The connection failed: the commit's outcome is unknown, as a COMMIT
	// sent alone would leave it.
	sp.s.head.forget(false)
	return err
}
