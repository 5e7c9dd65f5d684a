package sqlstore

import (
	"context"
	"errors"
)

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
	if err == nil {
		if b == nil {
			b = []byte{}
		}
		if bound {
			ad = SettingAD(name)
		}
		return b, ad, nil
	}
	if !errors.Is(err, ErrNoRows) {
		return nil, nil, s.DB.Err(err, "sealed sample")
	}
	// Wallet keys are sealed too.
	for _, w := range []struct {
		query string
		ad    func(string) []byte
	}{
		{`SELECT name, key_sealed FROM wallet_channels ORDER BY name LIMIT 1`, WalletChannelKeyAD},
		{`SELECT merchant_id, notify_key_sealed FROM merchant_wallets ORDER BY merchant_id LIMIT 1`, MerchantWalletKeyAD},
	} {
		err = s.DB.QueryRow(ctx, w.query).Scan(&name, &b)
		if errors.Is(err, ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, nil, s.DB.Err(err, "sealed sample")
		}
		if bound {
			ad = w.ad(name)
		}
		return b, ad, nil
	}
	return nil, nil, nil
}
