package qr

import (
	"context"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/internal/vcache"
)

// lookups keeps the merchants and wallets an order's gate reads, for the
// requests that carry a cache version (the API's authentication reads it):
// a merchant or wallet read at the request's version is used again, and
// any change to one (a freeze, new limits, a wallet put, on any instance)
// moves the version on, so the next order reads it afresh (docs/qr.md,
// "Caches"). Without a version every order reads the store.
type lookups struct {
	merchants vcache.Cache[*posguard.Merchant]
	wallets   vcache.Cache[*posguard.MerchantWallet]
}

// merchant returns merchant id (read-only: it may be shared with other
// orders).
func (e *Engine) merchant(ctx context.Context, id string) (*posguard.Merchant, error) {
	return e.lookups.merchants.Read(ctx, id, func() (*posguard.Merchant, error) { return e.Merchants.Merchant(ctx, id) }, nil)
}

// wallet returns the wallet of merchant id (read-only); ENOTFOUND when it
// has none, which is kept like a wallet.
func (e *Engine) wallet(ctx context.Context, id string) (*posguard.MerchantWallet, error) {
	return e.lookups.wallets.Read(ctx, id, func() (*posguard.MerchantWallet, error) { return e.Store.MerchantWallet(ctx, id) },
		func(err error) bool { return posguard.ErrorCode(err) == posguard.ENOTFOUND })
}
