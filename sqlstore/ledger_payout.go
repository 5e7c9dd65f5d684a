package sqlstore

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/posguard/posguard"
)

// payoutTable is payouts.
var payoutTable = newTable("payouts", "", `id, batch_id, merchant_id, amount, account_bank, account_number, account_name,
	account_status, state, reason, bank_ref, attempts, resettled_by, resettles, case_id, created_at, updated_at, paid_at`,
	func(p *posguard.Payout) []any {
		return []any{&p.ID, &p.BatchID, &p.MerchantID, &p.Amount, &p.Account.Bank, &p.Account.Number, &p.Account.Name,
			&p.Account.Status, &p.State, &p.Reason, &p.BankRef, &p.Attempts, &p.ResettledBy, &p.Resettles, &p.CaseID,
			&p.CreatedAt, &p.UpdatedAt, &p.PaidAt}
	})

// insertPayout writes a new payout inside tx.
func (s *Money) insertPayout(ctx context.Context, tx *Tx, p *posguard.Payout) error {
	now := s.NowUTC()
	if p.State == "" {
		p.State = posguard.PayoutQueued
	}
	p.CreatedAt, p.UpdatedAt = now, now
	return payoutTable.add(ctx, tx, s.Store, p, "")
}

// Payout implements posguard.PayoutStore.
func (s *Money) Payout(ctx context.Context, id string) (*posguard.Payout, error) {
	return payoutTable.get(ctx, s.DB, "query payout", func() error { return NotFound("payout", strconv.Quote(id)) }, ` WHERE id = ?`, id)
}

// Payouts implements posguard.PayoutStore.
func (s *Money) Payouts(ctx context.Context, f posguard.PayoutFilter) ([]*posguard.Payout, error) {
	a := Args{}
	q := ` WHERE 1 = 1` + a.Eq("merchant_id", f.MerchantID, "batch_id", f.BatchID)
	if len(f.States) > 0 {
		q += ` AND state IN ` + values(1, len(f.States))
		for _, st := range f.States {
			a.Add(string(st))
		}
	}
	q += ` ORDER BY created_at, id LIMIT ` + a.Add(pageLimit(f.Limit, 100, 10000))
	return payoutTable.list(ctx, s.DB, "query payouts", q, a.List...)
}

// payoutState reads a payout's state inside tx (ENOTFOUND if unknown).
func (s *Money) payoutState(ctx context.Context, tx *Tx, id string) (posguard.PayoutState, string, error) {
	var st, by string
	err := tx.QueryRow(ctx, `SELECT state, resettled_by FROM payouts WHERE id = ?`, id).Scan(&st, &by)
	return posguard.PayoutState(st), by, found(s.DB, err, "read payout state", func() error { return NotFound("payout", strconv.Quote(id)) })
}

// MarkSubmitted implements posguard.PayoutStore.
func (s *Money) MarkSubmitted(ctx context.Context, id string, at time.Time) error {
	n, err := s.DB.Exec(ctx, "mark payout submitted", `UPDATE payouts SET state = 'submitted', attempts = attempts + 1, updated_at = ?
		WHERE id = ? AND state IN ('queued', 'submitted')`, s.T(at), id)
	if err != nil {
		return err
	}
	return moved(ctx, s.DB.Primary(), n, "payouts", id, func() error { return NotFound("payout", strconv.Quote(id)) },
		func(st string) error {
			return posguard.Errorf(posguard.ECONFLICT, "payout %s is %s, not queued or submitted", id, st)
		})
}

// FinishPayout implements posguard.PayoutStore.
func (s *Money) FinishPayout(ctx context.Context, id string, from []posguard.PayoutState, to posguard.PayoutState,
	reason, bankRef string, at time.Time, ps []*posguard.Posting, audit ...*posguard.AuditRecord) error {
	return s.DB.InTx(ctx, "finish payout", func(tx *Tx) error {
		st, _, err := s.payoutState(ctx, tx, id)
		if err != nil {
			return err
		}
		if !slices.Contains(from, st) {
			return posguard.Errorf(posguard.ECONFLICT, "payout %s is %s, cannot become %s", id, st, to)
		}
		var paid any // NULL: keep paid_at
		if to == posguard.PayoutSucceeded {
			paid = s.NullT(at.UTC())
		}
		if _, err := tx.Exec(ctx, "finish payout", `UPDATE payouts SET state = ?, reason = ?,
			bank_ref = CASE WHEN CAST(? AS TEXT) = '' THEN bank_ref ELSE CAST(? AS TEXT) END,
			paid_at = COALESCE(?, paid_at), updated_at = ? WHERE id = ?`,
			string(to), reason, bankRef, bankRef, paid, s.T(at.UTC()), id); err != nil {
			return err
		}
		if _, err = s.appendTx(ctx, tx, ps, true); err != nil {
			return err
		}
		return tx.appendAudits(ctx, s.NowUTC(), audit...)
	})
}

// SetPayoutCase implements posguard.PayoutStore.
func (s *Money) SetPayoutCase(ctx context.Context, id, caseID string) error {
	n, err := s.DB.Exec(ctx, "set payout case", `UPDATE payouts SET case_id = ? WHERE id = ?`, caseID, id)
	return affectedOne(n, err, "payout", strconv.Quote(id))
}

// Resettle implements posguard.PayoutStore.
func (s *Money) Resettle(ctx context.Context, p *posguard.Payout, ps []*posguard.Posting) error {
	return s.DB.InTx(ctx, "resettle", func(tx *Tx) error {
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
		if _, err := tx.Exec(ctx, "resettle", `UPDATE payouts SET resettled_by = ?, updated_at = ? WHERE id = ?`,
			p.ID, s.T(s.NowUTC()), p.Resettles); err != nil {
			return err
		}
		if err := s.insertPayout(ctx, tx, p); err != nil {
			return err
		}
		_, err = s.appendTx(ctx, tx, ps, true)
		return err
	})
}
