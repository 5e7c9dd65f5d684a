package main

import (
	"bytes"
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/keys"
	"github.com/posguard/posguard/sqlite"
	"github.com/posguard/posguard/sqlstore"
)

// Finding: sealed values were not bound to their rows, so someone who can
// write the database could swap two terminals' sealed keys. Now a swapped
// key does not open: the terminal's lookup fails with an error naming the
// row and column, and its sign-on is answered 96 — no wrong key is used.
func TestAttackSwappedSealedKeys(t *testing.T) {
	wd := startWorld(t, "", 5*time.Second)
	ctx := context.Background()
	// The host writes beside the test: wait for its locks rather than fail.
	db, err := sql.Open("sqlite", "file:"+filepath.Join(wd.dir, "posguard.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const other = "10000003"
	swap := func() {
		t.Helper()
		var a, b []byte
		db.QueryRow(`SELECT tmk_sealed FROM terminals WHERE id = ?`, shopTID).Scan(&a)
		db.QueryRow(`SELECT tmk_sealed FROM terminals WHERE id = ?`, other).Scan(&b)
		if len(a) == 0 || len(b) == 0 || bytes.Equal(a, b) {
			t.Fatal("no two sealed TMKs to swap")
		}
		for _, x := range []struct {
			id string
			v  []byte
		}{{shopTID, b}, {other, a}} {
			if _, err := db.Exec(`UPDATE terminals SET tmk_sealed = ? WHERE id = ?`, x.v, x.id); err != nil {
				t.Fatal(err)
			}
		}
	}
	swap()
	_, err = wd.serve.store.Terminal(ctx, shopTID)
	if posguard.ErrorCode(err) != posguard.EINTERNAL || !strings.Contains(err.Error(), "terminal "+shopTID+": tmk_sealed does not open") {
		t.Fatalf("swapped TMK: %v", err)
	}
	real := dialRaw(t, wd.termAdr, shopTID, shopMID, shopTMK, "003", "cups-ecb")
	if c := real.signOn(); c != "96" {
		t.Fatalf("sign-on with a swapped TMK: %s, want 96", c)
	}
	if !strings.Contains(wd.logs.String(), "tmk_sealed does not open") {
		t.Fatalf("the log does not say why:\n%s", wd.logs.String())
	}
	// Swapped back, the same terminal signs on: it was the swap.
	swap()
	if c := real.signOn(); c != "00" {
		t.Fatalf("sign-on after the swap was undone: %s", c)
	}
	// Working keys and secret settings are bound too.
	if _, err := db.Exec(`UPDATE terminals SET mak_sealed = (SELECT mak_sealed FROM terminals WHERE id = ?) WHERE id = ?`, shopTID, other); err != nil {
		t.Fatal(err)
	}
	if _, err := wd.serve.store.Terminal(ctx, other); err == nil || !strings.Contains(err.Error(), "mak_sealed does not open") {
		t.Fatalf("copied MAK: %v", err)
	}
	if _, err := db.Exec(`INSERT INTO settings (name, value, secret, updated_at)
		SELECT 'copied', value, secret, updated_at FROM settings WHERE name = ?`, posguard.SettingZonePINKey); err != nil {
		t.Fatal(err)
	}
	if _, err := wd.serve.store.Setting(ctx, "copied"); posguard.ErrorCode(err) != posguard.EINTERNAL {
		t.Fatalf("copied secret setting: %v", err)
	}
}

// A store sealed before values were bound to their rows (format 1) is
// re-sealed once, in one transaction, by the first command that opens it
// with its own host key; a wrong key re-seals nothing, and a value that
// does not open stops the whole upgrade.
func TestSealingUpgradeOnce(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "old.db")
	dsn := "sqlite:" + dbPath
	keyFile := dbPath + ".hostkey"
	if code, out := runCmd(t, "seed", "--db", dsn, worldFile); code != 0 {
		t.Fatalf("seed: %d\n%s", code, out)
	}
	hk, _, err := keys.LoadHostKeyFile(keyFile, false)
	if err != nil {
		t.Fatal(err)
	}
	// Wallet keys too.
	{
		st, err := sqlite.Open(dbPath, hk)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		if err := st.PutWalletChannel(ctx, &posguard.WalletChannel{Name: "upgrade-test", Kind: "wechat", URL: "http://127.0.0.1:1", AppID: "wx1", Key: []byte("channel key")}); err != nil {
			t.Fatal(err)
		}
		if err := st.PutMerchantWallet(ctx, &posguard.MerchantWallet{MerchantID: shopMID, MchID: "m1", NotifyKey: []byte("notify key")}); err != nil {
			t.Fatal(err)
		}
		st.Close()
	}
	db, err := sql.Open("sqlite", dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	// Turn the store into one of the old format: every value sealed with no
	// associated data, and the marker migration 0045 leaves.
	unbind := func(sealed, ad []byte) []byte {
		t.Helper()
		if len(sealed) == 0 {
			return nil
		}
		plain, err := hk.Open(sealed, ad)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := hk.Seal(plain, nil)
		return out
	}
	type termRow struct {
		id   string
		cols [4][]byte
	}
	var terms []termRow
	rows, err := db.Query(`SELECT id, tmk_sealed, pik_sealed, mak_sealed, tdk_sealed FROM terminals ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var r termRow
		if err := rows.Scan(&r.id, &r.cols[0], &r.cols[1], &r.cols[2], &r.cols[3]); err != nil {
			t.Fatal(err)
		}
		terms = append(terms, r)
	}
	rows.Close()
	cols := []string{"tmk_sealed", "pik_sealed", "mak_sealed", "tdk_sealed"}
	for _, r := range terms {
		for i, c := range cols {
			if _, err := db.Exec(`UPDATE terminals SET `+c+` = ? WHERE id = ?`, unbind(r.cols[i], sqlstore.TerminalKeyAD(r.id, c)), r.id); err != nil {
				t.Fatal(err)
			}
		}
	}
	secrets := map[string][]byte{}
	rows, err = db.Query(`SELECT name, value FROM settings WHERE secret <> 0`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		var v []byte
		rows.Scan(&name, &v)
		secrets[name] = v
	}
	rows.Close()
	if len(secrets) == 0 {
		t.Fatal("no secret settings")
	}
	for name, v := range secrets {
		if _, err := db.Exec(`UPDATE settings SET value = ? WHERE name = ?`, unbind(v, sqlstore.SettingAD(name)), name); err != nil {
			t.Fatal(err)
		}
	}
	wallets := 0
	for _, c := range []struct {
		table, key, column string
		ad                 func(string) []byte
	}{
		{"wallet_channels", "name", "key_sealed", sqlstore.WalletChannelKeyAD},
		{"merchant_wallets", "merchant_id", "notify_key_sealed", sqlstore.MerchantWalletKeyAD},
	} {
		vals := map[string][]byte{}
		rows, err := db.Query(`SELECT ` + c.key + `, ` + c.column + ` FROM ` + c.table)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var k string
			var v []byte
			rows.Scan(&k, &v)
			vals[k] = v
		}
		rows.Close()
		for k, v := range vals {
			if _, err := db.Exec(`UPDATE `+c.table+` SET `+c.column+` = ? WHERE `+c.key+` = ?`, unbind(v, c.ad(k)), k); err != nil {
				t.Fatal(err)
			}
			wallets++
		}
	}
	t.Logf("%d terminals, %d secret settings, %d wallet keys in the old format", len(terms), len(secrets), wallets)
	if _, err := db.Exec(`INSERT INTO settings (name, value, secret, updated_at) VALUES ('seal.format', CAST('1' AS BLOB), 0, 0)`); err != nil {
		t.Fatal(err)
	}
	snapshot := func() string {
		var b bytes.Buffer
		rows, err := db.Query(`SELECT id, COALESCE(tmk_sealed, x''), COALESCE(pik_sealed, x''), COALESCE(mak_sealed, x'') FROM terminals ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			var a, c, d []byte
			rows.Scan(&id, &a, &c, &d)
			b.WriteString(id)
			b.Write(a)
			b.Write(c)
			b.Write(d)
		}
		var v, f []byte
		db.QueryRow(`SELECT value FROM settings WHERE name = ?`, posguard.SettingZonePINKey).Scan(&v)
		db.QueryRow(`SELECT value FROM settings WHERE name = 'seal.format'`).Scan(&f)
		b.Write(v)
		b.Write(f)
		return b.String()
	}
	before := snapshot()

	// One value that does not open (altered): the upgrade stops, naming it,
	// and nothing at all is re-sealed.
	var tmk []byte
	db.QueryRow(`SELECT tmk_sealed FROM terminals WHERE id = ?`, shopTID).Scan(&tmk)
	bad := append([]byte(nil), tmk...)
	bad[len(bad)-1] ^= 1
	db.Exec(`UPDATE terminals SET tmk_sealed = ? WHERE id = ?`, bad, shopTID)
	withBad := snapshot()
	if code, out := runCmd(t, "migrate", "--db", dsn); code == 0 || !strings.Contains(out, "terminal "+shopTID+": tmk_sealed does not open") || !strings.Contains(out, keyFile) {
		t.Fatalf("upgrade over an altered value: %d\n%s", code, out)
	}
	if snapshot() != withBad {
		t.Fatal("a failed upgrade changed the store")
	}
	db.Exec(`UPDATE terminals SET tmk_sealed = ? WHERE id = ?`, tmk, shopTID)

	// The right key: every value re-sealed, bound to its row, once.
	if code, out := runCmd(t, "migrate", "--db", dsn); code != 0 {
		t.Fatalf("migrate: %d\n%s", code, out)
	}
	after := snapshot()
	if after == before {
		t.Fatal("nothing was re-sealed")
	}
	var format []byte
	db.QueryRow(`SELECT value FROM settings WHERE name = 'seal.format'`).Scan(&format)
	if string(format) != sqlstore.SealFormatBound {
		t.Fatalf("seal.format %q after the upgrade", format)
	}
	st, err := sqlite.Open(dbPath, hk)
	if err != nil {
		t.Fatal(err)
	}
	tm, err := st.Terminal(context.Background(), shopTID)
	if err != nil || !strings.EqualFold(hexString(tm.TMK), shopTMK) {
		t.Fatalf("terminal after the upgrade: %v", err)
	}
	if _, err := st.Setting(context.Background(), posguard.SettingZonePINKey); err != nil {
		t.Fatal(err)
	}
	if _, err := st.WalletChannels(context.Background()); err != nil {
		t.Fatal(err)
	}
	if w, err := st.MerchantWallet(context.Background(), shopMID); err != nil || string(w.NotifyKey) != "notify key" {
		t.Fatalf("merchant wallet after the upgrade: %v", err)
	}
	if n, err := st.UpgradeSealing(context.Background()); n != 0 || err != nil {
		t.Fatalf("second upgrade: %d, %v", n, err)
	}
	st.Close()
	if code, out := runCmd(t, "migrate", "--db", dsn); code != 0 || snapshot() != after {
		t.Fatalf("a second open re-sealed again (%d):\n%s", code, out)
	}
}

func hexString(b []byte) string {
	const digits = "0123456789ABCDEF"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}
