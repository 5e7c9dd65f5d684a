package sqlstore

import (
	"context"
	"strconv"
	"time"

	"github.com/posguard/posguard"
)

// Duplicates implements posguard.ApplicationStore.
func (s *Store) Duplicates(ctx context.Context, except int64, licenseNo, idNo string) ([]string, error) {
	var out []string
	rows, err := s.DB.Query(ctx, "query", (`SELECT id FROM applications
		WHERE id <> ? AND state IN ('draft', 'pending_review', 'returned')
		AND ((? <> '' AND license_no = ?) OR (? <> '' AND legal_id_no = ?)) ORDER BY id`),
		except, licenseNo, licenseNo, idNo, idNo)
	if err != nil {
		return nil, s.DB.Err(err, "duplicate applications")
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, s.DB.Err(err, "scan duplicate")
		}
		out = append(out, "application/"+strconv.FormatInt(id, 10))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, s.DB.Err(err, "duplicate applications")
	}
	rows, err = s.DB.Query(ctx, "query", (`SELECT merchant_id FROM merchant_identities
		WHERE (? <> '' AND license_no = ?) OR (? <> '' AND legal_id_no = ?) ORDER BY merchant_id`), licenseNo, licenseNo, idNo, idNo)
	if err != nil {
		return nil, s.DB.Err(err, "duplicate merchants")
	}
	defer rows.Close()
	for rows.Next() {
		var mid string
		if err := rows.Scan(&mid); err != nil {
			return nil, s.DB.Err(err, "scan duplicate")
		}
		out = append(out, "merchant/"+mid)
	}
	return out, s.DB.Err(rows.Err(), "duplicate merchants")
}

// PutMerchantIdentity implements posguard.ApplicationStore.
func (s *Store) PutMerchantIdentity(ctx context.Context, merchantID, licenseNo, idNo string) error {
	_, err := s.DB.Exec(ctx, "exec", (`INSERT INTO merchant_identities (merchant_id, license_no, legal_id_no) VALUES (?, ?, ?)
		ON CONFLICT (merchant_id) DO UPDATE SET license_no = excluded.license_no, legal_id_no = excluded.legal_id_no`),
		merchantID, licenseNo, idNo)
	return s.DB.Err(err, "put merchant identity")
}

// AddBlacklist implements posguard.ApplicationStore.
func (s *Store) AddBlacklist(ctx context.Context, value, reason string) error {
	if value == "" {
		return posguard.Errorf(posguard.EINVALID, "blacklist: empty value")
	}
	_, err := s.DB.Exec(ctx, "exec", (`INSERT INTO onboarding_blacklist (value, reason, created_at) VALUES (?, ?, ?)
		ON CONFLICT (value) DO UPDATE SET reason = excluded.reason`), value, reason, obNanos(s.NowUTC()))
	return s.DB.Err(err, "add blacklist")
}

// Blacklisted implements posguard.ApplicationStore.
func (s *Store) Blacklisted(ctx context.Context, values ...string) (string, bool, error) {
	for _, v := range values {
		if v == "" {
			continue
		}
		var reason string
		err := s.DB.QueryRow(ctx, (`SELECT reason FROM onboarding_blacklist WHERE value = ?`), v).Scan(&reason)
		if err == nil {
			return reason, true, nil
		}
		if err != ErrNoRows {
			return "", false, s.DB.Err(err, "blacklist")
		}
	}
	return "", false, nil
}

// AddMerchantEvent implements posguard.ApplicationStore.
func (s *Store) AddMerchantEvent(ctx context.Context, e *posguard.MerchantEvent) error {
	if e.At.IsZero() {
		e.At = s.NowUTC()
	}
	err := s.DB.WriteRow(ctx, (`INSERT INTO merchant_events (merchant_id, at, actor, action, reason, detail)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`), e.MerchantID, obNanos(e.At), e.Actor, e.Action, e.Reason, e.Detail).Scan(&e.ID)
	return s.DB.Err(err, "add merchant event")
}

// MerchantEvents implements posguard.ApplicationStore.
func (s *Store) MerchantEvents(ctx context.Context, merchantID string, n int) ([]*posguard.MerchantEvent, error) {
	rows, err := s.DB.Query(ctx, "query", (`SELECT id, merchant_id, at, actor, action, reason, detail FROM merchant_events
		WHERE merchant_id = ? ORDER BY id DESC LIMIT ?`), merchantID, obLimit(n))
	if err != nil {
		return nil, s.DB.Err(err, "merchant events")
	}
	defer rows.Close()
	var out []*posguard.MerchantEvent
	for rows.Next() {
		var e posguard.MerchantEvent
		var at int64
		if err := rows.Scan(&e.ID, &e.MerchantID, &at, &e.Actor, &e.Action, &e.Reason, &e.Detail); err != nil {
			return nil, s.DB.Err(err, "scan merchant event")
		}
		e.At = obTime(at)
		out = append(out, &e)
	}
	return out, s.DB.Err(rows.Err(), "merchant events")
}

