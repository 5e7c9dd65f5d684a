package sqlstore

import (
	"context"
	"strconv"

	"github.com/posguard/posguard"
)

// Onboarding and risk (posguard.OnboardingStore): the tables of migration
// 0035_onboarding (times made timestamptz on PostgreSQL by 0041). The
// applications are in application_store.go, the risk rules and hits in
// risk_store.go.

var _ posguard.OnboardingStore = (*Store)(nil)

// Onboarding returns the store's applications, bindings, merchant history
// and risk rules and hits (posguard.OnboardingStore).
func (s *Store) Onboarding() posguard.OnboardingStore { return s }

// Duplicates implements posguard.ApplicationStore.
func (s *Store) Duplicates(ctx context.Context, except int64, licenseNo, idNo string) ([]string, error) {
	apps, err := queryAll(ctx, s.DB, "duplicate applications", func(r Row) (string, error) {
		var id int64
		err := r.Scan(&id)
		return "application/" + strconv.FormatInt(id, 10), err
	}, `SELECT id FROM applications WHERE id <> ? AND state IN ('draft', 'pending_review', 'returned')
		AND ((? <> '' AND license_no = ?) OR (? <> '' AND legal_id_no = ?)) ORDER BY id`, except, licenseNo, licenseNo, idNo, idNo)
	if err != nil {
		return nil, err
	}
	ms, err := queryAll(ctx, s.DB, "duplicate merchants", func(r Row) (string, error) {
		var mid string
		err := r.Scan(&mid)
		return "merchant/" + mid, err
	}, `SELECT merchant_id FROM merchant_identities WHERE (? <> '' AND license_no = ?) OR (? <> '' AND legal_id_no = ?)
		ORDER BY merchant_id`, licenseNo, licenseNo, idNo, idNo)
	return append(apps, ms...), err
}

// PutMerchantIdentity implements posguard.ApplicationStore.
func (s *Store) PutMerchantIdentity(ctx context.Context, merchantID, licenseNo, idNo string) error {
	return s.DB.InTx(ctx, "put merchant identity", func(tx *Tx) error { return s.putMerchantIdentity(ctx, tx, merchantID, licenseNo, idNo) })
}

func (s *Store) putMerchantIdentity(ctx context.Context, tx *Tx, merchantID, licenseNo, idNo string) error {
	_, err := tx.Exec(ctx, "put merchant identity", `INSERT INTO merchant_identities (merchant_id, license_no, legal_id_no) VALUES (?, ?, ?)
		ON CONFLICT (merchant_id) DO UPDATE SET license_no = excluded.license_no, legal_id_no = excluded.legal_id_no`,
		merchantID, licenseNo, idNo)
	return err
}

// AddBlacklist implements posguard.ApplicationStore.
func (s *Store) AddBlacklist(ctx context.Context, value, reason string) error {
	if value == "" {
		return posguard.Errorf(posguard.EINVALID, "blacklist: empty value")
	}
	_, err := s.DB.Exec(ctx, "add blacklist", `INSERT INTO onboarding_blacklist (value, reason, created_at) VALUES (?, ?, ?)
		ON CONFLICT (value) DO UPDATE SET reason = excluded.reason`, value, reason, s.T(s.NowUTC()))
	return err
}

// Blacklisted implements posguard.ApplicationStore.
func (s *Store) Blacklisted(ctx context.Context, values ...string) (string, bool, error) {
	for _, v := range values {
		if v == "" {
			continue
		}
		var reason string
		err := s.DB.QueryRow(ctx, `SELECT reason FROM onboarding_blacklist WHERE value = ?`, v).Scan(&reason)
		if err != ErrNoRows {
			return reason, err == nil, s.DB.Err(err, "blacklist")
		}
	}
	return "", false, nil
}

