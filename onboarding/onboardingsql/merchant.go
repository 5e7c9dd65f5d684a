package onboardingsql

import (
	"context"
	"database/sql"
	"strconv"

	"github.com/posguard/posguard"
)

// Duplicates implements posguard.ApplicationStore.
func (s *Store) Duplicates(ctx context.Context, except int64, licenseNo, idNo string) ([]string, error) {
	var out []string
	rows, err := s.read.QueryContext(ctx, s.q(`SELECT id FROM applications
		WHERE id <> ? AND state IN ('draft', 'pending_review', 'returned')
		AND ((? <> '' AND license_no = ?) OR (? <> '' AND legal_id_no = ?)) ORDER BY id`),
		except, licenseNo, licenseNo, idNo, idNo)
	if err != nil {
		return nil, s.err(err, "duplicate applications")
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, s.err(err, "scan duplicate")
		}
		out = append(out, "application/"+strconv.FormatInt(id, 10))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, s.err(err, "duplicate applications")
	}
	rows, err = s.read.QueryContext(ctx, s.q(`SELECT merchant_id FROM merchant_identities
		WHERE (? <> '' AND license_no = ?) OR (? <> '' AND legal_id_no = ?) ORDER BY merchant_id`), licenseNo, licenseNo, idNo, idNo)
	if err != nil {
		return nil, s.err(err, "duplicate merchants")
	}
	defer rows.Close()
	for rows.Next() {
		var mid string
		if err := rows.Scan(&mid); err != nil {
			return nil, s.err(err, "scan duplicate")
		}
		out = append(out, "merchant/"+mid)
	}
	return out, s.err(rows.Err(), "duplicate merchants")
}

// PutMerchantIdentity implements posguard.ApplicationStore.
func (s *Store) PutMerchantIdentity(ctx context.Context, merchantID, licenseNo, idNo string) error {
	_, err := s.write.ExecContext(ctx, s.q(`INSERT INTO merchant_identities (merchant_id, license_no, legal_id_no) VALUES (?, ?, ?)
		ON CONFLICT (merchant_id) DO UPDATE SET license_no = excluded.license_no, legal_id_no = excluded.legal_id_no`),
		merchantID, licenseNo, idNo)
	return s.err(err, "put merchant identity")
}

// AddBlacklist implements posguard.ApplicationStore.
func (s *Store) AddBlacklist(ctx context.Context, value, reason string) error {
	if value == "" {
		return posguard.Errorf(posguard.EINVALID, "blacklist: empty value")
	}
	_, err := s.write.ExecContext(ctx, s.q(`INSERT INTO onboarding_blacklist (value, reason, created_at) VALUES (?, ?, ?)
		ON CONFLICT (value) DO UPDATE SET reason = excluded.reason`), value, reason, nanos(s.now()))
	return s.err(err, "add blacklist")
}

// Blacklisted implements posguard.ApplicationStore.
func (s *Store) Blacklisted(ctx context.Context, values ...string) (string, bool, error) {
	for _, v := range values {
		if v == "" {
			continue
		}
		var reason string
		err := s.read.QueryRowContext(ctx, s.q(`SELECT reason FROM onboarding_blacklist WHERE value = ?`), v).Scan(&reason)
		if err == nil {
			return reason, true, nil
		}
		if err != sql.ErrNoRows {
			return "", false, s.err(err, "blacklist")
		}
	}
	return "", false, nil
}

// AddMerchantEvent implements posguard.ApplicationStore.
func (s *Store) AddMerchantEvent(ctx context.Context, e *posguard.MerchantEvent) error {
	if e.At.IsZero() {
		e.At = s.now()
	}
	err := s.write.QueryRowContext(ctx, s.q(`INSERT INTO merchant_events (merchant_id, at, actor, action, reason, detail)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`), e.MerchantID, nanos(e.At), e.Actor, e.Action, e.Reason, e.Detail).Scan(&e.ID)
	return s.err(err, "add merchant event")
}

