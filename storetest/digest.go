package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/posguard/posguard/sqlstore"
)

// ChangeTables lists the tables of a SQLite database that a refused change
// must leave as they were: all but SQLite's own, the audit log, the tokens
// (authenticating a request notes the token's use), the login failures,
// the cross-instance leases, the analytics counters, the migrations and
// the further tables named in skip.
func ChangeTables(t testing.TB, db *sqlstore.DB, skip ...string) []string {
	t.Helper()
	var out []string
	err := db.Each(context.Background(), "tables", func(r sqlstore.Row) error {
		var name string
		if err := r.Scan(&name); err != nil {
			return err
		}
		switch {
		case strings.HasPrefix(name, "sqlite_"), strings.HasPrefix(name, "audit_"), name == "tokens",
			name == "login_failures", name == "leases", strings.HasPrefix(name, "analytics"), name == "schema_migrations",
			slices.Contains(skip, name):
		default:
			out = append(out, name)
		}
		return nil
	}, `SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Digest hashes every row of each table, to tell whether a table changed.
func Digest(t testing.TB, db *sqlstore.DB, tables []string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, table := range tables {
		h := sha256.New()
		rows, err := db.Query(context.Background(), "digest", `SELECT * FROM `+table)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.(interface{ Columns() ([]string, error) }).Columns()
		for rows.Next() {
			row := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range row {
				ptrs[i] = &row[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(h, "%v\n", row)
		}
		rows.Close()
		out[table] = hex.EncodeToString(h.Sum(nil))
	}
	return out
}

// RefuseAudit makes the audit log of a SQLite database refuse every new
// record (on), through a trigger, or take them again (off).
func RefuseAudit(t testing.TB, db *sqlstore.DB, on bool) {
	t.Helper()
	q := `DROP TRIGGER audit_log_refuse`
	if on {
		q = `CREATE TRIGGER audit_log_refuse BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit log refuses'); END`
	}
	if _, err := db.Exec(context.Background(), "trigger", q); err != nil {
		t.Fatal(err)
	}
}
