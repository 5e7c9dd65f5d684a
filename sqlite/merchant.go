package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/sqlstore"
)

// PutMerchant inserts or updates a merchant by ID. StatusSince is kept when
// the status does not change and set to now when it does; a new merchant
// keeps m.StatusSince when set, else now. m.StatusSince and m.UpdatedAt are
// set to the stored values. EINVALID for an empty ID or an unknown status.
func (s *Store) PutMerchant(ctx context.Context, m *posguard.Merchant) error {
	allowed, err := sqlstore.MerchantRow(m)
	if err != nil {
		return err
	}
	now := s.now()
	since := m.StatusSince
	if since.IsZero() {
		since = now
	}
	var sinceN, updN int64
	err = s.write.QueryRowContext(ctx, `
		INSERT INTO merchants (`+sqlstore.MerchantColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET
			name = excluded.name, mcc = excluded.mcc, status = excluded.status,
			status_since = CASE WHEN merchants.status = excluded.status
				THEN merchants.status_since ELSE ? END,
			kind = excluded.kind, fee_plan = excluded.fee_plan,
			limit_per_txn = excluded.limit_per_txn, limit_daily = excluded.limit_daily,
			limit_daily_count = excluded.limit_daily_count, allowed_types = excluded.allowed_types,
			account_bank = excluded.account_bank, account_number = excluded.account_number,
			account_name = excluded.account_name, account_status = excluded.account_status,
			updated_at = excluded.updated_at
		RETURNING status_since, updated_at`,
		m.ID, m.Name, m.MCC, string(m.Status), nanos(since), m.Kind, m.FeePlan,
		int64(m.Limits.PerTxn), int64(m.Limits.Daily), m.Limits.DailyCount, string(allowed),
		m.Account.Bank, m.Account.Number, m.Account.Name, m.Account.Status, nanos(now),
		nanos(now),
	).Scan(&sinceN, &updN)
	if err != nil {
		return dbError(err, "put merchant")
	}
	m.StatusSince, m.UpdatedAt = fromNanos(sinceN), fromNanos(updN)
	return nil
}

// Merchant returns the merchant with id; ENOTFOUND if there is none.
func (s *Store) Merchant(ctx context.Context, id string) (*posguard.Merchant, error) {
	row := s.read.QueryRowContext(ctx, `SELECT `+sqlstore.MerchantColumns+` FROM merchants WHERE id = ?`, id)
	m, err := scanMerchant(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sqlstore.MerchantNotFound(id)
	}
	if err != nil {
		return nil, dbError(err, "get merchant")
	}
	return m, nil
}

// Merchants returns all merchants ordered by ID.
func (s *Store) Merchants(ctx context.Context) ([]*posguard.Merchant, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+sqlstore.MerchantColumns+` FROM merchants ORDER BY id`)
	if err != nil {
		return nil, dbError(err, "list merchants")
	}
	return collect(rows, "list merchants", scanMerchant)
}

func scanMerchant(r scanner) (*posguard.Merchant, error) {
	var (
		m                        posguard.Merchant
		status, allowed          string
		since, updated, per, day int64
	)
	if err := r.Scan(&m.ID, &m.Name, &m.MCC, &status, &since, &m.Kind, &m.FeePlan,
		&per, &day, &m.Limits.DailyCount, &allowed,
		&m.Account.Bank, &m.Account.Number, &m.Account.Name, &m.Account.Status, &updated); err != nil {
		return nil, err
	}
	m.StatusSince, m.UpdatedAt = fromNanos(since), fromNanos(updated)
	if err := sqlstore.MerchantFromRow(&m, status, per, day, allowed); err != nil {
		return nil, err
	}
	return &m, nil
}
