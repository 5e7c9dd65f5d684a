package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/sqlite"
	"github.com/posguard/posguard/storetest"
)

// TestSearchRestart runs the search table's restart check on one database
// file opened again and again.
func TestSearchRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "search.db")
	storetest.RunSearchRestart(t, func(t *testing.T) posguard.Store {
		s, err := sqlite.Open(path, storetest.NewSealer())
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		return s
	})
}
