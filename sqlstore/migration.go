package sqlstore

import (
	"context"
	"io/fs"
	"sort"
	"strings"
	"time"

	"github.com/posguard/posguard"
)

// Migrate applies the migrations/*.sql files of fsys not yet applied, in
// name order, each by apply (which reports whether it ran one, see
// ApplyMigration) with its version (the file name without .sql,
// "0001_init") and SQL, and returns the versions applied; name prefixes
// errors.
func Migrate(ctx context.Context, fsys fs.FS, name string, apply func(ctx context.Context, version, body string) (bool, error)) ([]string, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, posguard.WrapError(posguard.EINTERNAL, err, "%s: list migrations", name)
	}
	sort.Strings(names)
	var applied []string
	for _, n := range names {
		version := strings.TrimSuffix(strings.TrimPrefix(n, "migrations/"), ".sql")
		body, err := fs.ReadFile(fsys, n)
		if err != nil {
			return applied, posguard.WrapError(posguard.EINTERNAL, err, "%s: read migration %s", name, version)
		}
		ran, err := apply(ctx, version, string(body))
		if err != nil {
			return applied, err
		}
		if ran {
			applied = append(applied, version)
		}
	}
	return applied, nil
}

// ApplyMigration runs one migration in a transaction of db unless
// schema_migrations records it, and reports whether it ran: first the
// setup statements (create schema_migrations when missing, and on
// PostgreSQL take the lock that serializes hosts starting together), then
// the body as it is (no placeholder rewriting), then check when set, then
// the record.
func ApplyMigration(ctx context.Context, db *DB, version, body string, setup []string, check func(context.Context, *Tx) error) (bool, error) {
	ran := false
	err := db.InTx(ctx, "migration "+version, func(tx *Tx) error {
		for _, q := range setup {
			if _, err := tx.q.Exec(ctx, q); err != nil {
				return err
			}
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil || n > 0 {
			return err
		}
		if _, err := tx.q.Exec(ctx, body); err != nil {
			return err
		}
		if check != nil {
			if err := check(ctx, tx); err != nil {
				return err
			}
		}
		ran = true
		_, err := tx.Exec(ctx, "record migration "+version, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
			version, db.D.TimeArg(time.Now().UTC().Truncate(time.Microsecond)))
		return err
	})
	return ran && err == nil, err
}
