package sqlstore

import (
	"context"
	"errors"
)

// HasSealedData reports whether the store holds anything sealed under the
// host key: a terminal's master or working keys, or a secret setting. A host
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
	bound := format != SealFormatUnbound
	var id string
	var b []byte
	err = s.DB.QueryRow(ctx, `SELECT id, tmk_sealed FROM terminals WHERE tmk_sealed IS NOT NULL ORDER BY id LIMIT 1`).Scan(&id, &b)
	if err == nil && len(b) > 0 {
		if bound {
			ad = TerminalKeyAD(id, "tmk_sealed")
		}
		return b, ad, nil
	}
	if err != nil && !errors.Is(err, ErrNoRows) {
		return nil, nil, s.DB.Err(err, "sealed sample")
	}
	var name string
	err = s.DB.QueryRow(ctx, `SELECT name, value FROM settings WHERE secret = ? ORDER BY name LIMIT 1`, true).Scan(&name, &b)
	if errors.Is(err, ErrNoRows) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, s.DB.Err(err, "sealed sample")
	}
	if b == nil {
		b = []byte{}
	}
	if bound {
		ad = SettingAD(name)
	}
	return b, ad, nil
}
