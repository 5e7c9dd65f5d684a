package sqlstore

import (
	"context"
	"errors"

	"github.com/posguard/posguard"
)

var _ posguard.MerchantStore = (*Store)(nil)

// PutMerchant inserts or updates a merchant by ID. StatusSince is kept when
// the status does not change and set to now when it does; a new merchant
// keeps m.StatusSince when set, else now. m.StatusSince and m.UpdatedAt are
// set to the stored values. EINVALID for an empty ID or an unknown status.
func (s *Store) PutMerchant(ctx context.Context, m *posguard.Merchant) error {
	allowed, err := MerchantRow(m)
	if err != nil {
		return err
	}
	now := s.NowUTC()
	since := m.StatusSince.UTC()
	if m.StatusSince.IsZero() {
		since = now
	}
	err = s.DB.WriteRow(ctx, `
		INSERT INTO merchants (`+MerchantColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET
			name = excluded.name, mcc = excluded.mcc, status = excluded.status,
			status_since = CASE WHEN merchants.status = excluded.status
				THEN merchants.status_since ELSE excluded.updated_at END,
			kind = excluded.kind, fee_plan = excluded.fee_plan,
			limit_per_txn = excluded.limit_per_txn, limit_daily = excluded.limit_daily,
			limit_daily_count = excluded.limit_daily_count, allowed_types = excluded.allowed_types,
			account_bank = excluded.account_bank, account_number = excluded.account_number,
			account_name = excluded.account_name, account_status = excluded.account_status,
			updated_at = excluded.updated_at,
			limit_card_daily = excluded.limit_card_daily, limit_card_daily_count = excluded.limit_card_daily_count,
			limit_terminal_daily = excluded.limit_terminal_daily, limit_terminal_daily_count = excluded.limit_terminal_daily_count
		RETURNING status_since, updated_at`,
		m.ID, m.Name, m.MCC, string(m.Status), s.T(since), m.Kind, m.FeePlan,
		int64(m.Limits.PerTxn), int64(m.Limits.Daily), m.Limits.DailyCount, string(allowed),
		m.Account.Bank, m.Account.Number, m.Account.Name, m.Account.Status, s.T(now),
		int64(m.Limits.CardDaily), m.Limits.CardDailyCount, int64(m.Limits.TerminalDaily), m.Limits.TerminalDailyCount,
	).Scan(TimeCol(&m.StatusSince), TimeCol(&m.UpdatedAt))
	return s.DB.Err(err, "put merchant")
}

// Merchant returns the merchant with id; ENOTFOUND if there is none.
func (s *Store) Merchant(ctx context.Context, id string) (*posguard.Merchant, error) {
	m, err := scanMerchant(s.DB.QueryRow(ctx, `SELECT `+MerchantColumns+` FROM merchants WHERE id = ?`, id))
	if errors.Is(err, ErrNoRows) {
		return nil, MerchantNotFound(id)
	}
	if err != nil {
		return nil, s.DB.Err(err, "get merchant")
	}
	return m, nil
}

// Merchants returns all merchants ordered by ID.
func (s *Store) Merchants(ctx context.Context) ([]*posguard.Merchant, error) {
	rows, err := s.DB.Query(ctx, "list merchants", `SELECT `+MerchantColumns+` FROM merchants ORDER BY id`)
	if err != nil {
		return nil, err
	}
	return Collect(s.DB, rows, "list merchants", scanMerchant)
}

func scanMerchant(r Row) (*posguard.Merchant, error) {
	var (
		m               posguard.Merchant
		status, allowed string
		per, day        int64
		card, term      int64
	)
	if err := r.Scan(&m.ID, &m.Name, &m.MCC, &status, TimeCol(&m.StatusSince), &m.Kind, &m.FeePlan,
		&per, &day, &m.Limits.DailyCount, &allowed,
		&m.Account.Bank, &m.Account.Number, &m.Account.Name, &m.Account.Status, TimeCol(&m.UpdatedAt),
		&card, &m.Limits.CardDailyCount, &term, &m.Limits.TerminalDailyCount); err != nil {
		return nil, err
	}
	m.Limits.CardDaily, m.Limits.TerminalDaily = posguard.Amount(card), posguard.Amount(term)
	if err := MerchantFromRow(&m, status, per, day, allowed); err != nil {
		return nil, err
	}
	return &m, nil
}

var _ posguard.MerchantLimitStore = (*Store)(nil)

// SetMerchantLimits replaces merchant id's limits in one UPDATE, leaving
// its status and every other field as stored, and returns the merchant.
// ENOTFOUND if there is none; EINVALID for a negative limit.
func (s *Store) SetMerchantLimits(ctx context.Context, id string, l posguard.Limits) (*posguard.Merchant, error) {
	if l.Negative() {
		return nil, posguard.Errorf(posguard.EINVALID, "limits: must not be negative")
	}
	m, err := scanMerchant(s.DB.WriteRow(ctx, `
		UPDATE merchants SET limit_per_txn = ?, limit_daily = ?, limit_daily_count = ?,
			limit_card_daily = ?, limit_card_daily_count = ?, limit_terminal_daily = ?, limit_terminal_daily_count = ?, updated_at = ?
		WHERE id = ?
		RETURNING `+MerchantColumns,
		int64(l.PerTxn), int64(l.Daily), l.DailyCount,
		int64(l.CardDaily), l.CardDailyCount, int64(l.TerminalDaily), l.TerminalDailyCount, s.T(s.NowUTC()), id))
	if errors.Is(err, ErrNoRows) {
		return nil, MerchantNotFound(id)
	}
	if err != nil {
		return nil, s.DB.Err(err, "set merchant limits")
	}
	return m, nil
}
