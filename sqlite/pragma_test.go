package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/posguard/posguard/storetest"
)

// TestWriterPragmas checks the writer connection's durability and
// checkpoint settings: WAL with synchronous=FULL (a write is durable when
// its commit returns) and a checkpoint every 4,000 WAL pages.
func TestWriterPragmas(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "pragma.db"), storetest.NewSealer())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, p := range []struct {
		name string
		want string
	}{{"journal_mode", "wal"}, {"synchronous", "2"}, {"wal_autocheckpoint", "4000"}, {"foreign_keys", "1"}} {
		var got string
		if err := s.write.QueryRow("PRAGMA " + p.name).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != p.want {
			t.Errorf("writer PRAGMA %s = %s, want %s", p.name, got, p.want)
		}
	}
}
