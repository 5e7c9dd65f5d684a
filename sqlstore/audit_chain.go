package sqlstore

import (
	"time"

	"github.com/posguard/posguard"
)

// A batch's audit records appended after a remembered head. A shared
// transaction of PostgreSQL's group commit appends its requests' records
// just before it commits (AppendBatchAudits), and reading the head under
// its lock, inserting the records and moving the head are three round
// trips on the one connection every batch waits for. A store that
// remembers the head its last batch left can instead chain the records
// after it (ChainAudits) and send the insert and the head's move together
// with its COMMIT, in one round trip. The database still refuses a head
// that has moved on meanwhile (another instance, or a transaction of this
// one that appended on its own):
//
//   - audit_log is append-only (its triggers refuse UPDATE and DELETE) and
//     its ids are the chain's, 1, 2, 3…, so the first id taken after a
//     stale head is already there and the insert fails on the key;
//   - the head's move is guarded as well: it sets seq to NULL, which the
//     column refuses, unless the head is still the one remembered.
//
// Either failure aborts the transaction, its COMMIT with it: nothing of the
// batch is kept, and the store runs it again reading the head.

// ChainedAudits are records numbered and chained after a head, as the
// statements that append them.
type ChainedAudits struct {
	// Insert inserts every record (one statement, the dialect's
	// placeholders) and InsertArgs are its arguments.
	Insert     string
	InsertArgs []any
	// Move moves the head from the one the records were chained after to
	// the last record, and fails unless the head is still the first.
	Move     string
	MoveArgs []any
	// Seq and Hash are the head after the records.
	Seq  int64
	Hash string
}

// moveAuditHeadFromSQL moves the head from (?1) to (?2, ?3); a head at
// another seq gets NULL, which audit_head.seq refuses.
const moveAuditHeadFromSQL = `UPDATE audit_head SET seq = CASE WHEN seq = ? THEN ?::bigint END, hash = ? WHERE id = 1`

// ChainAudits numbers rs after the head (seq, prev) and chains their hashes,
// exactly as an append that read that head would, and returns the
// statements that append them (see ChainedAudits). A record without a time
// gets now. Only a dialect that inserts many rows in one statement (Dollar:
// PostgreSQL) is supported.
func (db *DB) ChainAudits(now time.Time, seq int64, prev string, rs []*posguard.AuditRecord) (_ ChainedAudits, err error) {
	if !db.D.Dollar || len(rs) == 0 {
		return ChainedAudits{}, posguard.Errorf(posguard.EINVALID, "audit: records chained after a remembered head need PostgreSQL and at least one record")
	}
	from := seq
	if seq, prev, err = chainAudits(now, seq, prev, rs); err != nil {
		return ChainedAudits{}, err
	}
	// One array a column: one statement whatever the count of records
	// (prepared once a connection), eleven parameters to encode.
	ids, ats := make([]int64, len(rs)), make([]time.Time, len(rs))
	var text [9][]string
	for i := range text {
		text[i] = make([]string, len(rs))
	}
	for i, r := range rs {
		ids[i], ats[i] = r.ID, r.At
		for j, v := range [9]string{r.User, string(r.Role), r.Remote, r.Action, r.Object, r.Outcome, r.Changes, r.PrevHash, r.Hash} {
			text[j][i] = v
		}
	}
	args := []any{ids, ats}
	for _, t := range text {
		args = append(args, t)
	}
	return ChainedAudits{
		Insert:     db.Q(insertAuditArraysSQL),
		InsertArgs: args,
		Move:       db.Q(moveAuditHeadFromSQL),
		MoveArgs:   []any{from, seq, prev},
		Seq:        seq,
		Hash:       prev,
	}, nil
}

// insertAuditArraysSQL inserts the records given as one array a column
// (PostgreSQL).
const insertAuditArraysSQL = `INSERT INTO audit_log (` + auditColumns + `)
	SELECT * FROM unnest(?::bigint[], ?::timestamptz[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[])`

// AuditAppends counts the audit appends made through this handle that read
// the head themselves (a change's records, AppendAudit, a batch reading the
// head): a store remembering a head knows it has moved when the count has.
// Appends by other processes are not counted; the database refuses those
// (see ChainedAudits).
func (db *DB) AuditAppends() int64 { return db.auditAppends.Load() }
