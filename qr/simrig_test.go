package qr_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/simwallet"
	"github.com/posguard/posguard/sqlite"
	"github.com/posguard/posguard/storetest"
	"github.com/posguard/posguard/wallet"
)

// The set-up pieces the engine's tests and benchmarks share.

// walletStore is what the set-ups write to: merchants, their wallets and
// the wallet channel.
type walletStore interface {
	PutMerchant(ctx context.Context, m *posguard.Merchant) error
	PutMerchantWallet(ctx context.Context, w *posguard.MerchantWallet) error
	PutWalletChannel(ctx context.Context, c *posguard.WalletChannel) error
}

// startSim serves simwallet with world (YAML) over real HTTP (loopback)
// until tb ends; it returns the simulator and its URL.
func startSim(tb testing.TB, world string) (*simwallet.Sim, string) {
	tb.Helper()
	w, err := simwallet.ParseWorld([]byte(world))
	if err != nil {
		tb.Fatal(err)
	}
	sim, err := simwallet.New(w, simwallet.Options{Seed: 1})
	if err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	tb.Cleanup(srv.Close)
	return sim, srv.URL
}

// openSQLite opens a SQLite store named file in tb's temporary folder,
// closed when tb ends.
func openSQLite(tb testing.TB, file string) *sqlite.Store {
	tb.Helper()
	st, err := sqlite.Open(filepath.Join(tb.TempDir(), file), storetest.NewSealer())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

// putShop registers m with its wallet sub-merchant id mch and the notify
// key every test here uses.
func putShop(ctx context.Context, tb testing.TB, st walletStore, m *posguard.Merchant, mch string) {
	tb.Helper()
	if err := st.PutMerchant(ctx, m); err != nil {
		tb.Fatal(err)
	}
	if err := st.PutMerchantWallet(ctx, &posguard.MerchantWallet{MerchantID: m.ID, MchID: mch, NotifyKey: bytes.Repeat([]byte{1}, 32)}); err != nil {
		tb.Fatal(err)
	}
}

// putWX registers the wechat channel "wx" at the simulator's url with
// appID, keyed with benchKey.
func putWX(ctx context.Context, tb testing.TB, st walletStore, url, appID string) {
	tb.Helper()
	key, err := wallet.ParseKey(benchKey)
	if err != nil {
		tb.Fatal(err)
	}
	if err := st.PutWalletChannel(ctx, &posguard.WalletChannel{Name: "wx", Kind: "wechat", URL: url + "/wx", AppID: appID, Key: key}); err != nil {
		tb.Fatal(err)
	}
}
