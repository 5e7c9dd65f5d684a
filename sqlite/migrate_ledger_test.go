package sqlite

import (
	"context"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestLedgerEntriesMigration upgrades a database holding ledger entries to
// migration 0080 (ledger_entries stored in its primary key, partial account
// and merchant indexes) and checks that every entry survives, that the
// table is WITHOUT ROWID with the new indexes, and that the append-only
// triggers and the reference to ledger_postings still hold.
func TestLedgerEntriesMigration(t *testing.T) {
	ctx := context.Background()
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	var before []string
	for _, n := range names {
		v := strings.TrimSuffix(filepath.Base(n), ".sql")
		if v >= "0080" {
			break
		}
		before = append(before, v)
	}
	db, s := migratedTo(t, before)
	mustExec(t, db, `INSERT INTO ledger_postings (seq, key, kind, item, txn_id, orig_id, merchant_id, date, gross, fee,
		net, card_kind, ref, debits, credits, prev_hash, hash, at) VALUES
		(1, 'txn:7:approval', 'approval', 1, 7, 0, 'M1', '2026-11-22', 1000, 6, 994, 'debit', '', 1000, 1000, '', 'h1', 1),
		(2, 'txn:8:approval', 'approval', 1, 8, 0, 'M2', '2026-11-23', 500, 3, 497, 'credit', '', 500, 500, 'h1', 'h2', 2)`)
	mustExec(t, db, `INSERT INTO ledger_entries (seq, idx, account, merchant_id, date, amount) VALUES
		(1, 0, 'network_receivable', '', '2026-11-22', 1000), (1, 1, 'merchant_payable:M1', 'M1', '2026-11-22', -994),
		(1, 2, 'fee_income', '', '2026-11-22', -6),
		(2, 0, 'network_receivable', '', '2026-11-23', 500), (2, 1, 'merchant_payable:M2', 'M2', '2026-11-23', -497),
		(2, 2, 'fee_income', '', '2026-11-23', -3)`)

	applied, err := s.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) == 0 || applied[0] != "0080_ledger_entries" {
		t.Fatalf("applied %v, want 0080_ledger_entries first (later migrations may follow)", applied)
	}
	var ddl string
	if err := db.QueryRowContext(ctx, `SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'ledger_entries'`).Scan(&ddl); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.ToUpper(ddl), "WITHOUT ROWID") {
		t.Errorf("ledger_entries is not WITHOUT ROWID: %s", ddl)
	}
	var got string
	if err := db.QueryRowContext(ctx, `SELECT group_concat(seq || ':' || idx || ':' || account || ':' || merchant_id || ':' || date || ':' || amount, ' ')
		FROM (SELECT * FROM ledger_entries ORDER BY seq, idx)`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	want := "1:0:network_receivable::2026-11-22:1000 1:1:merchant_payable:M1:M1:2026-11-22:-994 1:2:fee_income::2026-11-22:-6 " +
		"2:0:network_receivable::2026-11-23:500 2:1:merchant_payable:M2:M2:2026-11-23:-497 2:2:fee_income::2026-11-23:-3"
	if got != want {
		t.Errorf("entries after migration = %s\nwant %s", got, want)
	}
	if err := db.QueryRowContext(ctx, `SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_master
		WHERE type = 'index' AND tbl_name = 'ledger_entries' AND sql IS NOT NULL ORDER BY name)`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if want := "ledger_entries_merchant ledger_entries_receivable"; got != want {
		t.Errorf("ledger_entries indexes = %s, want %s", got, want)
	}
	// Only the receivable entries and the merchant entries are indexed.
	for _, q := range []struct {
		sql  string
		want int
	}{
		{`SELECT count(*) FROM ledger_entries INDEXED BY ledger_entries_receivable WHERE account = 'network_receivable' AND date >= ''`, 2},
		{`SELECT count(*) FROM ledger_entries INDEXED BY ledger_entries_merchant WHERE merchant_id <> '' AND merchant_id >= ''`, 2},
	} {
		var n int
		if err := db.QueryRowContext(ctx, q.sql).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != q.want {
			t.Errorf("%s = %d, want %d", q.sql, n, q.want)
		}
	}
	for _, q := range []string{`UPDATE ledger_entries SET amount = 1 WHERE seq = 1 AND idx = 0`, `DELETE FROM ledger_entries WHERE seq = 2`} {
		if _, err := db.ExecContext(ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err = %v, want the append-only trigger", q, err)
		}
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO ledger_entries (seq, idx, account, merchant_id, date, amount)
		VALUES (99, 0, 'fee_income', '', '2026-11-23', 1)`); err == nil {
		t.Error("an entry of a missing posting was accepted")
	}
}
