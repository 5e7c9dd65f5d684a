package sqlstore

import "sync"

// RememberedHead is the audit head a group committer's last batch left.
// A batch carrying requests' audit records appends them just before it
// commits; reading the head first costs a statement (on PostgreSQL a round
// trip) on the one connection every batch waits for. The committer
// remembers the head its last committed batch left and chains the next
// batch's records after it (ChainAudits, AppendBatchAuditsAfter), unless
// this process appended records on its own since (DB.AuditAppends counts
// those). The database refuses a head that moved on behind the process's
// back (another instance, another handle on a SQLite file); the refused
// batch runs again reading the head, and the next ones read it too for a
// while (Forget's skip): writers sharing the head take turns with it and
// would otherwise refuse each other's every other batch.
type RememberedHead struct {
	mu      sync.Mutex
	known   bool
	seq     int64
	hash    string
	appends int64 // the store's AuditAppends when the head was remembered
	skip    int   // batches still to read the head themselves
	// tried counts the batches that chained their records after the
	// remembered head, refused those whose head the database refused.
	tried, refused int64
}

// Get returns the remembered head to chain a batch's records after; ok
// false when none is remembered, batches are reading the head for a while,
// or db's process appended since on its own. at is db's AuditAppends then.
func (h *RememberedHead) Get(db *DB) (seq int64, hash string, at int64, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.skip > 0 {
		h.skip--
		return 0, "", 0, false
	}
	at = db.AuditAppends()
	if !h.known || at != h.appends {
		return 0, "", at, false
	}
	h.tried++
	return h.seq, h.hash, at, true
}

// Untried takes back the last Get's try: its records could not be chained
// (the append that reads the head reports why).
func (h *RememberedHead) Untried() {
	h.mu.Lock()
	h.tried--
	h.mu.Unlock()
}

// Remember records the head a committed batch left, at db's AuditAppends
// count at (a batch that read the head itself counts its own append).
func (h *RememberedHead) Remember(seq int64, hash string, at int64) {
	h.mu.Lock()
	h.known, h.seq, h.hash, h.appends = true, seq, hash, at
	h.mu.Unlock()
}

// Forget drops the head: the next batch reads it. refused, the database
// refused the records chained after it, and the next skip batches read the
// head (the refused batch's run again among them).
func (h *RememberedHead) Forget(refused bool, skip int) {
	h.mu.Lock()
	h.known = false
	if refused {
		h.skip = skip
		h.refused++
	}
	h.mu.Unlock()
}

// Counts returns how many batches chained their records after the
// remembered head, and how many of those the database refused.
func (h *RememberedHead) Counts() (tried, refused int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.tried, h.refused
}