// AddMerchantEvent implements posguard.ApplicationStore.
func (s *Store) AddMerchantEvent(ctx context.Context, e *posguard.MerchantEvent) error {
	if e.At.IsZero() {
		e.At = s.NowUTC()
	}
	return s.DB.InTx(ctx, "add merchant event", func(tx *Tx) error { return s.addMerchantEvent(ctx, tx, e) })
}

func (s *Store) addMerchantEvent(ctx context.Context, tx *Tx, e *posguard.MerchantEvent) error {
	return merchantEventTable.add(ctx, tx, s, e, "")
}

// MerchantEvents implements posguard.ApplicationStore.
func (s *Store) MerchantEvents(ctx context.Context, merchantID string, n int) ([]*posguard.MerchantEvent, error) {
	return merchantEventTable.list(ctx, s.DB, "merchant events", ` WHERE merchant_id = ? ORDER BY id DESC LIMIT ?`,
		merchantID, pageLimit(n, 100, 1000))
}

// merchantEventTable is merchant_events, whose ID the database assigns.
var merchantEventTable = newTable("merchant_events", "id", `id, merchant_id, at, actor, action, reason, detail`,
	func(e *posguard.MerchantEvent) []any {
		return []any{&e.ID, &e.MerchantID, &e.At, &e.Actor, &e.Action, &e.Reason, &e.Detail}
	})

// bindingTable is terminal_bindings, keyed by terminal.
var bindingTable = newTable("terminal_bindings", "", `terminal_id, serial_no, merchant_id, model, bound_at`,
	func(b *posguard.TerminalBinding) []any {
		return []any{&b.TerminalID, &b.SerialNo, &b.MerchantID, &b.Model, &b.BoundAt}
	})

// Bind implements posguard.ApplicationStore.
func (s *Store) Bind(ctx context.Context, b *posguard.TerminalBinding) error {
	b.BoundAt = s.NowUTC()
	err := bindingTable.add(ctx, s.DB, s, b, "")
	if posguard.ErrorCode(err) == posguard.ECONFLICT {
		return posguard.Errorf(posguard.ECONFLICT, "serial number %s (or terminal %s) is bound already", b.SerialNo, b.TerminalID)
	}
	return err
}

// notBound returns the error for a terminal without a binding.
func notBound(terminalID string) func() error {
	return func() error { return posguard.Errorf(posguard.ENOTFOUND, "terminal %s is not bound", terminalID) }
}

// Unbind implements posguard.ApplicationStore.
func (s *Store) Unbind(ctx context.Context, terminalID string) (*posguard.TerminalBinding, error) {
	var b *posguard.TerminalBinding
	err := s.DB.InTx(ctx, "unbind terminal", func(tx *Tx) error {
		var err error
		if b, err = bindingTable.get(ctx, tx, "unbind terminal", notBound(terminalID), ` WHERE terminal_id = ?`, terminalID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "unbind terminal", `DELETE FROM terminal_bindings WHERE terminal_id = ?`, terminalID)
		return err
	})
	return b, err
}

// MoveBinding implements posguard.ApplicationStore.
func (s *Store) MoveBinding(ctx context.Context, terminalID, merchantID string) error {
	n, err := s.DB.Exec(ctx, "move binding", `UPDATE terminal_bindings SET merchant_id = ?, bound_at = ? WHERE terminal_id = ?`,
		merchantID, s.T(s.NowUTC()), terminalID)
	if err == nil && n == 0 {
		return notBound(terminalID)()
	}
	return err
}

// Binding implements posguard.ApplicationStore.
func (s *Store) Binding(ctx context.Context, terminalID string) (*posguard.TerminalBinding, error) {
	return bindingTable.get(ctx, s.DB, "read binding", notBound(terminalID), ` WHERE terminal_id = ?`, terminalID)
}

// Bindings implements posguard.ApplicationStore.
func (s *Store) Bindings(ctx context.Context, merchantID string) ([]*posguard.TerminalBinding, error) {
	return bindingTable.list(ctx, s.DB, "list bindings", ` WHERE merchant_id = ? ORDER BY terminal_id`, merchantID)
}
