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
func sealFormat(ctx context.Context, q interface {
	QueryRow(ctx context.Context, query string, args ...any) Row
}) (string, error) {
	var v []byte
	err := q.QueryRow(ctx, `SELECT value FROM settings WHERE name = ?`, SettingSealFormat).Scan(&v)
	if errors.Is(err, ErrNoRows) {
		return SealFormatBound, nil
	}
	if err != nil {
		return "", err
	}
	return string(v), nil
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
