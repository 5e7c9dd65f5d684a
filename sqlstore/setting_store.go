package sqlstore

import (
	"context"

	"github.com/posguard/posguard"
)

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
