package sqlite

import (
	"context"
	"database/sql"
	"embed"
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
	if _, err := s.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    TEXT    PRIMARY KEY,
		applied_at INTEGER NOT NULL
	)`); err != nil {
		return nil, dbError(err, "create schema_migrations")
	}
	ms, err := sqlstore.Migrations(migrationFS, "sqlite")
	if err != nil {
		return nil, err
	}
	var applied []string
	for _, m := range ms {
		version := m.Version
		done, err := s.applyMigration(ctx, version, m.Body)
		if err != nil {
			return applied, err
		}
		if done {
			applied = append(applied, version)
		}
	}
	return applied, nil
}

// foreignKeysOff marks a migration that must run with foreign-key
// enforcement off (a table rebuild: dropping a parent table would otherwise
// count every child row as a violation). It is the migration's first line.
const foreignKeysOff = "-- posguard:foreign-keys-off"

// applyMigration runs one migration unless already recorded; it reports
// whether it ran. A migration marked foreignKeysOff runs on the writer
// connection with enforcement off and commits only when PRAGMA
// foreign_key_check finds nothing.
func (s *Store) applyMigration(ctx context.Context, version, body string) (bool, error) {
	conn, err := s.write.Conn(ctx)
	if err != nil {
		return false, dbError(err, "migration "+version)
	}
	defer conn.Close()
	fkOff := strings.HasPrefix(body, foreignKeysOff)
	if fkOff {
		// The pragma is a no-op inside a transaction: set it before BEGIN.
		if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
			return false, dbError(err, "migration "+version)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA foreign_keys = ON`)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return false, dbError(err, "begin migration "+version)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil {
		return false, dbError(err, "check migration "+version)
	}
	if n > 0 {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, body); err != nil {
		return false, dbError(err, "apply migration "+version)
	}
	if fkOff {
		if err := checkForeignKeys(ctx, tx, version); err != nil {
			return false, err
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
		version, nanos(s.now())); err != nil {
		return false, dbError(err, "record migration "+version)
	}
	if err := tx.Commit(); err != nil {
		return false, dbError(err, "commit migration "+version)
	}
	return true, nil
}

// checkForeignKeys fails when any row references a missing parent.
func checkForeignKeys(ctx context.Context, tx *sql.Tx, version string) error {
	rows, err := tx.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return dbError(err, "foreign key check "+version)
	}
	defer rows.Close()
	if rows.Next() {
		var table string
		var rowid sql.NullInt64
		var parent string
		var fkid int
		if err := rows.Scan(&table, &rowid, &parent, &fkid); err != nil {
			return dbError(err, "foreign key check "+version)
		}
		return posguard.Errorf(posguard.EINTERNAL, "sqlite: migration %s: %s row %d references a missing %s row",
			version, table, rowid.Int64, parent)
	}
	return dbError(rows.Err(), "foreign key check "+version)
}
