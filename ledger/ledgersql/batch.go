package ledgersql

import (
	"context"
	"database/sql"

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
func (s *Store) UnsettledTotals(ctx context.Context, date string, maxSeq int64) ([]posguard.MerchantTotal, error) {
	rows, err := s.read.QueryContext(ctx, s.q(`SELECT p.merchant_id, COUNT(*), SUM(p.net) FROM ledger_postings p
		WHERE `+unsettled+` AND p.date <= ? AND p.seq <= ? GROUP BY p.merchant_id ORDER BY p.merchant_id`), date, maxSeq)
	if err != nil {
		return nil, s.err(err, "unsettled totals")
	}
	defer rows.Close()
	var out []posguard.MerchantTotal
	for rows.Next() {
		var t posguard.MerchantTotal
		var net int64
		if err := rows.Scan(&t.MerchantID, &t.Count, &net); err != nil {
			return nil, s.err(err, "scan unsettled total")
		}
		t.Net = posguard.Amount(net)
		out = append(out, t)
	}
	return out, s.err(rows.Err(), "read unsettled totals")
}

// UnsettledItems implements posguard.SettlementStore.
func (s *Store) UnsettledItems(ctx context.Context, merchantID, date string) ([]*posguard.Posting, error) {
	return s.queryPostings(ctx, `SELECT `+postingCols+` FROM ledger_postings p WHERE `+unsettled+`
		AND p.merchant_id = ? AND p.date <= ? ORDER BY p.seq`, merchantID, date)
}

// CreateBatch implements posguard.SettlementStore.
func (s *Store) CreateBatch(ctx context.Context, b *posguard.Batch, ps []*posguard.Posting, p *posguard.Payout) error {
	if b.CreatedAt.IsZero() {
		b.CreatedAt = s.now()
	}
	return s.inTx(ctx, "create batch", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO settlement_batches (id, kind, merchant_id, date, max_seq,
			count, net, fee, payout, payout_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			b.ID, string(b.Kind), b.MerchantID, b.Date, b.MaxSeq, b.Count, int64(b.Net), int64(b.Fee),
			int64(b.Payout), b.PayoutID, nanos(b.CreatedAt)); err != nil {
			return s.err(err, "insert batch "+b.ID)
		}
		assign := `INSERT INTO settlement_items (seq, txn_id, orig_id, merchant_id, state, batch_id, reason)
			SELECT p.seq, p.txn_id, p.orig_id, p.merchant_id, 'batch', ?, '' FROM ledger_postings p
			WHERE ` + unsettled + ` AND p.merchant_id = ?`
		if b.Items == nil {
			if _, err := tx.ExecContext(ctx, s.q(assign+` AND p.date <= ? AND p.seq <= ?`+takeReleased), b.ID, b.MerchantID, b.Date, b.MaxSeq); err != nil {
				return s.err(err, "assign items")
			}
		} else {
			for _, seq := range b.Items {
				if _, err := tx.ExecContext(ctx, s.q(assign+` AND p.seq = ?`+takeReleased), b.ID, b.MerchantID, seq); err != nil {
					return s.err(err, "assign item")
				}
			}
		}
		var count int
		var net int64
		if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*), COALESCE(SUM(p.net), 0) FROM settlement_items i
			JOIN ledger_postings p ON p.seq = i.seq WHERE i.batch_id = ?`), b.ID).Scan(&count, &net); err != nil {
			return s.err(err, "sum batch")
		}
		if count != b.Count || posguard.Amount(net) != b.Net {
			return posguard.Errorf(posguard.ECONFLICT, "batch %s: found %d items for %s, want %d for %s",
				b.ID, count, posguard.Amount(net), b.Count, b.Net)
		}
		if _, err := s.appendTx(ctx, tx, ps); err != nil {
			return err
		}
		if p != nil {
			return s.insertPayout(ctx, tx, p)
		}
		return nil
	})
}

const batchCols = `id, kind, merchant_id, date, max_seq, count, net, fee, payout, payout_id, created_at`

// Batch implements posguard.SettlementStore.
func (s *Store) Batch(ctx context.Context, id string) (*posguard.Batch, error) {
	bs, err := s.queryBatches(ctx, `SELECT `+batchCols+` FROM settlement_batches WHERE id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(bs) == 0 {
		return nil, posguard.Errorf(posguard.ENOTFOUND, "settlement batch %q not found", id)
	}
	return bs[0], nil
}

// Batches implements posguard.SettlementStore.
func (s *Store) Batches(ctx context.Context, merchantID, from, to string) ([]*posguard.Batch, error) {
	q := `SELECT ` + batchCols + ` FROM settlement_batches WHERE 1 = 1`
	var args []any
	if merchantID != "" {
		q += ` AND merchant_id = ?`
		args = append(args, merchantID)
	}
	if from != "" {
		q += ` AND date >= ?`
		args = append(args, from)
	}
	if to != "" {
		q += ` AND date <= ?`
		args = append(args, to)
	}
	return s.queryBatches(ctx, q+` ORDER BY date DESC, created_at DESC, id DESC`, args...)
}

func (s *Store) queryBatches(ctx context.Context, q string, args ...any) ([]*posguard.Batch, error) {
	rows, err := s.read.QueryContext(ctx, s.q(q), args...)
	if err != nil {
		return nil, s.err(err, "query batches")
	}
	defer rows.Close()
	var out []*posguard.Batch
	for rows.Next() {
		b := &posguard.Batch{}
		var kind string
		var net, fee, pay, at int64
		if err := rows.Scan(&b.ID, &kind, &b.MerchantID, &b.Date, &b.MaxSeq, &b.Count, &net, &fee, &pay, &b.PayoutID, &at); err != nil {
			return nil, s.err(err, "scan batch")
		}
		b.Kind, b.Net, b.Fee, b.Payout, b.CreatedAt = posguard.BatchKind(kind), posguard.Amount(net), posguard.Amount(fee), posguard.Amount(pay), fromNanos(at)
		out = append(out, b)
	}
	return out, s.err(rows.Err(), "read batches")
}

// HoldForReview implements posguard.SettlementStore.
func (s *Store) HoldForReview(ctx context.Context, date string, threshold posguard.Amount, reason string) (int, error) {
	var n int64
	err := s.inTx(ctx, "hold for review", func(tx *sql.Tx) error {
		ins := `INSERT INTO settlement_items (seq, txn_id, orig_id, merchant_id, state, batch_id, reason)
			SELECT p.seq, p.txn_id, p.orig_id, p.merchant_id, 'review', '', ? FROM ledger_postings p WHERE ` + unheld
		r, err := tx.ExecContext(ctx, s.q(ins+` AND p.date <= ? AND p.kind = 'approval' AND p.gross >= ?`), reason, date, int64(threshold))
		if err != nil {
			return err
		}
		n1, _ := r.RowsAffected()
		r, err = tx.ExecContext(ctx, s.q(ins+` AND (p.txn_id IN (SELECT txn_id FROM settlement_items WHERE state = 'review')
			OR p.orig_id IN (SELECT txn_id FROM settlement_items WHERE state = 'review'))`), reason)
		if err != nil {
			return err
		}
		n2, _ := r.RowsAffected()
		n = n1 + n2
		return nil
	})
	return int(n), err
}

// HoldTxnsForReview implements posguard.SettlementStore.
func (s *Store) HoldTxnsForReview(ctx context.Context, ids []int64, reason string) (int, error) {
	var n int64
	err := s.inTx(ctx, "hold transactions for review", func(tx *sql.Tx) error {
		for _, id := range ids {
			r, err := tx.ExecContext(ctx, s.q(`INSERT INTO settlement_items (seq, txn_id, orig_id, merchant_id, state, batch_id, reason)
				SELECT p.seq, p.txn_id, p.orig_id, p.merchant_id, 'review', '', ? FROM ledger_postings p WHERE `+unheld+`
				AND (p.txn_id = ? OR p.orig_id = ?)`), reason, id, id)
			if err != nil {
				return err
			}
			k, _ := r.RowsAffected()
			n += k
		}
		return nil
	})
	return int(n), err
}

// ReleaseReview implements posguard.SettlementStore.
func (s *Store) ReleaseReview(ctx context.Context, txnID int64) error {
	r, err := s.write.ExecContext(ctx, s.q(`UPDATE settlement_items SET state = 'released'
		WHERE state = 'review' AND (txn_id = ? OR orig_id = ?)`), txnID, txnID)
	if err != nil {
		return s.err(err, "release review")
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return posguard.Errorf(posguard.ENOTFOUND, "transaction %d has nothing under review", txnID)
	}
	return nil
}

// ItemsForTxn implements posguard.SettlementStore.
func (s *Store) ItemsForTxn(ctx context.Context, id int64) ([]posguard.SettlementItem, error) {
	rows, err := s.read.QueryContext(ctx, s.q(`SELECT seq, txn_id, state, batch_id, reason FROM settlement_items
		WHERE txn_id = ? OR orig_id = ? ORDER BY seq`), id, id)
	if err != nil {
		return nil, s.err(err, "items for txn")
	}
	defer rows.Close()
	var out []posguard.SettlementItem
	for rows.Next() {
		var it posguard.SettlementItem
		var st string
		if err := rows.Scan(&it.Seq, &it.TxnID, &st, &it.BatchID, &it.Reason); err != nil {
			return nil, s.err(err, "scan item")
		}
		it.State = posguard.ItemState(st)
		out = append(out, it)
	}
	return out, s.err(rows.Err(), "read items")
}

// DailyD0 implements posguard.SettlementStore.
func (s *Store) DailyD0(ctx context.Context, merchantID, date string) (posguard.Amount, error) {
	var v int64
	err := s.read.QueryRowContext(ctx, s.q(`SELECT COALESCE(SUM(net), 0) FROM settlement_batches
		WHERE merchant_id = ? AND date = ? AND kind = 'd0'`), merchantID, date).Scan(&v)
	return posguard.Amount(v), s.err(err, "daily d0")
}
