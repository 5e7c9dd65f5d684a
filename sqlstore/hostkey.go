package sqlstore

import (
	"context"
	"errors"
)

// HasSealedData reports whether the store holds anything sealed under the
// host key: a terminal's master or working keys, or a secret setting. A host
// key may be created only for a store without any.
func (s *Store) HasSealedData(ctx context.Context) (bool, error) {
	b, err := s.SealedSample(ctx)
	return b != nil, err
}

// SealedSample returns one value sealed under the host key (nil when the
// store holds none), so that a host key can be tried on the store before it
// is used.
func (s *Store) SealedSample(ctx context.Context) ([]byte, error) {
	var b []byte
	err := s.DB.QueryRow(ctx, `SELECT tmk_sealed FROM terminals WHERE tmk_sealed IS NOT NULL ORDER BY id LIMIT 1`).Scan(&b)
	if err == nil && len(b) > 0 {
		return b, nil
	}
	if err != nil && !errors.Is(err, ErrNoRows) {
		return nil, s.DB.Err(err, "sealed sample")
	}
	err = s.DB.QueryRow(ctx, `SELECT value FROM settings WHERE secret = ? ORDER BY name LIMIT 1`, true).Scan(&b)
	if errors.Is(err, ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, s.DB.Err(err, "sealed sample")
	}
	if b == nil {
		b = []byte{}
	}
	return b, nil
}
