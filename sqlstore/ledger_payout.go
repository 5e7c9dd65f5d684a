package sqlstore

import (
	"context"
	"errors"
	"time"

	"github.com/posguard/posguard"
)

const payoutCols = `id, batch_id, merchant_id, amount, account_bank, account_number, account_name, account_status,
	state, reason, bank_ref, attempts, resettled_by, resettles, case_id, created_at, updated_at, paid_at`

// insertPayout writes a new payout inside tx.
func (s *Money) insertPayout(ctx context.Context, tx Querier, p *posguard.Payout) error {
	now := s.NowUTC()
	if p.State == "" {
		p.State = posguard.PayoutQueued
	}
	p.CreatedAt, p.UpdatedAt = now, now
	_, err := tx.Exec(ctx, s.DB.Q(`INSERT INTO payouts (`+payoutCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		p.ID, p.BatchID, p.MerchantID, int64(p.Amount), p.Account.Bank, p.Account.Number, p.Account.Name,
		p.Account.Status, string(p.State), p.Reason, p.BankRef, p.Attempts, p.ResettledBy, p.Resettles, p.CaseID,
		s.T(now), s.T(now), s.T(p.PaidAt))
	return s.DB.Err(err, "insert payout "+p.ID)
}

// Payout implements posguard.PayoutStore.
func (s *Money) Payout(ctx context.Context, id string) (*posguard.Payout, error) {
	ps, err := s.queryPayouts(ctx, `SELECT `+payoutCols+` FROM payouts WHERE id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, posguard.Errorf(posguard.ENOTFOUND, "payout %q not found", id)
	}
	return ps[0], nil
}

// Payouts implements posguard.PayoutStore.
func (s *Money) Payouts(ctx context.Context, f posguard.PayoutFilter) ([]*posguard.Payout, error) {
	q := `SELECT ` + payoutCols + ` FROM payouts WHERE 1 = 1`
	var args []any
	if f.MerchantID != "" {
		q += ` AND merchant_id = ?`
		args = append(args, f.MerchantID)
	}
	if f.BatchID != "" {
		q += ` AND batch_id = ?`
		args = append(args, f.BatchID)
	}
	if len(f.States) > 0 {
		q += ` AND state IN (`
		for i, st := range f.States {
			if i > 0 {
				q += `, `
			}
			q += `?`
			args = append(args, string(st))
		}
		q += `)`
	}
	q += ` ORDER BY created_at, id LIMIT ?`
	args = append(args, limit(f.Limit, 100, 10000))
	return s.queryPayouts(ctx, q, args...)
}

func (s *Money) queryPayouts(ctx context.Context, q string, args ...any) ([]*posguard.Payout, error) {
	rows, err := s.DB.Read.Query(ctx, s.DB.Q(q), args...)
	if err != nil {
		return nil, s.DB.Err(err, "query payouts")
	}
	defer rows.Close()
	var out []*posguard.Payout
	for rows.Next() {
		p := &posguard.Payout{}
		var amt int64
		var st string
		if err := rows.Scan(&p.ID, &p.BatchID, &p.MerchantID, &amt, &p.Account.Bank, &p.Account.Number, &p.Account.Name,
			&p.Account.Status, &st, &p.Reason, &p.BankRef, &p.Attempts, &p.ResettledBy, &p.Resettles, &p.CaseID,
			TimeCol(&p.CreatedAt), TimeCol(&p.UpdatedAt), TimeCol(&p.PaidAt)); err != nil {
			return nil, s.DB.Err(err, "scan payout")
		}
		p.Amount, p.State = posguard.Amount(amt), posguard.PayoutState(st)
		out = append(out, p)
	}
	return out, s.DB.Err(rows.Err(), "read payouts")
}

// payoutState reads a payout's state inside tx (ENOTFOUND if unknown).
func (s *Money) payoutState(ctx context.Context, tx Querier, id string) (posguard.PayoutState, string, error) {
	var st, by string
	err := tx.QueryRow(ctx, s.DB.Q(`SELECT state, resettled_by FROM payouts WHERE id = ?`), id).Scan(&st, &by)
	if errors.Is(err, ErrNoRows) {
		return "", "", posguard.Errorf(posguard.ENOTFOUND, "payout %q not found", id)
	}
	return posguard.PayoutState(st), by, s.DB.Err(err, "read payout state")
}

func inStates(st posguard.PayoutState, from []posguard.PayoutState) bool {
	for _, f := range from {
		if f == st {
			return true
		}
	}
	return false
}

// MarkSubmitted implements posguard.PayoutStore.
func (s *Money) MarkSubmitted(ctx context.Context, id string, at time.Time) error {
	return s.inTx(ctx, "mark payout submitted", func(tx Querier) error {
		st, _, err := s.payoutState(ctx, tx, id)
		if err != nil {
			return err
		}
		if st != posguard.PayoutQueued && st != posguard.PayoutSubmitted {
			return posguard.Errorf(posguard.ECONFLICT, "payout %s is %s, not queued or submitted", id, st)
		}
		_, err = tx.Exec(ctx, s.DB.Q(`UPDATE payouts SET state = 'submitted', attempts = attempts + 1, updated_at = ? WHERE id = ?`),
			s.T(at), id)
		return err
	})
}

// FinishPayout implements posguard.PayoutStore.
func (s *Money) FinishPayout(ctx context.Context, id string, from []posguard.PayoutState, to posguard.PayoutState,
	reason, bankRef string, at time.Time, ps []*posguard.Posting) error {
	return s.inTx(ctx, "finish payout", func(tx Querier) error {
		st, _, err := s.payoutState(ctx, tx, id)
		if err != nil {
			return err
		}
		if !inStates(st, from) {
			return posguard.Errorf(posguard.ECONFLICT, "payout %s is %s, cannot become %s", id, st, to)
		}
		var paid any // NULL: keep paid_at
		if to == posguard.PayoutSucceeded {
			paid = s.NullT(at.UTC())
		}
		if _, err := tx.Exec(ctx, s.DB.Q(`UPDATE payouts SET state = ?, reason = ?,
			bank_ref = CASE WHEN CAST(? AS TEXT) = '' THEN bank_ref ELSE CAST(? AS TEXT) END,
			paid_at = COALESCE(?, paid_at), updated_at = ? WHERE id = ?`),
			string(to), reason, bankRef, bankRef, paid, s.T(at.UTC()), id); err != nil {
			return err
		}
		_, err = s.appendTx(ctx, tx, ps)
		return err
	})
}

// SetPayoutCase implements posguard.PayoutStore.
func (s *Money) SetPayoutCase(ctx context.Context, id, caseID string) error {
	n, err := s.DB.Write.Exec(ctx, s.DB.Q(`UPDATE payouts SET case_id = ? WHERE id = ?`), caseID, id)
	if err != nil {
		return s.DB.Err(err, "set payout case")
	}
	if n == 0 {
		return posguard.Errorf(posguard.ENOTFOUND, "payout %q not found", id)
	}
	return nil
}

// Resettle implements posguard.PayoutStore.
func (s *Money) Resettle(ctx context.Context, p *posguard.Payout, ps []*posguard.Posting) error {
	return s.inTx(ctx, "resettle", func(tx Querier) error {
		st, by, err := s.payoutState(ctx, tx, p.Resettles)
		if err != nil {
			return err
		}
		if st != posguard.PayoutFailed && st != posguard.PayoutReturned {
			return posguard.Errorf(posguard.ECONFLICT, "payout %s is %s: only a failed or returned payout is re-settled", p.Resettles, st)
		}
		if by != "" {
			return posguard.Errorf(posguard.ECONFLICT, "payout %s was already re-settled by %s", p.Resettles, by)
		}
		if _, err := tx.Exec(ctx, s.DB.Q(`UPDATE payouts SET resettled_by = ?, updated_at = ? WHERE id = ?`),
			p.ID, s.T(s.NowUTC()), p.Resettles); err != nil {
			return err
		}
		if err := s.insertPayout(ctx, tx, p); err != nil {
			return err
		}
		_, err = s.appendTx(ctx, tx, ps)
		return err
	})
}
