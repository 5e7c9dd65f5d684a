package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/posguard/posguard/sqlstore"
)

// TestJournalRowidMigration upgrades a database holding journal rows from
// migration 0005 to 0006 (the rebuild without AUTOINCREMENT) and checks that
// every row, ID and reference survives, that new IDs continue after the old
// ones, that foreign keys are enforced again and that journal rows can no
// longer be deleted.
func TestJournalRowidMigration(t *testing.T) {
	ctx := context.Background()
	db, s := migratedTo(t, []string{"0001_init", "0002_settings", "0003_cases", "0004_ledger", "0005_journal_indexes"})
	// Journal rows as 0005 left them, with a gap in the IDs (a rolled-back
	// insert under AUTOINCREMENT) and a reversal pointing at one of them.
	mustExec(t, db, `INSERT INTO transactions (id, terminal_id, batch, stan, mti, type, content_hash, merchant_id,
		pan_masked, pan_hash, issuer_bin, card_org, amount, currency, proc_code, entry_mode, settlement_date,
		rrn, auth_code, response_code, reason, state, upstream_stan, upstream_time, answer, detail, created_at, updated_at)
		VALUES (?, 'T1', '000001', ?, '0200', 'sale', 'h', 'M1', '622848******1234', 'ph', '622848', 'CUP', ?, '156',
		'000000', '021', '2026-11-22', ?, '', '00', '', 'approved', '', '', '{"39":"00"}', '{"k":"v"}', 1, 2)`,
		7, "000007", 1200, "000000000007")
	mustExec(t, db, `INSERT INTO transactions (id, terminal_id, batch, stan, mti, type, content_hash, merchant_id,
		pan_masked, pan_hash, issuer_bin, card_org, amount, currency, proc_code, entry_mode, settlement_date,
		rrn, auth_code, response_code, reason, state, upstream_stan, upstream_time, answer, detail, created_at, updated_at)
		VALUES (?, 'T1', '000001', ?, '0200', 'sale', 'h', 'M1', '622848******1234', 'ph', '622848', 'CUP', ?, '156',
		'000000', '021', '2026-11-22', ?, '', '', '', 'forwarded', '', '', NULL, NULL, 3, 4)`,
		9, "000009", 3400, "000000000009")
	mustExec(t, db, `INSERT INTO txn_events (id, txn_id, at, state, code, reason, note) VALUES
		(20, 7, 1, 'forwarded', '', '', ''), (21, 7, 2, 'approved', '00', '', 'n'), (22, 9, 3, 'forwarded', '', '', '')`)
	mustExec(t, db, `INSERT INTO reversals (txn_id, state, reason, next_attempt, last_error, created_at, updated_at)
		VALUES (9, 'pending', 'timeout', 0, '', 5, 5)`)

	applied, err := s.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) == 0 || applied[0] != "0006_journal_rowids" {
		t.Fatalf("applied %v, want 0006_journal_rowids first (later migrations may follow)", applied)
	}
	for _, table := range []string{"transactions", "txn_events"} {
		var ddl string
		if err := db.QueryRowContext(ctx, `SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?`, table).Scan(&ddl); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(strings.ToUpper(ddl), "AUTOINCREMENT") {
			t.Errorf("%s still uses AUTOINCREMENT: %s", table, ddl)
		}
	}
	var got string
	if err := db.QueryRowContext(ctx, `SELECT group_concat(id || ':' || stan || ':' || amount || ':' || state || ':' || ifnull(detail, '-'), ' ')
		FROM (SELECT * FROM transactions ORDER BY id)`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if want := `7:000007:1200:approved:{"k":"v"} 9:000009:3400:forwarded:-`; got != want {
		t.Errorf("transactions after migration = %s, want %s", got, want)
	}
	if err := db.QueryRowContext(ctx, `SELECT group_concat(id || ':' || txn_id || ':' || state, ' ')
		FROM (SELECT * FROM txn_events ORDER BY id)`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if want := "20:7:forwarded 21:7:approved 22:9:forwarded"; got != want {
		t.Errorf("events after migration = %s, want %s", got, want)
	}
	var indexes int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'transactions' AND sql IS NOT NULL`).Scan(&indexes); err != nil {
		t.Fatal(err)
	}
	if indexes != 9 {
		t.Errorf("transactions has %d indexes, want the 7 of migration 0005 and the 2 of 0060 (0105 dropped 0030's two)", indexes)
	}

	// New IDs continue after the highest existing one.
	res, err := db.ExecContext(ctx, `INSERT INTO txn_events (txn_id, at, state, code, reason, note) VALUES (9, 6, 'timed_out', '98', '', '')`)
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := res.LastInsertId(); id != 23 {
		t.Errorf("next event id = %d, want 23", id)
	}
	// Foreign keys are enforced again on the connection.
	var fk int
	if err := db.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
		t.Errorf("foreign_keys = %d (%v), want 1", fk, err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO txn_events (txn_id, at, state, code, reason, note) VALUES (999, 6, 'x', '', '', '')`); err == nil {
		t.Error("an event for a missing transaction was accepted")
	}
	// Journal rows cannot be deleted.
	for _, q := range []string{`DELETE FROM transactions WHERE id = 9`, `DELETE FROM txn_events WHERE id = 23`} {
		if _, err := db.ExecContext(ctx, q); err == nil || !strings.Contains(err.Error(), "never deleted") {
			t.Errorf("%s: err = %v, want the no-delete trigger", q, err)
		}
	}
}

// TestMigrationForeignKeyCheck: a foreign-keys-off migration that leaves a
// dangling reference is rolled back, not committed.
func TestMigrationForeignKeyCheck(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("sqlite", dsn(filepath.Join(t.TempDir(), "fk.db"), false))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	defer db.Close()
	s := &Store{Store: sqlstore.New(nil, nil), write: db}
	mustExec(t, db, `CREATE TABLE schema_migrations (version TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)`)
	mustExec(t, db, `CREATE TABLE parent (id INTEGER PRIMARY KEY)`)
	mustExec(t, db, `CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id))`)
	mustExec(t, db, `INSERT INTO parent VALUES (1)`)
	mustExec(t, db, `INSERT INTO child VALUES (1, 1)`)
	body := foreignKeysOff + "\nDROP TABLE parent; CREATE TABLE parent (id INTEGER PRIMARY KEY);"
	if _, err := s.applyMigration(ctx, "9999_bad", body); err == nil || !strings.Contains(err.Error(), "child row 1 references a missing parent row") {
		t.Fatalf("err = %v, want a foreign key violation", err)
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM parent`).Scan(&n); err != nil || n != 1 {
		t.Errorf("parent rows = %d (%v): the failed migration was not rolled back", n, err)
	}
}

// migratedTo opens a new database with only the migrations named (in
// that order) applied, the start of an upgrade test; closed when t ends.
func migratedTo(t *testing.T, versions []string) (*sql.DB, *Store) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	s := &Store{Store: sqlstore.New(nil, nil), write: db}
	mustExec(t, db, `CREATE TABLE schema_migrations (version TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)`)
	for _, v := range versions {
		body, err := migrationFS.ReadFile("migrations/" + v + ".sql")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.applyMigration(ctx, v, string(body)); err != nil {
			t.Fatalf("%s: %v", v, err)
		}
	}
	return db, s
}

func mustExec(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.ExecContext(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}
