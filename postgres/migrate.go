package postgres

import (
	"context"
	"embed"

	"github.com/jackc/pgx/v5"
	"github.com/posguard/posguard/sqlstore"
)

// migrationFS holds the numbered schema migrations (0001_init.sql, …).
//
//go:embed migrations/*.sql
var migrationFS embed.FS

// migrateLockKey is the advisory lock that serializes migrations of hosts
// starting together.
const migrateLockKey = 0x706f7367 // "posg"

// Migrate applies the embedded migrations not yet recorded in
// schema_migrations (in the connection's search_path), in name order, each
// in its own transaction, and returns the names of those it applied. Open
// calls it; calling it again is a no-op.
func (s *Store) Migrate(ctx context.Context) ([]string, error) {
	ms, err := sqlstore.Migrations(migrationFS, "postgres")
	if err != nil {
		return nil, err
	}
	var applied []string
	for _, m := range ms {
		version, body := m.Version, m.Body
		ran := false
		err = s.inTx(ctx, "migration "+version, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrateLockKey)); err != nil {
				return dbError(err, "lock migrations")
			}
			if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
				version    text        PRIMARY KEY,
				applied_at timestamptz NOT NULL
			)`); err != nil {
				return dbError(err, "create schema_migrations")
			}
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM schema_migrations WHERE version = $1`, version).Scan(&n); err != nil {
				return dbError(err, "check migration "+version)
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.Exec(ctx, body); err != nil {
				return dbError(err, "apply migration "+version)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`,
				version, s.now()); err != nil {
				return dbError(err, "record migration "+version)
			}
			ran = true
			return nil
		})
		if err != nil {
			return applied, err
		}
		if ran {
			applied = append(applied, version)
		}
	}
	return applied, nil
}
