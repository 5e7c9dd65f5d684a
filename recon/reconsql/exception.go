package reconsql

import (
	"context"
	"database/sql"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/sqlstore"
)

const excCols = `ident, date, class, status, run_id, txn_id, payout_id, merchant_id, hold_amount, case_id, repair_txn_id, body, updated_at`

// putTx upserts exs inside tx.
func (s *Store) putTx(ctx context.Context, tx *sqlstore.Tx, exs []*posguard.ReconException) error {
	now := s.now()
	for _, e := range exs {
		e.UpdatedAt = now
		if _, err := tx.Exec(ctx, "upsert exception", `INSERT INTO recon_exceptions (`+excCols+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (ident) DO UPDATE SET status = excluded.status, run_id = excluded.run_id, txn_id = excluded.txn_id,
				payout_id = excluded.payout_id, merchant_id = excluded.merchant_id, hold_amount = excluded.hold_amount,
				case_id = excluded.case_id, repair_txn_id = excluded.repair_txn_id, body = excluded.body,
				updated_at = excluded.updated_at`,
			e.Ident, e.Date, e.Class, e.Status, e.RunID, e.TxnID, e.PayoutID, e.MerchantID,
			int64(e.HoldAmount), e.CaseID, e.RepairTxnID, string(e.Body), now.UnixNano()); err != nil {
			return err
		}
	}
	return nil
}

// PutExceptions implements posguard.ReconStore.
func (s *Store) PutExceptions(ctx context.Context, exs []*posguard.ReconException) error {
	if len(exs) == 0 {
		return nil
	}
	return s.db.InTx(ctx, "put exceptions", func(tx *sqlstore.Tx) error { return s.putTx(ctx, tx, exs) })
}

func (s *Store) queryExceptions(ctx context.Context, q string, args ...any) ([]*posguard.ReconException, error) {
	rows, err := s.db.Query(ctx, "query exceptions", q, args...)
	if err != nil {
		return nil, err
	}
	return sqlstore.Collect(s.db, rows, "scan exception", func(row sqlstore.Row) (*posguard.ReconException, error) {
		e := &posguard.ReconException{}
		var hold, updated int64
		var body string
		if err := row.Scan(&e.Ident, &e.Date, &e.Class, &e.Status, &e.RunID, &e.TxnID, &e.PayoutID, &e.MerchantID,
			&hold, &e.CaseID, &e.RepairTxnID, &body, &updated); err != nil {
			return nil, err
		}
		e.HoldAmount, e.Body = posguard.Amount(hold), []byte(body)
		e.UpdatedAt = fromNanos(updated)
		return e, nil
	})
}

// Exceptions implements posguard.ReconStore.
func (s *Store) Exceptions(ctx context.Context, f posguard.ReconFilter) ([]*posguard.ReconException, error) {
	q := `SELECT ` + excCols + ` FROM recon_exceptions WHERE 1 = 1`
	var args []any
	for _, c := range []struct{ col, v string }{{"date", f.Date}, {"class", f.Class}, {"status", f.Status}} {
		if c.v != "" {
			q += ` AND ` + c.col + ` = ?`
			args = append(args, c.v)
		}
	}
	if f.TxnID != 0 {
		q += ` AND txn_id = ?`
		args = append(args, f.TxnID)
	}
	if f.After != "" {
		q += ` AND ident > ?`
		args = append(args, f.After)
	}
	lim := f.Limit
	if lim <= 0 {
		lim = 100
	}
	if lim > 10000 {
		lim = 10000
	}
	q += ` ORDER BY ident LIMIT ?`
	args = append(args, lim)
	return s.queryExceptions(ctx, q, args...)
}

// ExceptionsByIdent implements posguard.ReconStore.
func (s *Store) ExceptionsByIdent(ctx context.Context, idents []string) (map[string]*posguard.ReconException, error) {
	out := make(map[string]*posguard.ReconException, len(idents))
	for len(idents) > 0 {
		n := min(len(idents), 500)
		args := make([]any, n)
		for i, id := range idents[:n] {
			args[i] = id
		}
		idents = idents[n:]
		exs, err := s.queryExceptions(ctx, `SELECT `+excCols+` FROM recon_exceptions WHERE ident IN (`+placeholders(n)+`)`, args...)
		if err != nil {
			return nil, err
		}
		for _, e := range exs {
			out[e.Ident] = e
		}
	}
	return out, nil
}

// MarkLate implements posguard.ReconStore.
func (s *Store) MarkLate(ctx context.Context, txnID int64, txnDate, runDate, runID string) error {
	_, err := s.db.Exec(ctx, "mark late line", `INSERT INTO recon_late (txn_id, txn_date, run_date, run_id) VALUES (?, ?, ?, ?)
		ON CONFLICT (txn_id) DO UPDATE SET run_date = excluded.run_date, run_id = excluded.run_id`, txnID, txnDate, runDate, runID)
	return err
}

// LateMatched implements posguard.ReconStore.
func (s *Store) LateMatched(ctx context.Context, txnDate string) (map[int64]string, error) {
	rows, err := s.db.Query(ctx, "read late lines", `SELECT txn_id, run_date FROM recon_late WHERE txn_date = ?`, txnDate)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var d string
		if err := rows.Scan(&id, &d); err != nil {
			return nil, s.db.Err(err, "scan late line")
		}
		out[id] = d
	}
	return out, s.db.Err(rows.Err(), "read late lines")
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// LedgerNet implements posguard.ReconStore.
func (s *Store) LedgerNet(ctx context.Context, date string) (posguard.Amount, bool, error) {
	var n int64
	var sum sql.NullInt64
	err := s.db.QueryRow(ctx, `SELECT COUNT(*), SUM(e.amount) FROM ledger_entries e
		JOIN ledger_postings p ON p.seq = e.seq
		WHERE e.account = 'network_receivable' AND e.date = ? AND p.kind IN ('approval', 'void', 'refund', 'reversal')`, date).Scan(&n, &sum)
	if err != nil {
		return 0, false, s.db.Err(err, "ledger net")
	}
	return posguard.Amount(sum.Int64), n > 0, nil
}
