package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/sqlstore"
)

// PutTerminal inserts or updates a terminal's provisioning data (merchant,
// TMK, scheme, MAC, model, firmware, status). Sign-on state and working keys
// of an existing terminal are kept; a new terminal starts signed off with
// batch "000001". An empty status is stored as active. EINVALID for an empty
// ID or an unknown status.
func (s *Store) PutTerminal(ctx context.Context, t *posguard.Terminal) error {
	status, err := sqlstore.TerminalStatus(t)
	if err != nil {
		return err
	}
	tmk, err := sqlstore.SealTMK(s.sealer, t)
	if err != nil {
		return err
	}
	now := s.now()
	_, err = s.write.ExecContext(ctx, `
		INSERT INTO terminals (id, merchant_id, tmk_sealed, key_scheme, mac, model, firmware, status,
			signed_on, signed_on_at, batch, last_seen, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 0, '000001', 0, ?)
		ON CONFLICT (id) DO UPDATE SET
			merchant_id = excluded.merchant_id, tmk_sealed = excluded.tmk_sealed,
			key_scheme = excluded.key_scheme, mac = excluded.mac, model = excluded.model,
			firmware = excluded.firmware, status = excluded.status, updated_at = excluded.updated_at`,
		t.ID, t.MerchantID, tmk, t.KeyScheme, t.MAC, t.Model, t.Firmware, string(status), nanos(now))
	if err != nil {
		return dbError(err, "put terminal")
	}
	return nil
}

// Terminal returns the terminal with id, keys unsealed; ENOTFOUND if none.
func (s *Store) Terminal(ctx context.Context, id string) (*posguard.Terminal, error) {
	row := s.read.QueryRowContext(ctx, `SELECT `+sqlstore.TerminalColumns+` FROM terminals WHERE id = ?`, id)
	t, err := s.scanTerminal(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, posguard.Errorf(posguard.ENOTFOUND, "terminal %s not found", id)
	}
	if err != nil {
		return nil, dbError(err, "get terminal")
	}
	return t, nil
}

// Terminals returns all terminals ordered by ID, keys unsealed.
func (s *Store) Terminals(ctx context.Context) ([]*posguard.Terminal, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+sqlstore.TerminalColumns+` FROM terminals ORDER BY id`)
	if err != nil {
		return nil, dbError(err, "list terminals")
	}
	return collect(rows, "list terminals", s.scanTerminal)
}

// SaveSignOn records a sign-on: new working keys (sealed), signed on at
// `at`, and the open batch (kept when batch is empty). ENOTFOUND if the
// terminal does not exist; EINVALID if batch is not six digits.
func (s *Store) SaveSignOn(ctx context.Context, id string, keys posguard.WorkingKeys, batch string, at time.Time) error {
	sealed, err := sqlstore.SignOnColumns(s.sealer, id, keys, batch)
	if err != nil {
		return err
	}
	at = at.UTC()
	res, err := s.write.ExecContext(ctx, `
		UPDATE terminals SET signed_on = 1, signed_on_at = ?, last_seen = ?,
			batch = CASE WHEN ? = '' THEN batch ELSE ? END,
			pik_sealed = ?, mak_sealed = ?, tdk_sealed = ?, updated_at = ?
		WHERE id = ?`,
		nanos(at), nanos(at), batch, batch, sealed[0], sealed[1], sealed[2], nanos(s.now()), id)
	return affectedOne(res, err, "save sign-on", "terminal", id)
}

// SetSignedOff marks the terminal signed off (its keys stay stored).
// ENOTFOUND if the terminal does not exist.
func (s *Store) SetSignedOff(ctx context.Context, id string, at time.Time) error {
	res, err := s.write.ExecContext(ctx, `
		UPDATE terminals SET signed_on = 0, last_seen = ?, updated_at = ? WHERE id = ?`,
		nanos(at.UTC()), nanos(s.now()), id)
	return affectedOne(res, err, "sign off", "terminal", id)
}

// SetBatch sets the terminal's open batch. ENOTFOUND if the terminal does not
// exist; EINVALID if batch is not six digits.
func (s *Store) SetBatch(ctx context.Context, id, batch string) error {
	if err := sqlstore.CheckBatch(id, batch); err != nil {
		return err
	}
	res, err := s.write.ExecContext(ctx, `UPDATE terminals SET batch = ?, updated_at = ? WHERE id = ?`,
		batch, nanos(s.now()), id)
	return affectedOne(res, err, "set batch", "terminal", id)
}

func (s *Store) scanTerminal(r scanner) (*posguard.Terminal, error) {
	var (
		t                             posguard.Terminal
		status                        string
		signedOn                      int
		signedOnAt, lastSeen, updated int64
		tmk, pik, mak, tdk            []byte
	)
	if err := r.Scan(&t.ID, &t.MerchantID, &tmk, &t.KeyScheme, &t.MAC, &t.Model, &t.Firmware, &status,
		&signedOn, &signedOnAt, &t.Batch, &pik, &mak, &tdk, &lastSeen, &updated); err != nil {
		return nil, err
	}
	t.Status = posguard.TerminalStatus(status)
	t.SignedOn = signedOn != 0
	t.SignedOnAt, t.LastSeen, t.UpdatedAt = fromNanos(signedOnAt), fromNanos(lastSeen), fromNanos(updated)
	if err := sqlstore.OpenTerminalKeys(s.sealer, &t, tmk, pik, mak, tdk); err != nil {
		return nil, err
	}
	return &t, nil
}

// affectedOne turns an UPDATE's result into ENOTFOUND when no row matched.
func affectedOne(res sql.Result, err error, op, what, id string) error {
	if err != nil {
		return dbError(err, op)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return dbError(err, op)
	}
	if n == 0 {
		return sqlstore.NotFound(what, id)
	}
	return nil
}
