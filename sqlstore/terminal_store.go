package sqlstore

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/posguard/posguard"
)

var _ posguard.TerminalStore = (*Store)(nil)

// PutTerminal inserts or updates a terminal's provisioning data (merchant,
// TMK, scheme, MAC, model, firmware, status). Sign-on state and working keys
// of an existing terminal are kept; a new terminal starts signed off with
// batch "000001". An empty status is stored as active. EINVALID for an empty
// ID or an unknown status.
func (s *Store) PutTerminal(ctx context.Context, t *posguard.Terminal) error {
	if t == nil || t.ID == "" {
		return posguard.Errorf(posguard.EINVALID, "terminal: empty ID")
	}
	status := t.Status
	if status == "" {
		status = posguard.TerminalActive
	}
	if status != posguard.TerminalActive && status != posguard.TerminalDisabled {
		return posguard.Errorf(posguard.EINVALID, "terminal %s: unknown status %q", t.ID, t.Status)
	}
	tmk, err := sealKey(s.Sealer, t.TMK, TerminalKeyAD(t.ID, "tmk_sealed"))
	if err != nil {
		return posguard.WrapError(posguard.EINTERNAL, err, "terminal %s: seal TMK", t.ID)
	}
	// A new terminal: signed off, batch 000001, never seen, no working keys.
	v := &sealedTerminal{Terminal: posguard.Terminal{ID: t.ID, MerchantID: t.MerchantID, KeyScheme: t.KeyScheme, MAC: t.MAC,
		Model: t.Model, Firmware: t.Firmware, Status: status, Batch: "000001", UpdatedAt: s.NowUTC()}, k: [4][]byte{tmk}}
	return terminalTable.add(ctx, s.DB, s, v, ` ON CONFLICT (id) DO UPDATE SET `+
		setExcluded("merchant_id, tmk_sealed, key_scheme, mac, model, firmware, status, updated_at"))
}

// Terminal returns the terminal with id, keys unsealed; ENOTFOUND if none.
func (s *Store) Terminal(ctx context.Context, id string) (*posguard.Terminal, error) {
	return queryOne(ctx, s.DB, "get terminal", func() error { return NotFound("terminal", id) }, s.scanTerminal,
		`SELECT `+terminalTable.cols+` FROM terminals WHERE id = ?`, id)
}

// Terminals returns all terminals ordered by ID, keys unsealed.
func (s *Store) Terminals(ctx context.Context) ([]*posguard.Terminal, error) {
	return queryAll(ctx, s.DB, "list terminals", s.scanTerminal, `SELECT `+terminalTable.cols+` FROM terminals ORDER BY id`)
}

