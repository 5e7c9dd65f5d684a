package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/posguard/posguard"
)

// PutSetting stores value under name; a secret value is sealed under the
// host key. Same contract as the SQLite store's.
func (s *Store) PutSetting(ctx context.Context, name string, value []byte, secret bool) error {
	v := value
	if secret {
		sealed, err := s.sealer.Seal(value)
		if err != nil {
			return posguard.WrapError(posguard.EINTERNAL, err, "seal setting %s", name)
		}
		v = sealed
	}
	if v == nil {
		v = []byte{}
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO settings (name, value, secret, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value, secret = excluded.secret, updated_at = excluded.updated_at`,
		name, v, secret, s.now())
	return dbError(err, "put setting")
}

// Setting returns the value under name, unsealed; ENOTFOUND if unset.
func (s *Store) Setting(ctx context.Context, name string) ([]byte, error) {
	var v []byte
	var secret bool
	err := s.pool.QueryRow(ctx, `SELECT value, secret FROM settings WHERE name = $1`, name).Scan(&v, &secret)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, posguard.Errorf(posguard.ENOTFOUND, "setting %s not set", name)
	}
	if err != nil {
		return nil, dbError(err, "get setting")
	}
	if secret {
		if v, err = s.sealer.Open(v); err != nil {
			return nil, posguard.WrapError(posguard.EINTERNAL, err, "open setting %s (wrong host key?)", name)
		}
	}
	return v, nil
}
