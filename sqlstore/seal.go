package sqlstore

import (
	"context"
	"errors"

	"github.com/posguard/posguard"
)

// Formats of the sealed values a store holds (setting seal.format).
const (
	// SettingSealFormat names the setting that records the format; a store
	// without it holds only values bound to their rows.
	SettingSealFormat = "seal.format"
	// SealFormatUnbound marks a store whose values were sealed without
	// associated data (before migration 0045): UpgradeSealing re-seals them.
	SealFormatUnbound = "1"
	// SealFormatBound marks a store whose values are all bound to their
	// rows (posguard.SealAD).
	SealFormatBound = "2"
)

// sealFormat returns the store's sealing format: SealFormatBound unless
// the setting says otherwise.
func sealFormat(ctx context.Context, q Reader) (string, error) {
	v, err := queryOne(ctx, q, "seal format", none, one[[]byte], `SELECT value FROM settings WHERE name = ?`, SettingSealFormat)
	if err == nil && v == nil { // no setting
		return SealFormatBound, nil
	}
	return string(v), err
}

// UpgradeSealing re-seals, once, every value a store sealed before values
// were bound to their rows: each terminal's TMK and working keys, each
// secret setting, wallet channel key and merchant wallet notify key is opened as it was sealed (no associated data) and sealed
// again bound to its row, and the format is recorded as SealFormatBound,
// all in one transaction. It returns how many values it re-sealed (0 for a
// store already bound). A value that does not open under the store's
// sealer (another host key, or altered) stops it with EINTERNAL naming the
// row, and nothing changes: nothing is ever re-sealed under a key the data
// was not sealed under.
func (s *Store) UpgradeSealing(ctx context.Context) (int, error) {
	n := 0
	err := s.DB.InTx(ctx, "upgrade sealing", func(tx *Tx) error {
		format, err := sealFormat(ctx, tx)
		if err != nil {
			return err
		}
		switch format {
		case SealFormatBound:
			return nil
		case SealFormatUnbound:
		default:
			return posguard.Errorf(posguard.EINTERNAL, "store: unknown sealing format %q (a newer posguard wrote it?)", format)
		}
		// Each sealed column keyed by one text column: the terminals' keys,
		// every secret setting, the wallet keys; where picks the rows
		// holding a value.
		type column struct {
			table, key, column, where, what string
			ad                              func(string) []byte
		}
		var cols []column
		for _, c := range terminalKeyColumns {
			cols = append(cols, column{"terminals", "id", c, "length(" + c + ") > 0", "terminal %s: " + c,
				func(id string) []byte { return TerminalKeyAD(id, c) }})
		}
		cols = append(cols, column{"settings", "name", "value", "secret", "setting %s", SettingAD},
			column{"wallet_channels", "name", "key_sealed", "length(key_sealed) > 0", "wallet_channels %s: key_sealed", WalletChannelKeyAD},
			column{"merchant_wallets", "merchant_id", "notify_key_sealed", "length(notify_key_sealed) > 0",
				"merchant_wallets %s: notify_key_sealed", MerchantWalletKeyAD})
		for _, c := range cols {
			type value struct {
				name  string
				value []byte
			}
			vals, err := queryAll(ctx, tx, "upgrade sealing", func(r Row) (v value, err error) { return v, r.Scan(&v.name, &v.value) },
				`SELECT `+c.key+`, `+c.column+` FROM `+c.table+` WHERE `+c.where+` ORDER BY `+c.key)
			if err != nil {
				return err
			}
			for _, v := range vals {
				plain, err := s.Sealer.Open(v.value, nil)
				if err != nil {
					return posguard.Errorf(posguard.EINTERNAL, "store: "+c.what+" does not open under this host key: nothing was re-sealed", v.name)
				}
				sealed, err := s.Sealer.Seal(plain, c.ad(v.name))
				clear(plain)
				if err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, "upgrade sealing", `UPDATE `+c.table+` SET `+c.column+` = ? WHERE `+c.key+` = ?`, sealed, v.name); err != nil {
					return err
				}
				n++
			}
		}
		_, err = tx.Exec(ctx, "upgrade sealing", `UPDATE settings SET value = ?, updated_at = ? WHERE name = ?`,
			[]byte(SealFormatBound), s.T(s.NowUTC()), SettingSealFormat)
		return err
	})
	if err != nil {
		n = 0
	}
	return n, err
}

