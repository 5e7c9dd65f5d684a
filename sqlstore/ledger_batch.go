package sqlstore

import (
	"context"
	"strconv"

	"github.com/posguard/posguard"
)

// unsettled is the condition selecting item postings in no batch and not
// under review (no settlement row, or one released from review).
const unsettled = `p.item = 1 AND NOT EXISTS (SELECT 1 FROM settlement_items i WHERE i.seq = p.seq AND i.state <> 'released')`

// unheld selects item postings that were never held nor settled.
const unheld = `p.item = 1 AND NOT EXISTS (SELECT 1 FROM settlement_items i WHERE i.seq = p.seq)`

// takeReleased lets a batch take an item released from review.
const takeReleased = ` ON CONFLICT (seq) DO UPDATE SET state = 'batch', batch_id = excluded.batch_id, reason = ''
	WHERE settlement_items.state = 'released'`

// UnsettledTotals implements posguard.SettlementStore.
func (s *Money) UnsettledTotals(ctx context.Context, date string, maxSeq int64) ([]posguard.MerchantTotal, error) {
	return unsettledTotals(ctx, s.DB, date, maxSeq)
}

// unsettledTotals is UnsettledTotals read through q (a settlement run's
// transaction).
func unsettledTotals(ctx context.Context, q Reader, date string, maxSeq int64) ([]posguard.MerchantTotal, error) {
	return queryAll(ctx, q, "unsettled totals", func(r Row) (t posguard.MerchantTotal, err error) {
		err = r.Scan(&t.MerchantID, &t.Count, &t.Net)
		return t, err
	}, `SELECT p.merchant_id, COUNT(*), SUM(p.net) FROM ledger_postings p
		WHERE `+unsettled+` AND p.date <= ? AND p.seq <= ? GROUP BY p.merchant_id ORDER BY p.merchant_id`, date, maxSeq)
}

// UnsettledItems implements posguard.SettlementStore.
func (s *Money) UnsettledItems(ctx context.Context, merchantID, date string) ([]*posguard.Posting, error) {
	return s.queryPostings(ctx, `SELECT `+postingCols+` FROM ledger_postings p WHERE `+unsettled+`
		AND p.merchant_id = ? AND p.date <= ? ORDER BY p.seq`, merchantID, date)
}

