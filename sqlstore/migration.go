package sqlstore

import (
	"io/fs"
	"sort"
	"strings"

	"github.com/posguard/posguard"
)

// Migration is one numbered schema migration of a database.
type Migration struct {
	// Version is the file name without .sql ("0001_init").
	Version string
	// Body is the SQL.
	Body string
}

// Migrations returns the migrations/*.sql files of fsys in name order (the
// order they are applied in); name prefixes errors.
func Migrations(fsys fs.FS, name string) ([]Migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, posguard.WrapError(posguard.EINTERNAL, err, "%s: list migrations", name)
	}
	sort.Strings(names)
	out := make([]Migration, 0, len(names))
	for _, n := range names {
		version := strings.TrimSuffix(strings.TrimPrefix(n, "migrations/"), ".sql")
		body, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, posguard.WrapError(posguard.EINTERNAL, err, "%s: read migration %s", name, version)
		}
		out = append(out, Migration{Version: version, Body: string(body)})
	}
	return out, nil
}
