package sqlite_test

import (
	"bytes"
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/sqlite"
	"github.com/posguard/posguard/storetest"
	_ "modernc.org/sqlite"
)

func TestOpenNeedsSealer(t *testing.T) {
	_, err := sqlite.Open(filepath.Join(t.TempDir(), "db"), nil)
	if posguard.ErrorCode(err) != posguard.EINVALID {
		t.Fatalf("nil sealer: %v, want EINVALID", err)
	}
}

func TestOpenRejectsBadPaths(t *testing.T) {
	for _, p := range []string{"", ":memory:", "file::memory:?cache=shared", "file:x.db"} {
		if _, err := sqlite.Open(p, storetest.NewSealer()); posguard.ErrorCode(err) != posguard.EINVALID {
			t.Errorf("Open(%q): %v, want EINVALID", p, err)
		}
	}
}

func TestReopenKeepsDataAndSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	sealer := storetest.NewSealer()
	s, err := sqlite.Open(path, sealer)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Migrated(); len(got) == 0 || got[0] != "0001_init" {
		t.Fatalf("first open applied %v, want 0001_init first", got)
	}
	ctx := context.Background()
	tmk := bytes.Repeat([]byte{9}, 16)
	if err := s.PutTerminal(ctx, &posguard.Terminal{ID: "10000001", TMK: tmk}); err != nil {
		t.Fatal(err)
	}
	x := &posguard.Transaction{TxnKey: posguard.TxnKey{TerminalID: "10000001", Batch: "000001", STAN: "000001", MTI: "0200"},
		Type: posguard.TxnSale, State: posguard.StateForwarded, Amount: 100}
	if err := s.Insert(ctx, x); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = sqlite.Open(path, sealer)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := s.Migrated(); len(got) != 0 {
		t.Fatalf("reopen applied %v again", got)
	}
	if again, err := s.Migrate(ctx); err != nil || len(again) != 0 {
		t.Fatalf("Migrate on a current schema: %v %v", again, err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("ping: %v", err)
	}
	tm, err := s.Terminal(ctx, "10000001")
	if err != nil || !bytes.Equal(tm.TMK, tmk) {
		t.Fatalf("terminal after reopen: %v %v", tm, err)
	}
	un, err := s.Unresolved(ctx, 10)
	if err != nil || len(un) != 1 || un[0].ID != x.ID {
		t.Fatalf("unresolved after reopen: %v %v", un, err)
	}
}

func TestPragmas(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	s, err := sqlite.Open(path, storetest.NewSealer())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mode string
	if err := db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || !strings.EqualFold(mode, "wal") {
		t.Fatalf("journal_mode %q (%v), want wal", mode, err)
	}
}

func TestWrongSealerCannotReadKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	s, err := sqlite.Open(path, storetest.NewSealer())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.PutTerminal(ctx, &posguard.Terminal{ID: "10000001", TMK: bytes.Repeat([]byte{1}, 16)}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = sqlite.Open(path, storetest.NewSealer())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Terminal(ctx, "10000001"); posguard.ErrorCode(err) != posguard.EINTERNAL {
		t.Fatalf("terminal under another host key: %v, want EINTERNAL", err)
	}
}
