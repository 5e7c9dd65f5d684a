package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
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
	_, err = s.pool.Exec(ctx, `
		INSERT INTO terminals (id, merchant_id, tmk_sealed, key_scheme, mac, model, firmware, status, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (id) DO UPDATE SET
			merchant_id = excluded.merchant_id, tmk_sealed = excluded.tmk_sealed,
			key_scheme = excluded.key_scheme, mac = excluded.mac, model = excluded.model,
			firmware = excluded.firmware, status = excluded.status, updated_at = excluded.updated_at`,
		t.ID, t.MerchantID, tmk, t.KeyScheme, t.MAC, t.Model, t.Firmware, string(status), s.now())
	if err != nil {
		return dbError(err, "put terminal")
	}
	return nil
}

// Terminal returns the terminal with id, keys unsealed; ENOTFOUND if none.
func (s *Store) Terminal(ctx context.Context, id string) (*posguard.Terminal, error) {
	t, err := s.scanTerminal(s.pool.QueryRow(ctx, `SELECT `+sqlstore.TerminalColumns+` FROM terminals WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, posguard.Errorf(posguard.ENOTFOUND, "terminal %s not found", id)
	}
	if err != nil {
		return nil, dbError(err, "get terminal")
	}
	return t, nil
}

// Terminals returns all terminals ordered by ID, keys unsealed.
func (s *Store) Terminals(ctx context.Context) ([]*posguard.Terminal, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+sqlstore.TerminalColumns+` FROM terminals ORDER BY id`)
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
	tag, err := s.pool.Exec(ctx, `
		UPDATE terminals SET signed_on = true, signed_on_at = $1, last_seen = $1,
			batch = CASE WHEN $2 = '' THEN batch ELSE $2 END,
			pik_sealed = $3, mak_sealed = $4, tdk_sealed = $5, updated_at = $6
		WHERE id = $7`,
		tsArg(at), batch, sealed[0], sealed[1], sealed[2], s.now(), id)
	return affectedOne(tag, err, "save sign-on", "terminal", id)
}

// SetSignedOff marks the terminal signed off (its keys stay stored).
// ENOTFOUND if the terminal does not exist.
func (s *Store) SetSignedOff(ctx context.Context, id string, at time.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE terminals SET signed_on = false, last_seen = $1, updated_at = $2 WHERE id = $3`,
		tsArg(at), s.now(), id)
	return affectedOne(tag, err, "sign off", "terminal", id)
}

// SetBatch sets the terminal's open batch. ENOTFOUND if the terminal does not
// exist; EINVALID if batch is not six digits.
func (s *Store) SetBatch(ctx context.Context, id, batch string) error {
	if err := sqlstore.CheckBatch(id, batch); err != nil {
		return err
	}
	tag, err := s.pool.Exec(ctx, `UPDATE terminals SET batch = $1, updated_at = $2 WHERE id = $3`, batch, s.now(), id)
	return affectedOne(tag, err, "set batch", "terminal", id)
}

func (s *Store) scanTerminal(r pgx.Row) (*posguard.Terminal, error) {
	var (
		t                    posguard.Terminal
		status               string
		signedOnAt, lastSeen *time.Time
		updated              time.Time
		tmk, pik, mak, tdk   []byte
	)
	if err := r.Scan(&t.ID, &t.MerchantID, &tmk, &t.KeyScheme, &t.MAC, &t.Model, &t.Firmware, &status,
		&t.SignedOn, &signedOnAt, &t.Batch, &pik, &mak, &tdk, &lastSeen, &updated); err != nil {
		return nil, err
	}
	t.Status = posguard.TerminalStatus(status)
	t.SignedOnAt, t.LastSeen, t.UpdatedAt = fromTS(signedOnAt), fromTS(lastSeen), updated.UTC()
	if err := sqlstore.OpenTerminalKeys(s.sealer, &t, tmk, pik, mak, tdk); err != nil {
		return nil, err
	}
	return &t, nil
}

// affectedOne turns an UPDATE's result into ENOTFOUND when no row matched.
func affectedOne(tag pgconn.CommandTag, err error, op, what, id string) error {
	if err != nil {
		return dbError(err, op)
	}
	if tag.RowsAffected() == 0 {
		return sqlstore.NotFound(what, id)
	}
	return nil
}