// MerchantEvents implements posguard.ApplicationStore.
func (s *Store) MerchantEvents(ctx context.Context, merchantID string, n int) ([]*posguard.MerchantEvent, error) {
	rows, err := s.read.QueryContext(ctx, s.q(`SELECT id, merchant_id, at, actor, action, reason, detail FROM merchant_events
		WHERE merchant_id = ? ORDER BY id DESC LIMIT ?`), merchantID, limit(n))
	if err != nil {
		return nil, s.err(err, "merchant events")
	}
	defer rows.Close()
	var out []*posguard.MerchantEvent
	for rows.Next() {
		var e posguard.MerchantEvent
		var at int64
		if err := rows.Scan(&e.ID, &e.MerchantID, &at, &e.Actor, &e.Action, &e.Reason, &e.Detail); err != nil {
			return nil, s.err(err, "scan merchant event")
		}
		e.At = fromNanos(at)
		out = append(out, &e)
	}
	return out, s.err(rows.Err(), "merchant events")
}

// Bind implements posguard.ApplicationStore.
func (s *Store) Bind(ctx context.Context, b *posguard.TerminalBinding) error {
	b.BoundAt = s.now()
	_, err := s.write.ExecContext(ctx, s.q(`INSERT INTO terminal_bindings (terminal_id, serial_no, merchant_id, model, bound_at)
		VALUES (?, ?, ?, ?, ?)`), b.TerminalID, b.SerialNo, b.MerchantID, b.Model, nanos(b.BoundAt))
	if err != nil {
		err = s.err(err, "bind terminal")
		if posguard.ErrorCode(err) == posguard.ECONFLICT {
			return posguard.Errorf(posguard.ECONFLICT, "serial number %s (or terminal %s) is bound already", b.SerialNo, b.TerminalID)
		}
	}
	return err
}

// Unbind implements posguard.ApplicationStore.
func (s *Store) Unbind(ctx context.Context, terminalID string) (*posguard.TerminalBinding, error) {
	var b *posguard.TerminalBinding
	err := s.inTx(ctx, "unbind terminal", func(tx *sql.Tx) error {
		var err error
		if b, err = scanBinding(tx.QueryRowContext(ctx, s.q(`SELECT terminal_id, serial_no, merchant_id, model, bound_at
			FROM terminal_bindings WHERE terminal_id = ?`), terminalID)); err == sql.ErrNoRows {
			return posguard.Errorf(posguard.ENOTFOUND, "terminal %s is not bound", terminalID)
		} else if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`DELETE FROM terminal_bindings WHERE terminal_id = ?`), terminalID)
		return err
	})
	return b, err
}

// MoveBinding implements posguard.ApplicationStore.
func (s *Store) MoveBinding(ctx context.Context, terminalID, merchantID string) error {
	r, err := s.write.ExecContext(ctx, s.q(`UPDATE terminal_bindings SET merchant_id = ?, bound_at = ? WHERE terminal_id = ?`),
		merchantID, nanos(s.now()), terminalID)
	if err != nil {
		return s.err(err, "move binding")
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return posguard.Errorf(posguard.ENOTFOUND, "terminal %s is not bound", terminalID)
	}
	return nil
}

// Binding implements posguard.ApplicationStore.
func (s *Store) Binding(ctx context.Context, terminalID string) (*posguard.TerminalBinding, error) {
	b, err := scanBinding(s.read.QueryRowContext(ctx, s.q(`SELECT terminal_id, serial_no, merchant_id, model, bound_at
		FROM terminal_bindings WHERE terminal_id = ?`), terminalID))
	if err == sql.ErrNoRows {
		return nil, posguard.Errorf(posguard.ENOTFOUND, "terminal %s is not bound", terminalID)
	}
	return b, s.err(err, "read binding")
}

// Bindings implements posguard.ApplicationStore.
func (s *Store) Bindings(ctx context.Context, merchantID string) ([]*posguard.TerminalBinding, error) {
	rows, err := s.read.QueryContext(ctx, s.q(`SELECT terminal_id, serial_no, merchant_id, model, bound_at
		FROM terminal_bindings WHERE merchant_id = ? ORDER BY terminal_id`), merchantID)
	if err != nil {
		return nil, s.err(err, "list bindings")
	}
	defer rows.Close()
	var out []*posguard.TerminalBinding
	for rows.Next() {
		b, err := scanBinding(rows)
		if err != nil {
			return nil, s.err(err, "scan binding")
		}
		out = append(out, b)
	}
	return out, s.err(rows.Err(), "list bindings")
}

func scanBinding(r scanner) (*posguard.TerminalBinding, error) {
	var b posguard.TerminalBinding
	var at int64
	if err := r.Scan(&b.TerminalID, &b.SerialNo, &b.MerchantID, &b.Model, &at); err != nil {
		return nil, err
	}
	b.BoundAt = fromNanos(at)
	return &b, nil
}
