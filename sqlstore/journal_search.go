package sqlstore

import (
	"context"
	"time"

	"github.com/posguard/posguard"
)

// The journal's search table (migration 0105, docs/store.md): card tail and
// amount of every transaction up to a watermark, filled in bulk off the
// sale path by IndexJournal; List by CardTail or Amount reads it for the
// rows at or below the watermark and the journal for the rows above.

var _ posguard.JournalIndexer = (*Store)(nil)

// IndexJournalSQL copies the journal rows in (?, ?] into txn_search.
const IndexJournalSQL = `INSERT INTO txn_search (txn_id, tail, fen)
	SELECT id, ` + CardTailExpr + `, amount FROM transactions WHERE id > ? AND id <= ? ORDER BY id`

// SearchGapGrace is how long IndexJournal waits for a missing journal id
// before it moves the watermark past it. On PostgreSQL ids come from a
// sequence and a row may commit after one with a higher id: a missing id
// is usually a sale still committing, copied on the next step; one that
// stays missing was given up (an insert that met an existing key, a
// rolled-back batch). Only a row that commits more than SearchGapGrace
// after a higher id would be left out of the search table.
const SearchGapGrace = 30 * time.Second

// IndexJournal implements posguard.JournalIndexer: it copies up to n (default
// 5,000, at most 100,000) journal rows above the watermark into txn_search
// and moves the watermark to the last of them, in one transaction. It stops
// before a missing id younger than SearchGapGrace (see there), so the
// watermark does not pass a row that is still to commit. The watermark row
// is locked for the transaction, so instances sharing a database take turns.
func (s *Store) IndexJournal(ctx context.Context, n int) (int, bool, error) {
	n = pageLimit(n, 5000, 100000)
	var mark, top int64
	err := s.DB.QueryRow(ctx, `SELECT (SELECT last_id FROM txn_search_mark WHERE id = 1),
		(SELECT coalesce(max(id), 0) FROM transactions)`).Scan(&mark, &top)
	if err != nil {
		return 0, false, s.DB.Err(err, "search watermark")
	}
	if top <= mark {
		return 0, false, nil
	}
	var copied int
	old := s.Now().Add(-SearchGapGrace)
	err = s.DB.InTx(ctx, "index journal", func(tx *Tx) error {
		// Locks the watermark (PostgreSQL) and reads it as it is now: an
		// instance that waited here continues where the other stopped.
		if err := tx.QueryRow(ctx, `UPDATE txn_search_mark SET last_id = last_id WHERE id = 1
			RETURNING last_id`).Scan(&mark); err != nil {
			return err
		}
		type next struct {
			id int64
			at time.Time
		}
		rows, err := queryAll(ctx, tx, "index journal", func(r Row) (x next, err error) {
			return x, r.Scan(&x.id, TimeCol(&x.at))
		}, `SELECT id, created_at FROM transactions WHERE id > ? ORDER BY id LIMIT ?`, mark, n)
		if err != nil {
			return err
		}
		upto := mark
		for _, x := range rows {
			if x.id != upto+1 && x.at.After(old) {
				break // an id before x may still commit
			}
			upto = x.id
			copied++
		}
		if copied == 0 {
			return nil
		}
		if _, err := tx.Exec(ctx, "index journal", IndexJournalSQL, mark, upto); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "move search watermark", `UPDATE txn_search_mark SET last_id = ? WHERE id = 1`, upto)
		return err
	})
	if err != nil {
		return 0, false, err
	}
	return copied, copied == n, nil
}

// SearchWatermark returns the id up to which txn_search holds the journal.
func (s *Store) SearchWatermark(ctx context.Context) (int64, error) {
	return queryOne(ctx, s.DB, "search watermark", nil, one[int64], `SELECT last_id FROM txn_search_mark WHERE id = 1`)
}

// searchSQL is List's query for a filter with CardTail or Amount: the
// matching rows above the watermark, read from the journal newest first
// (few: the step runs every second), and those at or below it, found
// through txn_search, newest first, each part cut at the page size and the
// two merged. Both parts read the watermark in the same statement, so a row
// is in exactly one of them. The journal rows are checked against the whole
// filter (TxnFilterWhere) in both parts.
func (s *Store) searchSQL(f posguard.TxnFilter) (string, []any) {
	a := s.args()
	limit := pageLimit(f.Limit, 50, 1000)
	key, val := "tail", any(f.CardTail)
	if f.CardTail == "" {
		key, val = "fen", int64(f.Amount)
	}
	recent := `SELECT ` + TxnColumns + ` FROM transactions WHERE id > (SELECT last_id FROM txn_search_mark WHERE id = 1)` +
		TxnFilterWhere(f, a) + ` ORDER BY id DESC LIMIT ` + a.Add(limit)
	indexed := `SELECT ` + TxnColumns + ` FROM txn_search JOIN transactions ON id = txn_id WHERE ` + key + ` = ` + a.Add(val) +
		a.Eq("txn_id <", max(f.After, 0)) + TxnFilterWhere(f, a) + ` ORDER BY txn_id DESC LIMIT ` + a.Add(limit)
	q := `SELECT * FROM (SELECT * FROM (` + recent + `) AS recent UNION ALL SELECT * FROM (` + indexed + `) AS indexed) AS found
		ORDER BY id DESC LIMIT ` + a.Add(limit)
	return q, a.List
}
