package sqlite

import (
	"sync"

	"github.com/posguard/posguard/sqlstore"
)

// The audit head as the group committer last left it. A batch carrying
// requests' audit records (a QR order's, a refund's) appends them just
// before it commits, and reading the head first costs a statement on the
// one writer every batch waits for. The process holds the database alone
// (Lock) and every write goes through its one writer, so the head the last
// committed batch left is the head, unless a change of this process
// appended records on its own since (sqlstore.DB.AuditAppends counts
// those). The committer remembers it and chains the next batch's records
// after it; the head's move still checks it (sqlstore's
// AppendBatchAuditsAfter), and a refusal (a head moved by some other
// writer) rolls the batch back to be run again reading the head.

// auditHead is the head the committer remembers.
type auditHead struct {
	mu      sync.Mutex
	known   bool
	seq     int64
	hash    string
	appends int64 // the store's AuditAppends when the head was remembered
	// tried counts the batches that chained their records after the
	// remembered head, refused those whose head had moved on.
	tried, refused int64
}

// get returns the remembered head; ok false when none is, or this process
// appended since on its own. at is the store's AuditAppends now.
func (h *auditHead) get(db *sqlstore.DB) (seq int64, hash string, at int64, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	at = db.AuditAppends()
	if !h.known || at != h.appends {
		return 0, "", at, false
	}
	h.tried++
	return h.seq, h.hash, at, true
}

// remember records the head a committed batch left, at the store's
// AuditAppends count at.
func (h *auditHead) remember(seq int64, hash string, at int64) {
	h.mu.Lock()
	h.known, h.seq, h.hash, h.appends = true, seq, hash, at
	h.mu.Unlock()
}

// forget drops the head: the next batch reads it. refused: the records
// chained after it were refused.
func (h *auditHead) forget(refused bool) {
	h.mu.Lock()
	h.known = false
	if refused {
		h.refused++
	}
	h.mu.Unlock()
}
