package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/posguard/posguard"
)

// merchantColumns is the column list every merchant query selects, in
// scanMerchant's order.
const merchantColumns = `id, name, mcc, status, status_since, kind, fee_plan,
	limit_per_txn, limit_daily, limit_daily_count, allowed_types,
	account_bank, account_number, account_name, account_status, updated_at`

// PutMerchant inserts or updates a merchant by ID. StatusSince is kept when
// the status does not change and set to now when it does; a new merchant
// keeps m.StatusSince when set, else now. m.StatusSince and m.UpdatedAt are
// set to the stored values. EINVALID for an empty ID or an unknown status.
func (s *Store) PutMerchant(ctx context.Context, m *posguard.Merchant) error {
	if m == nil || m.ID == "" {
		return posguard.Errorf(posguard.EINVALID, "merchant: empty ID")
	}
	if !m.Status.Valid() {
		return posguard.Errorf(posguard.EINVALID, "merchant %s: unknown status %q", m.ID, m.Status)
	}
	allowed, err := json.Marshal(nonNilTypes(m.AllowedTypes))
	if err != nil {
		return posguard.WrapError(posguard.EINTERNAL, err, "merchant %s: encode allowed types", m.ID)
	}
	now := s.now()
	since := m.StatusSince
	if since.IsZero() {
		since = now
	}
	var sinceN, updN int64
	err = s.write.QueryRowContext(ctx, `
		INSERT INTO merchants (`+merchantColumns+`)
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
	row := s.read.QueryRowContext(ctx, `SELECT `+merchantColumns+` FROM merchants WHERE id = ?`, id)
	m, err := scanMerchant(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, posguard.Errorf(posguard.ENOTFOUND, "merchant %s not found", id)
	}
	if err != nil {
		return nil, dbError(err, "get merchant")
	}
	return m, nil
}

// Merchants returns all merchants ordered by ID.
func (s *Store) Merchants(ctx context.Context) ([]*posguard.Merchant, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+merchantColumns+` FROM merchants ORDER BY id`)
	if err != nil {
		return nil, dbError(err, "list merchants")
	}
	defer rows.Close()
	out := []*posguard.Merchant{}
	for rows.Next() {
		m, err := scanMerchant(rows)
		if err != nil {
			return nil, dbError(err, "list merchants")
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(err, "list merchants")
	}
	return out, nil
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
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
	m.Status = posguard.MerchantStatus(status)
	m.StatusSince, m.UpdatedAt = fromNanos(since), fromNanos(updated)
	m.Limits.PerTxn, m.Limits.Daily = posguard.Amount(per), posguard.Amount(day)
	if err := json.Unmarshal([]byte(allowed), &m.AllowedTypes); err != nil {
		return nil, posguard.WrapError(posguard.EINTERNAL, err, "merchant %s: decode allowed types", m.ID)
	}
	if len(m.AllowedTypes) == 0 {
		m.AllowedTypes = nil
	}
	return &m, nil
}

// nonNilTypes returns ts, or an empty slice for nil, so it encodes as [].
func nonNilTypes(ts []posguard.TxnType) []posguard.TxnType {
	if ts == nil {
		return []posguard.TxnType{}
	}
	return ts
}
