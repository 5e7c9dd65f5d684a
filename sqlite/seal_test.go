package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/sqlstore"
	"github.com/posguard/posguard/storetest"
)

// Migration 0045 marks a store that already holds sealed values as format
// 1 (sealed without associated data), and leaves a store without any
// unmarked: its values are bound to their rows from the start.
func TestSealFormatMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "seal.db")
	sealer := storetest.NewSealer()
	st, err := Open(path, sealer)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Setting(ctx, sqlstore.SettingSealFormat); posguard.ErrorCode(err) != posguard.ENOTFOUND {
		t.Fatalf("a new store is marked: %v", err)
	}
	if err := st.PutTerminal(ctx, &posguard.Terminal{ID: "10000001", MerchantID: "898310048990001", TMK: make([]byte, 16), KeyScheme: "003", MAC: "cups-ecb"}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	// Replay 0045 over the store as it stands (with a sealed TMK).
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, db, `DELETE FROM schema_migrations WHERE version = '0045_seal_format'`)
	db.Close()
	st, err = Open(path, sealer)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	v, err := st.Setting(ctx, sqlstore.SettingSealFormat)
	if err != nil || string(v) != sqlstore.SealFormatUnbound {
		t.Fatalf("seal.format after 0045 over sealed data: %q, %v", v, err)
	}
}

// A store whose only sealed values are wallet keys still counts as holding
// sealed data (no new host key may be made for it), and its sample opens
// under the key with its row's associated data.
func TestSealedSampleWallets(t *testing.T) {
	ctx := context.Background()
	sealer := storetest.NewSealer()
	st, err := Open(filepath.Join(t.TempDir(), "w.db"), sealer)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if has, err := st.HasSealedData(ctx); err != nil || has {
		t.Fatalf("empty store: %v, %v", has, err)
	}
	if err := st.PutMerchantWallet(ctx, &posguard.MerchantWallet{MerchantID: "898310048990001", MchID: "m1", NotifyKey: []byte("k")}); err != nil {
		t.Fatal(err)
	}
	sealed, ad, err := st.SealedSample(ctx)
	if err != nil || sealed == nil {
		t.Fatalf("sample: %v", err)
	}
	if plain, err := sealer.Open(sealed, ad); err != nil || string(plain) != "k" {
		t.Fatalf("the sample does not open with its associated data: %v", err)
	}
}