// SaveSignOn records a sign-on: new working keys (sealed), signed on at
// `at`, and the open batch (kept when batch is empty). The keys it replaces
// are kept in terminal_replaced_keys (re-sealed for that row) in the same
// transaction, and kept keys older than ReplacedKeysRetention dropped.
// ENOTFOUND if the terminal does not exist; EINVALID if batch is not six
// digits.
func (s *Store) SaveSignOn(ctx context.Context, id string, keys posguard.WorkingKeys, batch string, at time.Time) error {
	if err := checkBatch(id, batch); batch != "" && err != nil {
		return err
	}
	var sealed [3][]byte
	for i, k := range [][]byte{keys.PIK, keys.MAK, keys.TDK} {
		var err error
		if sealed[i], err = sealKey(s.Sealer, k, TerminalKeyAD(id, terminalKeyColumns[i+1])); err != nil {
			return posguard.WrapError(posguard.EINTERNAL, err, "terminal %s: seal working key", id)
		}
	}
	at = at.UTC().Truncate(time.Microsecond)
	return s.DB.InTx(ctx, "save sign-on", func(tx *Tx) error {
		var mac string
		var old [3][]byte
		if err := tx.QueryRow(ctx, `SELECT mac, pik_sealed, mak_sealed, tdk_sealed FROM terminals WHERE id = ?`+s.DB.D.ForUpdate, id).
			Scan(&mac, &old[0], &old[1], &old[2]); err != nil {
			return found(tx, err, "save sign-on", func() error { return NotFound("terminal", id) })
		}
		if len(old[1]) > 0 {
			var kept [3][]byte
			for i, b := range old {
				plain, err := s.openKey(b, TerminalKeyAD(id, terminalKeyColumns[i+1]), id, terminalKeyColumns[i+1])
				if err != nil {
					return err
				}
				kept[i], err = sealKey(s.Sealer, plain, ReplacedKeyAD(id, at, terminalKeyColumns[i+1]))
				clear(plain)
				if err != nil {
					return err
				}
			}
			if _, err := tx.Exec(ctx, "keep replaced keys", `
				INSERT INTO terminal_replaced_keys (terminal_id, replaced_at, mac, pik_sealed, mak_sealed, tdk_sealed)
				VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (terminal_id, replaced_at) DO NOTHING`,
				id, s.T(at), mac, kept[0], kept[1], kept[2]); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, "drop old replaced keys", `DELETE FROM terminal_replaced_keys WHERE terminal_id = ? AND replaced_at < ?`,
			id, s.T(at.Add(-ReplacedKeysRetention))); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "save sign-on", `
			UPDATE terminals SET signed_on = ?, signed_on_at = ?, last_seen = ?,
				batch = CASE WHEN CAST(? AS TEXT) = '' THEN batch ELSE CAST(? AS TEXT) END,
				pik_sealed = ?, mak_sealed = ?, tdk_sealed = ?, updated_at = ?
			WHERE id = ?`,
			true, s.T(at), s.T(at), batch, batch, sealed[0], sealed[1], sealed[2], s.T(s.NowUTC()), id)
		return err
	})
}

// ReplacedKeysRetention bounds how long replaced working keys are kept,
// whatever the switch's grace period (which is shorter).
const ReplacedKeysRetention = 24 * time.Hour

// ReplacedKeyAD returns the associated data of a kept replaced key: its
// terminal, the time it was replaced (microseconds) and its column.
func ReplacedKeyAD(id string, at time.Time, column string) []byte {
	return posguard.SealAD("terminal_replaced_keys", column, id, strconv.FormatInt(at.UTC().UnixMicro(), 10))
}

// ReplacedKeys returns the kept working keys of terminal id replaced at or
// after since, oldest first, unsealed. EINTERNAL naming the row when one
// does not open.
func (s *Store) ReplacedKeys(ctx context.Context, id string, since time.Time) ([]posguard.ReplacedKeys, error) {
	if since.IsZero() {
		since = time.Unix(0, 0) // the zero time is NULL where times are native
	}
	return queryAll(ctx, s.DB, "replaced keys", func(r Row) (posguard.ReplacedKeys, error) {
		var k posguard.ReplacedKeys
		var b [3][]byte
		if err := r.Scan(TimeCol(&k.ReplacedAt), &k.MAC, &b[0], &b[1], &b[2]); err != nil {
			return k, err
		}
		for i, dst := range []*[]byte{&k.Keys.PIK, &k.Keys.MAK, &k.Keys.TDK} {
			var err error
			if *dst, err = s.openKey(b[i], ReplacedKeyAD(id, k.ReplacedAt, terminalKeyColumns[i+1]), id,
				"replaced "+terminalKeyColumns[i+1]+" of "+k.ReplacedAt.Format(time.RFC3339Nano)); err != nil {
				return k, err
			}
		}
		return k, nil
	}, `SELECT replaced_at, mac, pik_sealed, mak_sealed, tdk_sealed FROM terminal_replaced_keys
		WHERE terminal_id = ? AND replaced_at >= ? ORDER BY replaced_at`, id, s.T(since.UTC().Truncate(time.Microsecond)))
}

// ForgetReplacedKeys drops every kept replaced key of terminal id.
func (s *Store) ForgetReplacedKeys(ctx context.Context, id string) error {
	_, err := s.DB.Exec(ctx, "forget replaced keys", `DELETE FROM terminal_replaced_keys WHERE terminal_id = ?`, id)
	return err
}

