package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/posguard/posguard/internal/sqlstore"
)

// PutSetting stores value under name; a secret value is sealed under the
// host key.
func (s *Store) PutSetting(ctx context.Context, name string, value []byte, secret bool) error {
	v, err := sqlstore.SettingValue(s.sealer, name, value, secret)
	if err != nil {
		return err
	}
	_, err = s.write.ExecContext(ctx, `INSERT INTO settings (name, value, secret, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value, secret = excluded.secret, updated_at = excluded.updated_at`,
		name, v, secret, nanos(s.now()))
	return dbError(err, "put setting")
}

// Setting returns the value under name, unsealed; ENOTFOUND if unset.
func (s *Store) Setting(ctx context.Context, name string) ([]byte, error) {
	var v []byte
	var secret bool
	err := s.read.QueryRowContext(ctx, `SELECT value, secret FROM settings WHERE name = ?`, name).Scan(&v, &secret)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sqlstore.SettingNotSet(name)
	}
	if err != nil {
		return nil, dbError(err, "get setting")
	}
	return sqlstore.OpenSetting(s.sealer, name, v, secret)
}
