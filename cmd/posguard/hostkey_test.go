package main

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/posguard/posguard/keys"
)

// run runs one posguard command and returns its exit code and output.
func runCmd(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, &out, &errb)
	return code, out.String() + errb.String()
}

// A store that holds sealed data is opened only with the key it was sealed
// under: a missing, wrong or shared key file stops every command, naming the
// file, and nothing is created or re-sealed.
func TestHostKeyRefusals(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "pg.db")
	db := "sqlite:" + dbPath
	keyFile := dbPath + ".hostkey"
	if code, out := runCmd(t, "seed", "--db", db, worldFile); code != 0 {
		t.Fatalf("seed: %d\n%s", code, out)
	}
	info, err := os.Stat(keyFile)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, mode %v", err, info.Mode())
	}
	good, _ := os.ReadFile(keyFile)

	commands := [][]string{
		{"seed", "--db", db, worldFile},
		{"migrate", "--db", db},
		{"serve", "--db", db, "--terminal-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0"},
		{"settle", "--db", db, "--date", "2026-03-01"},
		{"user", "list", "--db", db},
		{"user", "add", "--db", db, "--name", "newop", "--role", "operator"},
		{"token", "list", "--db", db},
		{"audit", "verify", "--db", db},
		{"statement", "--db", db, "--merchant", "898310048990001", "--from", "2026-03-01", "--to", "2026-03-02"},
		{"recon", "--db", db, "--date", "2026-03-01", "--clearing", filepath.Join(dir, "IND26030101ACOM")},
	}
	os.WriteFile(filepath.Join(dir, "IND26030101ACOM"), nil, 0o600)
	refuse := func(what, want string) {
		t.Helper()
		for _, args := range commands {
			code, out := runCmd(t, args...)
			if code == 0 || !strings.Contains(out, keyFile) || !strings.Contains(out, want) {
				t.Fatalf("%s: %s exited %d:\n%s", what, strings.Join(args[:2], " "), code, out)
			}
		}
	}

	// What is sealed, to show that no refusal re-sealed anything.
	sealedState := func() string {
		t.Helper()
		db, err := sql.Open("sqlite", dbPath)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var b strings.Builder
		for _, q := range []string{
			`SELECT id || hex(COALESCE(tmk_sealed, x'')) || hex(COALESCE(mak_sealed, x'')) FROM terminals ORDER BY id`,
			`SELECT name || hex(value) FROM settings WHERE secret <> 0 OR name IN ('host_key.check', 'seal.format') ORDER BY name`,
		} {
			rows, err := db.Query(q)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var v string
				rows.Scan(&v)
				b.WriteString(v + "\n")
			}
			rows.Close()
		}
		return b.String()
	}
	sealedBefore := sealedState()

	// Missing: refused, and no new key file appears.
	os.Remove(keyFile)
	refuse("missing key", "does not exist")
	if _, err := os.Stat(keyFile); err == nil {
		t.Fatal("a new key file was created for a store with sealed data")
	}
	// Wrong: another key.
	_, other, err := keys.GenerateHostKey()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, other, 0o600); err != nil {
		t.Fatal(err)
	}
	refuse("wrong key", "does not match")
	if sealedState() != sealedBefore {
		t.Fatal("a refused command changed sealed data")
	}
	// Shared: readable by others.
	os.WriteFile(keyFile, good, 0o600)
	os.Chmod(keyFile, 0o644)
	refuse("shared key", "group or others")
	// ...accepted with the flag, with a warning.
	code, out := runCmd(t, "migrate", "--db", db, "--allow-shared-host-key")
	allowSharedHostKey.Store(false)
	if code != 0 || !strings.Contains(out, "group or others") {
		t.Fatalf("migrate --allow-shared-host-key: %d\n%s", code, out)
	}
	os.Chmod(keyFile, 0o600)
	if code, out := runCmd(t, "migrate", "--db", db); code != 0 {
		t.Fatalf("migrate with the right key: %d\n%s", code, out)
	}
}

// A new store gets a key created, and its check value. Only serve, demo
// and seed create a store (and so a key); seed is the lightest.
func TestHostKeyCreatedForEmptyStore(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "new.db")
	if code, out := runCmd(t, "seed", "--db", "sqlite:"+dbPath, worldFile); code != 0 {
		t.Fatalf("seed: %d\n%s", code, out)
	}
	if _, err := os.Stat(dbPath + ".hostkey"); err != nil {
		t.Fatal(err)
	}
	// A different key for this store (no sealed data, but a check value) is
	// refused too.
	_, other, _ := keys.GenerateHostKey()
	os.WriteFile(dbPath+".hostkey", other, 0o600)
	if code, out := runCmd(t, "migrate", "--db", "sqlite:"+dbPath); code == 0 || !strings.Contains(out, "does not match") {
		t.Fatalf("other key: %d\n%s", code, out)
	}
}