// SetSignedOff marks the terminal signed off (its keys stay stored).
// ENOTFOUND if the terminal does not exist.
func (s *Store) SetSignedOff(ctx context.Context, id string, at time.Time) error {
	n, err := s.DB.Exec(ctx, "sign off", `UPDATE terminals SET signed_on = ?, last_seen = ?, updated_at = ? WHERE id = ?`,
		false, s.T(at.UTC()), s.T(s.NowUTC()), id)
	return affectedOne(n, err, "terminal", id)
}

// SetBatch sets the terminal's open batch. ENOTFOUND if the terminal does not
// exist; EINVALID if batch is not six digits.
func (s *Store) SetBatch(ctx context.Context, id, batch string) error {
	if err := checkBatch(id, batch); err != nil {
		return err
	}
	n, err := s.DB.Exec(ctx, "set batch", `UPDATE terminals SET batch = ?, updated_at = ? WHERE id = ?`,
		batch, s.T(s.NowUTC()), id)
	return affectedOne(n, err, "terminal", id)
}

// sealedTerminal is a row of terminals: a terminal with its keys still
// sealed (k, in terminalKeyColumns' order).
type sealedTerminal struct {
	posguard.Terminal
	k [4][]byte
}

// terminalTable is terminals as read (scanTerminal unseals the keys).
var terminalTable = newTable("terminals", "", `id, merchant_id, tmk_sealed, key_scheme, mac, model, firmware, status,
	signed_on, signed_on_at, batch, pik_sealed, mak_sealed, tdk_sealed, last_seen, updated_at`, func(t *sealedTerminal) []any {
	return []any{&t.ID, &t.MerchantID, &t.k[0], &t.KeyScheme, &t.MAC, &t.Model, &t.Firmware, &t.Status,
		&t.SignedOn, &t.SignedOnAt, &t.Batch, &t.k[1], &t.k[2], &t.k[3], &t.LastSeen, &t.UpdatedAt}
})

// scanTerminal reads a row of terminalTable and unseals its keys.
func (s *Store) scanTerminal(r Row) (*posguard.Terminal, error) {
	t, err := terminalTable.scan(r)
	if err != nil {
		return nil, err
	}
	for i, dst := range []*[]byte{&t.TMK, &t.Keys.PIK, &t.Keys.MAK, &t.Keys.TDK} {
		if *dst, err = s.openKey(t.k[i], TerminalKeyAD(t.ID, terminalKeyColumns[i]), t.ID, terminalKeyColumns[i]); err != nil {
			return nil, err
		}
	}
	return &t.Terminal, nil
}

// Where terminal keys are sealed: each value is bound to its terminal and
// column (posguard.SealAD), so it does not open in another row.
var terminalKeyColumns = [4]string{"tmk_sealed", "pik_sealed", "mak_sealed", "tdk_sealed"}

// TerminalKeyAD returns the associated data of a terminal's sealed key in
// column (tmk_sealed, pik_sealed, mak_sealed or tdk_sealed).
func TerminalKeyAD(id, column string) []byte { return posguard.SealAD("terminals", column, id) }

// sealKey encrypts a key for storage bound to ad; an empty key is stored
// as NULL.
func sealKey(sealer posguard.Sealer, key, ad []byte) ([]byte, error) {
	if len(key) == 0 {
		return nil, nil
	}
	return sealer.Seal(key, ad)
}

// openKey decrypts a stored key of terminal id sealed with ad; NULL is a
// nil key. A key that does not open is EINTERNAL naming the terminal and
// what the key is: altered, copied from another row, or sealed under
// another host key.
func (s *Store) openKey(sealed, ad []byte, id, what string) ([]byte, error) {
	if len(sealed) == 0 {
		return nil, nil
	}
	plain, err := s.Sealer.Open(sealed, ad)
	if err != nil {
		return nil, posguard.Errorf(posguard.EINTERNAL,
			"terminal %s: %s does not open: it was altered, copied from another row, or sealed under another host key", id, what)
	}
	return plain, nil
}

// checkBatch is EINVALID unless batch is a six-digit batch number.
func checkBatch(id, batch string) error {
	if len(batch) != 6 || strings.Trim(batch, "0123456789") != "" {
		return posguard.Errorf(posguard.EINVALID, "terminal %s: batch %q is not six digits", id, batch)
	}
	return nil
}
