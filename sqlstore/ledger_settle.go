package sqlstore

import (
	"context"
	"strconv"
	"time"

	"github.com/posguard/posguard"
)

// SettleT1 implements posguard.SettlementStore. One store transaction, in
// this order:
//
//  1. the ledger head is locked (PostgreSQL: FOR UPDATE, so appends and
//     other runs wait; SQLite has one writer) and bounds the run;
//  2. the review holds (threshold, then risk transactions), as
//     HoldForReview and HoldTxnsForReview do;
//  3. one GROUP BY gives every merchant's unsettled count and net (read
//     from the covering index ledger_postings_items);
//  4. a batch row per merchant with a positive net, all with the run's
//     time as created_at, which names them in the statements that follow;
//  5. items released from review are moved into their merchant's batch
//     (UPDATE), then every other unsettled item is assigned with one
//     INSERT … SELECT per batch number (normally one: "-1"); the rows
//     changed must equal the batches' counts, else ECONFLICT;
//  6. the settlement postings (hash-chained as AppendPostings does) and the
//     payouts.
func (s *Money) SettleT1(ctx context.Context, run posguard.T1Run) (posguard.T1Result, error) {
	var res posguard.T1Result
	if _, err := time.Parse("2006-01-02", run.Date); err != nil {
		return res, posguard.Errorf(posguard.EINVALID, "settlement date %q: want YYYY-MM-DD", run.Date)
	}
	// PostgreSQL keeps microseconds: the run's time must compare equal
	// after the round trip.
	at := s.NowUTC().Truncate(time.Microsecond)
	err := s.DB.InTx(ctx, "settle "+run.Date, func(tx *Tx) error {
		res = posguard.T1Result{}
		head, _, err := s.head(ctx, tx, s.DB.D.ForUpdate)
		if err != nil {
			return err
		}
		if run.ReviewThreshold > 0 {
			n, err := s.holdForReviewTx(ctx, tx, run.Date, run.ReviewThreshold, run.ReviewReason)
			if err != nil {
				return err
			}
			res.Held += n
		}
		if len(run.RiskTxns) > 0 {
			n, err := s.holdTxnsTx(ctx, tx, run.RiskTxns, run.RiskReason)
			if err != nil {
				return err
			}
			res.Held += n
		}
		existing, err := s.t1Counts(ctx, tx, run.Date)
		if err != nil {
			return err
		}
		for _, n := range existing {
			res.Existing += n
		}
		totals, err := unsettledTotals(ctx, tx, run.Date, head)
		if err != nil {
			return err
		}
		var carried []string
		for _, t := range totals {
			if t.Net <= 0 {
				res.Carried++
				if existing[t.MerchantID] == 0 {
					carried = append(carried, t.MerchantID)
				}
				continue
			}
			n := existing[t.MerchantID] + 1
			id := t1Prefix(run.Date) + t.MerchantID + t1Suffix(n)
			b := &posguard.Batch{ID: id, Kind: posguard.BatchT1, MerchantID: t.MerchantID, Date: run.Date, MaxSeq: head,
				Count: t.Count, Net: t.Net, Payout: t.Net, PayoutID: "PO-" + id, CreatedAt: at}
			if err := batchTable.add(ctx, tx, s.Store, b, ""); err != nil {
				return err
			}
			res.Batches = append(res.Batches, b)
		}
		if err := s.assignT1(ctx, tx, run.Date, head, at, res.Batches, carried); err != nil {
			return err
		}
		var ps []*posguard.Posting
		for _, b := range res.Batches {
			if run.Postings != nil {
				ps = append(ps, run.Postings(b)...)
			}
		}
		if _, err := s.appendTx(ctx, tx, ps, true); err != nil {
			return err
		}
		for _, b := range res.Batches {
			if run.Payout == nil {
				continue
			}
			p, err := run.Payout(ctx, b)
			if err != nil {
				return err
			}
			if p == nil {
				continue
			}
			if err := s.insertPayout(ctx, tx, p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return posguard.T1Result{}, err
	}
	return res, nil
}

// t1Prefix and t1Suffix build a T+1 batch ID around the merchant ID.
func t1Prefix(date string) string { return "T1-" + date + "-" }
func t1Suffix(n int) string       { return "-" + strconv.Itoa(n) }

// t1Counts counts each merchant's T+1 batches of date.
func (s *Money) t1Counts(ctx context.Context, tx *Tx, date string) (map[string]int, error) {
	return queryMap[string, int](ctx, tx, "count batches",
		`SELECT merchant_id, COUNT(*) FROM settlement_batches WHERE date = ? AND kind = 't1' GROUP BY merchant_id`, date)
}

// assignT1 assigns their items to the run's batches bs (created at at):
// every unsettled item of their merchants dated on or before date with seq
// at or below head. In order:
//
//  1. items released from review move into their merchant's batch (UPDATE,
//     one per batch number, normally only "-1");
//  2. one INSERT … SELECT reads the postings in seq order and gives every
//     item of a merchant without an earlier T+1 batch of the date the ID
//     "T1-DATE-MID-1" (ON CONFLICT DO NOTHING skips items that already have
//     a settlement row: settled, held or released);
//  3. that took the items of merchants carried forward (net not positive)
//     too: they are deleted again, merchant by merchant (few, usually none);
//  4. merchants with an earlier batch of the date (a supplementary run)
//     are assigned one by one, through the merchant index.
//
// The rows changed must be the batches' item count, else ECONFLICT.
func (s *Money) assignT1(ctx context.Context, tx *Tx, date string, head int64, at time.Time, bs []*posguard.Batch, carried []string) error {
	if len(bs) == 0 {
		return nil
	}
	prefix := t1Prefix(date)
	want := 0
	numbers := map[string]bool{}
	var later []*posguard.Batch
	for _, b := range bs {
		want += b.Count
		suffix := b.ID[len(prefix)+len(b.MerchantID):]
		numbers[suffix] = true
		if suffix != t1Suffix(1) {
			later = append(later, b)
		}
	}
	var changed int64
	for suffix := range numbers {
		n, err := tx.Exec(ctx, "assign released items", `UPDATE settlement_items SET state = 'batch', batch_id = ? || merchant_id || ?, reason = ''
			WHERE state <> 'batch' AND state = 'released'
			AND merchant_id IN (SELECT b.merchant_id FROM settlement_batches b WHERE b.kind = 't1' AND b.date = ?
				AND b.created_at = ? AND b.id = ? || b.merchant_id || ?)
			AND EXISTS (SELECT 1 FROM ledger_postings p WHERE p.seq = settlement_items.seq AND p.date <= ? AND p.seq <= ?)`,
			prefix, suffix, date, s.T(at), prefix, suffix, date, head)
		if err != nil {
			return err
		}
		changed += n
	}
	insert := `INSERT INTO settlement_items (seq, txn_id, orig_id, merchant_id, state, batch_id, reason)
		SELECT p.seq, p.txn_id, p.orig_id, p.merchant_id, 'batch', ? || p.merchant_id || ?, '' FROM ledger_postings p
		WHERE ` + s.DB.D.Unindexed + `p.item = 1 AND p.seq <= ? AND p.date <= ?`
	if len(later) < len(bs) {
		n, err := tx.Exec(ctx, "assign items", insert+` AND p.merchant_id NOT IN (SELECT b.merchant_id FROM settlement_batches b
			WHERE b.kind = 't1' AND b.date = ? AND b.created_at <> ?) ON CONFLICT (seq) DO NOTHING`,
			prefix, t1Suffix(1), head, date, date, s.T(at))
		if err != nil {
			return err
		}
		changed += n
		for _, mid := range carried {
			n, err := tx.Exec(ctx, "carry forward", `DELETE FROM settlement_items WHERE batch_id = ? AND seq IN
				(SELECT p.seq FROM ledger_postings p WHERE p.item = 1 AND p.merchant_id = ? AND p.date <= ? AND p.seq <= ?)`,
				prefix+mid+t1Suffix(1), mid, date, head)
			if err != nil {
				return err
			}
			changed -= n
		}
	}
	for _, b := range later {
		n, err := tx.Exec(ctx, "assign items of "+b.ID, `INSERT INTO settlement_items (seq, txn_id, orig_id, merchant_id, state, batch_id, reason)
			SELECT p.seq, p.txn_id, p.orig_id, p.merchant_id, 'batch', ?, '' FROM ledger_postings p
			WHERE p.item = 1 AND p.merchant_id = ? AND p.date <= ? AND p.seq <= ? ON CONFLICT (seq) DO NOTHING`,
			b.ID, b.MerchantID, date, head)
		if err != nil {
			return err
		}
		changed += n
	}
	if int(changed) != want {
		return posguard.Errorf(posguard.ECONFLICT, "settlement %s: assigned %d items, the batches count %d (a concurrent writer took some)",
			date, changed, want)
	}
	return nil
}

// holdForReviewTx is HoldForReview inside tx.
func (s *Money) holdForReviewTx(ctx context.Context, tx *Tx, date string, threshold posguard.Amount, reason string) (int, error) {
	ins := `INSERT INTO settlement_items (seq, txn_id, orig_id, merchant_id, state, batch_id, reason)
		SELECT p.seq, p.txn_id, p.orig_id, p.merchant_id, 'review', '', ? FROM ledger_postings p WHERE ` + unheld
	n1, err := tx.Exec(ctx, "hold for review", ins+` AND p.date <= ? AND p.kind = 'approval' AND p.gross >= ?`, reason, date, int64(threshold))
	if err != nil {
		return 0, err
	}
	n2, err := tx.Exec(ctx, "hold referring items", ins+` AND (p.txn_id IN (SELECT txn_id FROM settlement_items WHERE state <> 'batch' AND state = 'review')
		OR p.orig_id IN (SELECT txn_id FROM settlement_items WHERE state <> 'batch' AND state = 'review'))`, reason)
	return int(n1 + n2), err
}

// holdTxnsTx is HoldTxnsForReview inside tx.
func (s *Money) holdTxnsTx(ctx context.Context, tx *Tx, ids []int64, reason string) (int, error) {
	var n int64
	for _, id := range ids {
		k, err := tx.Exec(ctx, "hold transaction", `INSERT INTO settlement_items (seq, txn_id, orig_id, merchant_id, state, batch_id, reason)
			SELECT p.seq, p.txn_id, p.orig_id, p.merchant_id, 'review', '', ? FROM ledger_postings p WHERE `+unheld+`
			AND (p.txn_id = ? OR p.orig_id = ?)`, reason, id, id)
		if err != nil {
			return 0, err
		}
		n += k
	}
	return int(n), nil
}

// head reads the ledger head through q; inside a transaction with lock the
// dialect's ForUpdate, it takes the head for the rest of the transaction
// (PostgreSQL: FOR UPDATE), so settlement writers and appends take turns.
func (s *Money) head(ctx context.Context, q Reader, lock string) (seq int64, hash string, err error) {
	err = q.QueryRow(ctx, `SELECT seq, hash FROM ledger_head WHERE id = 1`+lock).Scan(&seq, &hash)
	return seq, hash, found(s.DB, err, "ledger head", func() error { return posguard.Errorf(posguard.EINTERNAL, "ledger head missing") })
}