// HasSealedData reports whether the store holds anything sealed under the
// host key: a terminal's master key, a secret setting, or a wallet channel's
// or merchant wallet's key. A host
// key may be created only for a store without any.
func (s *Store) HasSealedData(ctx context.Context) (bool, error) {
	b, _, err := s.SealedSample(ctx)
	return b != nil, err
}

// SealedSample returns one value sealed under the host key and the
// associated data it was sealed with (nil sealed when the store holds
// none), so that a host key can be tried on the store before it is used.
// In a store not yet re-sealed (UpgradeSealing) ad is nil.
func (s *Store) SealedSample(ctx context.Context) (sealed, ad []byte, err error) {
	format, err := sealFormat(ctx, s.DB)
	if err != nil {
		return nil, nil, s.DB.Err(err, "sealed sample")
	}
	for _, w := range []struct {
		query string
		ad    func(string) []byte
	}{
		{`SELECT id, tmk_sealed FROM terminals WHERE length(tmk_sealed) > 0 ORDER BY id LIMIT 1`,
			func(id string) []byte { return TerminalKeyAD(id, "tmk_sealed") }},
		{`SELECT name, value FROM settings WHERE secret ORDER BY name LIMIT 1`, SettingAD},
		{`SELECT name, key_sealed FROM wallet_channels ORDER BY name LIMIT 1`, WalletChannelKeyAD},
		{`SELECT merchant_id, notify_key_sealed FROM merchant_wallets ORDER BY merchant_id LIMIT 1`, MerchantWalletKeyAD},
	} {
		var name string
		var b []byte
		if err := s.DB.QueryRow(ctx, w.query).Scan(&name, &b); errors.Is(err, ErrNoRows) {
			continue
		} else if err != nil {
			return nil, nil, s.DB.Err(err, "sealed sample")
		}
		if format != SealFormatUnbound {
			ad = w.ad(name)
		}
		return append([]byte{}, b...), ad, nil
	}
	return nil, nil, nil
}

var _ posguard.SettingStore = (*Store)(nil)

// SettingAD returns the associated data of a secret setting's sealed value.
func SettingAD(name string) []byte { return posguard.SealAD("settings", "value", name) }

// PutSetting stores value under name; a secret value is sealed under the
// host key.
func (s *Store) PutSetting(ctx context.Context, name string, value []byte, secret bool) error {
	v := value
	if secret {
		var err error
		if v, err = s.Sealer.Seal(value, SettingAD(name)); err != nil {
			return posguard.WrapError(posguard.EINTERNAL, err, "seal setting %s", name)
		}
	}
	if v == nil {
		v = []byte{} // the column is NOT NULL: an empty value is still a value
	}
	_, err := s.DB.Exec(ctx, "put setting", `INSERT INTO settings (name, value, secret, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value, secret = excluded.secret, updated_at = excluded.updated_at`,
		name, v, secret, s.T(s.NowUTC()))
	return err
}

// Setting returns the value under name, unsealed; ENOTFOUND if unset.
func (s *Store) Setting(ctx context.Context, name string) ([]byte, error) {
	var v []byte
	var secret bool
	err := s.DB.QueryRow(ctx, `SELECT value, secret FROM settings WHERE name = ?`, name).Scan(&v, &secret)
	if err != nil || !secret {
		return v, found(s.DB, err, "get setting", func() error { return posguard.Errorf(posguard.ENOTFOUND, "setting %s not set", name) })
	}
	if v, err = s.Sealer.Open(v, SettingAD(name)); err != nil {
		return nil, posguard.WrapError(posguard.EINTERNAL, err, "open setting %s: altered, copied from another setting, or sealed under another host key", name)
	}
	return v, nil
}