// Bind implements posguard.ApplicationStore.
func (s *Store) Bind(ctx context.Context, b *posguard.TerminalBinding) error {
	b.BoundAt = s.NowUTC()
	_, err := s.DB.Exec(ctx, "exec", (`INSERT INTO terminal_bindings (terminal_id, serial_no, merchant_id, model, bound_at)
		VALUES (?, ?, ?, ?, ?)`), b.TerminalID, b.SerialNo, b.MerchantID, b.Model, obNanos(b.BoundAt))
	if err != nil {
		err = s.DB.Err(err, "bind terminal")
		if posguard.ErrorCode(err) == posguard.ECONFLICT {
			return posguard.Errorf(posguard.ECONFLICT, "serial number %s (or terminal %s) is bound already", b.SerialNo, b.TerminalID)
		}
	}
	return err
}

// Unbind implements posguard.ApplicationStore.
func (s *Store) Unbind(ctx context.Context, terminalID string) (*posguard.TerminalBinding, error) {
	var b *posguard.TerminalBinding
	err := s.DB.InTx(ctx, "unbind terminal", func(tx *Tx) error {
		var err error
		if b, err = scanBinding(tx.QueryRow(ctx, (`SELECT terminal_id, serial_no, merchant_id, model, bound_at
			FROM terminal_bindings WHERE terminal_id = ?`), terminalID)); err == ErrNoRows {
			return posguard.Errorf(posguard.ENOTFOUND, "terminal %s is not bound", terminalID)
		} else if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "exec", (`DELETE FROM terminal_bindings WHERE terminal_id = ?`), terminalID)
		return err
	})
	return b, err
}

// MoveBinding implements posguard.ApplicationStore.
func (s *Store) MoveBinding(ctx context.Context, terminalID, merchantID string) error {
	r, err := s.DB.Exec(ctx, "exec", (`UPDATE terminal_bindings SET merchant_id = ?, bound_at = ? WHERE terminal_id = ?`),
		merchantID, obNanos(s.NowUTC()), terminalID)
	if err != nil {
		return s.DB.Err(err, "move binding")
	}
	if r == 0 {
		return posguard.Errorf(posguard.ENOTFOUND, "terminal %s is not bound", terminalID)
	}
	return nil
}

// Binding implements posguard.ApplicationStore.
func (s *Store) Binding(ctx context.Context, terminalID string) (*posguard.TerminalBinding, error) {
	b, err := scanBinding(s.DB.QueryRow(ctx, (`SELECT terminal_id, serial_no, merchant_id, model, bound_at
		FROM terminal_bindings WHERE terminal_id = ?`), terminalID))
	if err == ErrNoRows {
		return nil, posguard.Errorf(posguard.ENOTFOUND, "terminal %s is not bound", terminalID)
	}
	return b, s.DB.Err(err, "read binding")
}

// Bindings implements posguard.ApplicationStore.
func (s *Store) Bindings(ctx context.Context, merchantID string) ([]*posguard.TerminalBinding, error) {
	rows, err := s.DB.Query(ctx, "query", (`SELECT terminal_id, serial_no, merchant_id, model, bound_at
		FROM terminal_bindings WHERE merchant_id = ? ORDER BY terminal_id`), merchantID)
	if err != nil {
		return nil, s.DB.Err(err, "list bindings")
	}
	defer rows.Close()
	var out []*posguard.TerminalBinding
	for rows.Next() {
		b, err := scanBinding(rows)
		if err != nil {
			return nil, s.DB.Err(err, "scan binding")
		}
		out = append(out, b)
	}
	return out, s.DB.Err(rows.Err(), "list bindings")
}

func scanBinding(r Row) (*posguard.TerminalBinding, error) {
	var b posguard.TerminalBinding
	var at int64
	if err := r.Scan(&b.TerminalID, &b.SerialNo, &b.MerchantID, &b.Model, &at); err != nil {
		return nil, err
	}
	b.BoundAt = obTime(at)
	return &b, nil
}

// Onboarding and risk tables (migration 0035_onboarding) keep their times as
// Unix nanoseconds in integer columns on both databases.

// obNanos and obTime convert those times (0 is the zero time).
func obNanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func obTime(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// obLimit bounds a page size to [1, 1000], 100 when unset.
func obLimit(n int) int {
	if n <= 0 {
		return 100
	}
	return min(n, 1000)
}

var _ posguard.OnboardingStore = (*Store)(nil)
