package seed_test

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"path/filepath"
	"testing"
	"time"

	posguard "github.com/posguard/posguard"
	"github.com/posguard/posguard/seed"
	"github.com/posguard/posguard/sqlite"
)

// gcmSealer is a test sealer: AES-256-GCM under a random key, nonce first.
type gcmSealer struct{ aead cipher.AEAD }

func newSealer(t *testing.T) *gcmSealer {
	t.Helper()
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	return &gcmSealer{aead}
}

func (s *gcmSealer) Seal(plain, ad []byte) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return s.aead.Seal(nonce, nonce, plain, ad), nil
}

func (s *gcmSealer) Open(sealed, ad []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n {
		return nil, errors.New("sealed data too short")
	}
	return s.aead.Open(nil, sealed[:n], sealed[n:], ad)
}

func openStore(t *testing.T) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "posguard.db"), newSealer(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func demo(t *testing.T) *seed.World {
	t.Helper()
	w, err := seed.ParseFile("demo-world.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestLoadDemoWorldTwice(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	w := demo(t)

	r, err := seed.Load(ctx, st, w)
	if err != nil {
		t.Fatalf("first load: %v", err)
	}
	want := seed.Report{
		Merchants: seed.Counts{Created: len(w.Merchants)},
		Terminals: seed.Counts{Created: len(w.Terminals)},
	}
	if r != want {
		t.Errorf("first load: %v, want %v", r, want)
	}

	r, err = seed.Load(ctx, st, demo(t))
	if err != nil {
		t.Fatalf("second load: %v", err)
	}
	want = seed.Report{
		Merchants: seed.Counts{Unchanged: len(w.Merchants)},
		Terminals: seed.Counts{Unchanged: len(w.Terminals)},
	}
	if r != want {
		t.Errorf("second load: %v, want %v (loading twice must change nothing)", r, want)
	}

	// What the store holds is what the file says.
	ms, err := st.Merchants(ctx)
	if err != nil || len(ms) != len(w.Merchants) {
		t.Fatalf("store has %d merchants (%v), want %d", len(ms), err, len(w.Merchants))
	}
	kyc, err := st.Merchant(ctx, "898310053110005")
	if err != nil {
		t.Fatal(err)
	}
	if kyc.Status != posguard.MerchantPendingKYC || !kyc.StatusSince.Equal(time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("pending merchant: %s since %v", kyc.Status, kyc.StatusSince)
	}
	fruit, err := st.Merchant(ctx, "898310054990004")
	if err != nil {
		t.Fatal(err)
	}
	if fruit.Allows(posguard.TxnRefund) || !fruit.Allows(posguard.TxnSale) || fruit.Limits.PerTxn != 200000 {
		t.Errorf("fruit stall: allowed %v limits %+v", fruit.AllowedTypes, fruit.Limits)
	}
	for _, wt := range w.Terminals {
		got, err := st.Terminal(ctx, wt.ID)
		if err != nil {
			t.Fatalf("terminal %s: %v", wt.ID, err)
		}
		if got.MerchantID != wt.MerchantID || string(got.TMK) != string(wt.TMK) || got.KeyScheme != wt.KeyScheme ||
			got.MAC != wt.MAC || got.Status != wt.Status || got.Firmware != wt.Firmware {
			t.Errorf("terminal %s stored as %+v", wt.ID, got)
		}
	}
}

func TestLoadUpdatesChangedEntries(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	if _, err := seed.Load(ctx, st, demo(t)); err != nil {
		t.Fatal(err)
	}
	// The terminal signs on: its keys and batch belong to the store.
	at := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	keys := posguard.WorkingKeys{PIK: make([]byte, 16), MAK: make([]byte, 16)}
	if err := st.SaveSignOn(ctx, "10000001", keys, "000007", at); err != nil {
		t.Fatal(err)
	}

	w := demo(t)
	w.Merchant("898310048990001").Limits.PerTxn = 6000000
	w.Merchant("898310059450006").Status = posguard.MerchantActive // unfrozen
	w.Terminal("10000001").Firmware = "2.4.0"
	r, err := seed.Load(ctx, st, w)
	if err != nil {
		t.Fatal(err)
	}
	want := seed.Report{
		Merchants: seed.Counts{Updated: 2, Unchanged: len(w.Merchants) - 2},
		Terminals: seed.Counts{Updated: 1, Unchanged: len(w.Terminals) - 1},
	}
	if r != want {
		t.Errorf("load after changes: %v, want %v", r, want)
	}
	m, _ := st.Merchant(ctx, "898310048990001")
	if m == nil || m.Limits.PerTxn != 6000000 {
		t.Errorf("per-transaction limit not updated: %+v", m)
	}
	unfrozen, _ := st.Merchant(ctx, "898310059450006")
	if unfrozen == nil || unfrozen.Status != posguard.MerchantActive {
		t.Errorf("status not updated: %+v", unfrozen)
	}
	term, err := st.Terminal(ctx, "10000001")
	if err != nil {
		t.Fatal(err)
	}
	if term.Firmware != "2.4.0" || !term.SignedOn || term.Batch != "000007" {
		t.Errorf("terminal after reload: firmware %s signed on %v batch %s; want 2.4.0, sign-on kept",
			term.Firmware, term.SignedOn, term.Batch)
	}
	// The parsed world was not changed by the store.
	if !w.Merchant("898310048990001").UpdatedAt.IsZero() {
		t.Error("Load changed the World it was given")
	}
}

func TestLoadUnknownMerchantWritesNothing(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	w := demo(t)
	w.Terminals = append(w.Terminals, &posguard.Terminal{ID: "19999999", MerchantID: "898310000000099",
		TMK: make([]byte, 16), KeyScheme: "003", MAC: posguard.MACCupsECB, Status: posguard.TerminalActive})
	_, err := seed.Load(ctx, st, w)
	if posguard.ErrorCode(err) != posguard.ENOTFOUND {
		t.Fatalf("err = %v, want ENOTFOUND", err)
	}
	if ms, err := st.Merchants(ctx); err != nil || len(ms) != 0 {
		t.Errorf("store has %d merchants after a refused load (%v)", len(ms), err)
	}
}

func TestLoadNil(t *testing.T) {
	if _, err := seed.Load(context.Background(), openStore(t), nil); posguard.ErrorCode(err) != posguard.EINVALID {
		t.Errorf("err = %v, want EINVALID", err)
	}
}
