package sqlstore

import (
	"context"

	"github.com/posguard/posguard"
)

var (
	_ posguard.MerchantStore      = (*Store)(nil)
	_ posguard.MerchantLimitStore = (*Store)(nil)
)

// merchantTable is merchants, keyed by the ID they are given. An empty list
// of allowed types is stored as [] and reads back as nil (all allowed).
var merchantTable = newTable("merchants", "", `id, name, mcc, status, status_since, kind, fee_plan,
	limit_per_txn, limit_daily, limit_daily_count, allowed_types,
	account_bank, account_number, account_name, account_status, updated_at,
	limit_card_daily, limit_card_daily_count, limit_terminal_daily, limit_terminal_daily_count`,
	func(m *posguard.Merchant) []any {
		return []any{&m.ID, &m.Name, &m.MCC, &m.Status, &m.StatusSince, &m.Kind, &m.FeePlan,
			&m.Limits.PerTxn, &m.Limits.Daily, &m.Limits.DailyCount, asJSON(&m.AllowedTypes, &noneList),
			&m.Account.Bank, &m.Account.Number, &m.Account.Name, &m.Account.Status, &m.UpdatedAt,
			&m.Limits.CardDaily, &m.Limits.CardDailyCount, &m.Limits.TerminalDaily, &m.Limits.TerminalDailyCount}
	})

func init() {
	merchantTable.fix = func(m *posguard.Merchant) {
		if len(m.AllowedTypes) == 0 {
			m.AllowedTypes = nil
		}
	}
}

// merchantNotFound is the error for an unknown merchant ID.
func merchantNotFound(id string) error { return NotFound("merchant", id) }

// PutMerchant inserts or updates a merchant by ID. StatusSince is kept when
// the status does not change and set to now when it does; a new merchant
// keeps m.StatusSince when set, else now. m.StatusSince and m.UpdatedAt are
// set to the stored values. EINVALID for an empty ID or an unknown status.
func (s *Store) PutMerchant(ctx context.Context, m *posguard.Merchant) error {
	return s.DB.InTx(ctx, "put merchant", func(tx *Tx) error { return s.putMerchant(ctx, tx, m) })
}

func (s *Store) putMerchant(ctx context.Context, tx *Tx, m *posguard.Merchant) error {
	if m == nil || m.ID == "" {
		return posguard.Errorf(posguard.EINVALID, "merchant: empty ID")
	}
	if !m.Status.Valid() {
		return posguard.Errorf(posguard.EINVALID, "merchant %s: unknown status %q", m.ID, m.Status)
	}
	v := *m
	v.StatusSince, v.UpdatedAt = m.StatusSince.UTC(), s.NowUTC()
	if m.StatusSince.IsZero() {
		v.StatusSince = v.UpdatedAt
	}
	return tx.QueryRow(ctx, merchantTable.insert+` ON CONFLICT (id) DO UPDATE SET `+setExcluded(merchantTable.cols, "id", "status_since")+`,
			status_since = CASE WHEN merchants.status = excluded.status THEN merchants.status_since ELSE excluded.updated_at END
		RETURNING status_since, updated_at`, merchantTable.values(s, &v)...).Scan(TimeCol(&m.StatusSince), TimeCol(&m.UpdatedAt))
}

// SetMerchantStatus implements posguard.MerchantStore.
func (s *Store) SetMerchantStatus(ctx context.Context, id string, from, to posguard.MerchantStatus, ev *posguard.MerchantEvent,
	audit ...*posguard.AuditRecord) (*posguard.Merchant, error) {
	var m *posguard.Merchant
	err := s.DB.InTx(ctx, "set merchant status", func(tx *Tx) (err error) {
		m, err = merchantTable.get(ctx, tx, "set merchant status", func() error { return merchantNotFound(id) }, ` WHERE id = ?`+s.DB.D.ForUpdate, id)
		switch {
		case err != nil:
			return err
		case m.Status != from:
			return posguard.Errorf(posguard.ECONFLICT, "merchant %s is %s, not %s", id, m.Status, from)
		}
		m.Status = to
		if err := s.putMerchant(ctx, tx, m); err != nil {
			return err
		}
		if ev != nil {
			if ev.At.IsZero() {
				ev.At = s.NowUTC()
			}
			if err := s.addMerchantEvent(ctx, tx, ev); err != nil {
				return err
			}
		}
		return tx.appendAudits(ctx, s.NowUTC(), audit...)
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// Merchant returns the merchant with id; ENOTFOUND if there is none.
func (s *Store) Merchant(ctx context.Context, id string) (*posguard.Merchant, error) {
	return merchantTable.get(ctx, s.DB, "get merchant", func() error { return merchantNotFound(id) }, ` WHERE id = ?`, id)
}

// Merchants returns all merchants ordered by ID.
func (s *Store) Merchants(ctx context.Context) ([]*posguard.Merchant, error) {
	return merchantTable.list(ctx, s.DB, "list merchants", ` ORDER BY id`)
}

// SetMerchantLimits replaces merchant id's limits in one UPDATE, leaving
// its status and every other field as stored, and returns the merchant.
// ENOTFOUND if there is none; EINVALID for a negative limit.
func (s *Store) SetMerchantLimits(ctx context.Context, id string, l posguard.Limits) (*posguard.Merchant, error) {
	if l.Negative() {
		return nil, posguard.Errorf(posguard.EINVALID, "limits: must not be negative")
	}
	return queryOne(ctx, s.DB.Primary(), "set merchant limits", func() error { return merchantNotFound(id) }, merchantTable.scan,
		`UPDATE merchants SET `+limitsSet+`, updated_at = ? WHERE id = ? RETURNING `+merchantTable.cols, append(limitArgs(l), s.T(s.NowUTC()), id)...)
}
