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
