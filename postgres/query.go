package postgres

import (
	"context"
	"strings"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/sqlstore"
)

// List returns transactions matching f, newest (highest ID) first: only IDs
// below f.After when set, at most f.Limit (default 50, max 1000).
func (s *Store) List(ctx context.Context, f posguard.TxnFilter) ([]*posguard.Transaction, error) {
	a := sqlstore.Args{Dollar: true}
	where := sqlstore.TxnFilterWhere(f, &a, func(t time.Time) any { return t })
	q := `SELECT ` + sqlstore.TxnColumns + ` FROM transactions`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY id DESC LIMIT ` + a.Add(sqlstore.ClampLimit(f.Limit))
	rows, err := s.pool.Query(ctx, q, a.List...)
	if err != nil {
		return nil, dbError(err, "list")
	}
	return collect(rows, "list", scanTxn)
}

// BatchTotals sums a terminal batch for settlement (field 48):
//
//   - debits are sales and completions in state approved, voided,
//     partially_refunded or refunded (a voided or refunded sale still counts;
//     its void or refund counts as a credit);
//   - credits are voids, refunds and completion voids in those same states,
//     i.e. approved by the network and not reversed;
//   - anything reversed, declined, rejected, timed out, forwarded or pending
//     reversal counts nowhere;
//   - a card is domestic when CardOrg is "" or "CUP", foreign otherwise.
func (s *Store) BatchTotals(ctx context.Context, terminalID, batch string) (posguard.BatchTotals, error) {
	var bt posguard.BatchTotals
	rows, err := s.pool.Query(ctx, `
		SELECT card_org IN ('', 'CUP') AS domestic,
		       type IN ('sale', 'completion') AS debit,
		       coalesce(sum(amount), 0)::bigint, count(*)
		FROM transactions
		WHERE terminal_id = $1 AND batch = $2
		  AND type IN ('sale', 'completion', 'void', 'refund', 'completion_void')
		  AND state IN ('approved', 'voided', 'partially_refunded', 'refunded')
		GROUP BY 1, 2`, terminalID, batch)
	if err != nil {
		return bt, dbError(err, "batch totals")
	}
	defer rows.Close()
	for rows.Next() {
		var domestic, debit bool
		var sum, n int64
		if err := rows.Scan(&domestic, &debit, &sum, &n); err != nil {
			return bt, dbError(err, "batch totals")
		}
		switch {
		case domestic && debit:
			bt.DomesticDebitAmount, bt.DomesticDebitCount = posguard.Amount(sum), int(n)
		case domestic:
			bt.DomesticCreditAmount, bt.DomesticCreditCount = posguard.Amount(sum), int(n)
		case debit:
			bt.ForeignDebitAmount, bt.ForeignDebitCount = posguard.Amount(sum), int(n)
		default:
			bt.ForeignCreditAmount, bt.ForeignCreditCount = posguard.Amount(sum), int(n)
		}
	}
	if err := rows.Err(); err != nil {
		return bt, dbError(err, "batch totals")
	}
	return bt, nil
}

// DailyUsage returns the amount and count of a merchant's sales and
// completions on settlement date date that hold or may hold money: states
// forwarded (in flight), approved, partially_refunded and refunded (a refund
// does not give back daily limit). Voided, reversed, timed-out (on their way
// to reversal), declined, rejected and still-received ones are not counted.
func (s *Store) DailyUsage(ctx context.Context, merchantID, date string) (posguard.Amount, int, error) {
	var sum, n int64
	err := s.pool.QueryRow(ctx, `
		SELECT coalesce(sum(amount), 0)::bigint, count(*) FROM transactions
		WHERE merchant_id = $1 AND settlement_date = $2
		  AND type IN ('sale', 'completion')
		  AND state IN ('forwarded', 'approved', 'partially_refunded', 'refunded')`,
		merchantID, date).Scan(&sum, &n)
	if err != nil {
		return 0, 0, dbError(err, "daily usage")
	}
	return posguard.Amount(sum), int(n), nil
}

// Unresolved returns transactions left forwarded without an outcome (crash
// recovery), oldest first, at most limit (default 50, max 1000).
func (s *Store) Unresolved(ctx context.Context, limit int) ([]*posguard.Transaction, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+sqlstore.TxnColumns+` FROM transactions
		WHERE state = $1 AND `+sqlstore.OpenStatesCond+` ORDER BY id LIMIT $2`, string(posguard.StateForwarded), sqlstore.ClampLimit(limit))
	if err != nil {
		return nil, dbError(err, "unresolved")
	}
	return collect(rows, "unresolved", scanTxn)
}

// MaxID returns the highest transaction ID, 0 for an empty journal.
func (s *Store) MaxID(ctx context.Context) (int64, error) {
	var id int64
	if err := s.pool.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM transactions`).Scan(&id); err != nil {
		return 0, dbError(err, "max id")
	}
	return id, nil
}
