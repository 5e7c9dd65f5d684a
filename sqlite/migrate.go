package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"strings"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/sqlstore"
)

// migrationFS holds the numbered schema migrations (0001_init.sql, …).
//
//go:embed migrations/*.sql
var migrationFS embed.FS

// Migrate applies the embedded migrations not yet recorded in
// schema_migrations, in name order, each in its own transaction, and returns
// the names of those it applied. Open calls it; calling it again is a no-op.
func (s *Store) Migrate(ctx context.Context) ([]string, error) {
	return sqlstore.Migrate(ctx, migrationFS, "sqlite", s.applyMigration)
}

// foreignKeysOff marks a migration that must run with foreign-key
// enforcement off (a table rebuild: dropping a parent table would otherwise
// count every child row as a violation). It is the migration's first line.
const foreignKeysOff = "-- posguard:foreign-keys-off"

// applyMigration runs one migration unless already recorded (see
// sqlstore.ApplyMigration); it reports whether it ran. A migration marked
// foreignKeysOff runs with enforcement off (set before BEGIN, where the
// pragma works, on the writer, which is one connection) and commits only
// when PRAGMA foreign_key_check finds nothing.
func (s *Store) applyMigration(ctx context.Context, version, body string) (bool, error) {
	db := sqlstore.NewDB(dialect, sqlstore.NewSQLConn(s.write, false), nil)
	setup := []string{`CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)`}
	if !strings.HasPrefix(body, foreignKeysOff) {
		return sqlstore.ApplyMigration(ctx, db, version, body, setup, nil)
	}
	if _, err := s.write.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
		return false, db.Err(err, "migration "+version)
	}
	defer s.write.ExecContext(context.WithoutCancel(ctx), `PRAGMA foreign_keys = ON`)
	return sqlstore.ApplyMigration(ctx, db, version, body, setup, func(ctx context.Context, tx *sqlstore.Tx) error {
		// Any row of the check is a reference to a missing parent.
		var table, parent string
		var rowid sql.NullInt64
		var fkid int
		err := tx.QueryRow(ctx, `PRAGMA foreign_key_check`).Scan(&table, &rowid, &parent, &fkid)
		if errors.Is(err, sqlstore.ErrNoRows) {
			return nil
		} else if err != nil {
			return err
		}
		return posguard.Errorf(posguard.EINTERNAL, "sqlite: migration %s: %s row %d references a missing %s row",
			version, table, rowid.Int64, parent)
	})
}
