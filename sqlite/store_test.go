package sqlite_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/sqlite"
	"github.com/posguard/posguard/storetest"
)

// openTemp opens a store in a fresh temporary directory.
func openTemp(t testing.TB) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(filepath.Join(t.TempDir(), "posguard.db"), storetest.NewSealer())
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return s
}

// rawContains reports whether needle occurs in the database file or its WAL.
func rawContains(t testing.TB, s posguard.Store, needle []byte) bool {
	t.Helper()
	path := s.(*sqlite.Store).Path()
	for _, p := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(p)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatalf("read %s: %v", p, err)
		}
		if bytes.Contains(b, needle) {
			return true
		}
	}
	return false
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) posguard.Store { return openTemp(t) },
		storetest.WithRawContains(func(t *testing.T, s posguard.Store, needle []byte) bool { return rawContains(t, s, needle) }))
}