// CreateBatch implements posguard.SettlementStore. The items found are
// counted and summed before they are assigned, and the assignment must
// change exactly that many rows (a concurrent writer that took one makes it
// ECONFLICT); settlement_items has no batch_id index to sum them after.
func (s *Money) CreateBatch(ctx context.Context, b *posguard.Batch, ps []*posguard.Posting, p *posguard.Payout) error {
	if b.CreatedAt.IsZero() {
		b.CreatedAt = s.NowUTC()
	}
	return s.DB.InTx(ctx, "create batch", func(tx *Tx) error {
		if _, _, err := s.head(ctx, tx, s.DB.D.ForUpdate); err != nil {
			return err
		}
		if err := batchTable.add(ctx, tx, s.Store, b, ""); err != nil {
			return err
		}
		from := ` FROM ledger_postings p WHERE ` + unsettled + ` AND p.merchant_id = ?`
		assign := `INSERT INTO settlement_items (seq, txn_id, orig_id, merchant_id, state, batch_id, reason)
			SELECT p.seq, p.txn_id, p.orig_id, p.merchant_id, 'batch', ?, ''`
		// The items: all unsettled up to the batch's date and head, or those
		// listed, one by one.
		conds, args := []string{` AND p.date <= ? AND p.seq <= ?`}, [][]any{{b.MerchantID, b.Date, b.MaxSeq}}
		if b.Items != nil {
			conds, args = nil, nil
			for _, seq := range b.Items {
				conds, args = append(conds, ` AND p.seq = ?`), append(args, []any{b.MerchantID, seq})
			}
		}
		var count, changed, net int64
		for i, cond := range conds {
			var c, v int64
			if err := tx.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(p.net), 0)`+from+cond, args[i]...).Scan(&c, &v); err != nil {
				return s.DB.Err(err, "sum batch items")
			}
			n, err := tx.Exec(ctx, "assign items", assign+from+cond+takeReleased, append([]any{b.ID}, args[i]...)...)
			if err != nil {
				return err
			}
			count, net, changed = count+c, net+v, changed+n
		}
		if count != int64(b.Count) || changed != count || posguard.Amount(net) != b.Net {
			return posguard.Errorf(posguard.ECONFLICT, "batch %s: found %d items for %s, want %d for %s",
				b.ID, changed, posguard.Amount(net), b.Count, b.Net)
		}
		if _, err := s.appendTx(ctx, tx, ps, true); err != nil {
			return err
		}
		if p != nil {
			return s.insertPayout(ctx, tx, p)
		}
		return nil
	})
}

// batchTable is settlement_batches.
var batchTable = newTable("settlement_batches", "", `id, kind, merchant_id, date, max_seq, count, net, fee, payout, payout_id, created_at`,
	func(b *posguard.Batch) []any {
		return []any{&b.ID, &b.Kind, &b.MerchantID, &b.Date, &b.MaxSeq, &b.Count, &b.Net, &b.Fee, &b.Payout, &b.PayoutID, &b.CreatedAt}
	})

// Batch implements posguard.SettlementStore.
func (s *Money) Batch(ctx context.Context, id string) (*posguard.Batch, error) {
	return batchTable.get(ctx, s.DB, "query batch", func() error { return NotFound("settlement batch", strconv.Quote(id)) }, ` WHERE id = ?`, id)
}

// Batches implements posguard.SettlementStore.
func (s *Money) Batches(ctx context.Context, merchantID, from, to string) ([]*posguard.Batch, error) {
	a := Args{}
	where := ` WHERE 1 = 1` + a.Eq("merchant_id", merchantID, "date >=", from, "date <=", to)
	return batchTable.list(ctx, s.DB, "query batches", where+` ORDER BY date DESC, created_at DESC, id DESC`, a.List...)
}

// HoldForReview implements posguard.SettlementStore.
func (s *Money) HoldForReview(ctx context.Context, date string, threshold posguard.Amount, reason string) (int, error) {
	return inTx(ctx, s.DB, "hold for review", func(tx *Tx) (int, error) { return s.holdForReviewTx(ctx, tx, date, threshold, reason) })
}

// HoldTxnsForReview implements posguard.SettlementStore.
func (s *Money) HoldTxnsForReview(ctx context.Context, ids []int64, reason string) (int, error) {
	return inTx(ctx, s.DB, "hold transactions for review", func(tx *Tx) (int, error) { return s.holdTxnsTx(ctx, tx, ids, reason) })
}

// ReleaseReview implements posguard.SettlementStore.
func (s *Money) ReleaseReview(ctx context.Context, txnID int64) error {
	n, err := s.DB.Exec(ctx, "release review", `UPDATE settlement_items SET state = 'released'
		WHERE state <> 'batch' AND state = 'review' AND (txn_id = ? OR orig_id = ?)`, txnID, txnID)
	return changed(n, err, func() error {
		return posguard.Errorf(posguard.ENOTFOUND, "transaction %d has nothing under review", txnID)
	})
}

// ItemsForTxn implements posguard.SettlementStore.
func (s *Money) ItemsForTxn(ctx context.Context, id int64) ([]posguard.SettlementItem, error) {
	// By the postings' own indexes: rows in a batch are not indexed by
	// transaction (migration 0070).
	return queryAll(ctx, s.DB, "items for txn", func(r Row) (it posguard.SettlementItem, err error) {
		err = r.Scan(&it.Seq, &it.TxnID, &it.State, &it.BatchID, &it.Reason)
		return it, err
	}, `SELECT i.seq, i.txn_id, i.state, i.batch_id, i.reason FROM ledger_postings p
		JOIN settlement_items i ON i.seq = p.seq WHERE p.txn_id = ? OR p.orig_id = ? ORDER BY i.seq`, id, id)
}

// DailyD0 implements posguard.SettlementStore.
func (s *Money) DailyD0(ctx context.Context, merchantID, date string) (posguard.Amount, error) {
	return queryOne(ctx, s.DB, "daily d0", nil, one[posguard.Amount], `SELECT COALESCE(SUM(net), 0) FROM settlement_batches
		WHERE merchant_id = ? AND date = ? AND kind = 'd0'`, merchantID, date)
}
