package sqlstore

import (
	"context"
	"errors"

	"github.com/posguard/posguard"
)

var _ posguard.SettingStore = (*Store)(nil)

// PutSetting stores value under name; a secret value is sealed under the
// host key.
func (s *Store) PutSetting(ctx context.Context, name string, value []byte, secret bool) error {
	v, err := SettingValue(s.Sealer, name, value, secret)
	if err != nil {
		return err
	}
	_, err = s.DB.Exec(ctx, "put setting", `INSERT INTO settings (name, value, secret, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value, secret = excluded.secret, updated_at = excluded.updated_at`,
		name, v, secret, s.T(s.NowUTC()))
	return err
}

// Setting returns the value under name, unsealed; ENOTFOUND if unset.
func (s *Store) Setting(ctx context.Context, name string) ([]byte, error) {
	var v []byte
	var secret bool
	err := s.DB.QueryRow(ctx, `SELECT value, secret FROM settings WHERE name = ?`, name).Scan(&v, &secret)
	if errors.Is(err, ErrNoRows) {
		return nil, SettingNotSet(name)
	}
	if err != nil {
		return nil, s.DB.Err(err, "get setting")
	}
	return OpenSetting(s.Sealer, name, v, secret)
}
