package postgres

import (
	"context"
	"embed"

	"github.com/posguard/posguard/sqlstore"
)

// migrationFS holds the numbered schema migrations (0001_init.sql, …).
//
//go:embed migrations/*.sql
var migrationFS embed.FS

// migrationSetup opens each migration's transaction: the advisory lock
// 0x706f7367 ("posg") serializes the migrations of hosts starting together,
// then schema_migrations is created when missing.
var migrationSetup = []string{
	`SELECT pg_advisory_xact_lock(1886352231)`,
	`CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL)`,
}

// Migrate applies the embedded migrations not yet recorded in
// schema_migrations (in the connection's search_path), in name order, each
// in its own transaction, and returns the names of those it applied. Open
// calls it; calling it again is a no-op.
func (s *Store) Migrate(ctx context.Context) ([]string, error) {
	return sqlstore.Migrate(ctx, migrationFS, "postgres", func(ctx context.Context, version, body string) (bool, error) {
		return sqlstore.ApplyMigration(ctx, s.DB, version, body, migrationSetup, nil)
	})
}
