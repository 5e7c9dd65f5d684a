package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/sqlite"
	"github.com/posguard/posguard/storetest"
)

// A database path with the characters a URI gives meaning to stays one
// file per path: two stores never share a database by accident.
func TestOpenPathWithURICharacters(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	a, err := sqlite.Open(filepath.Join(dir, "a#1?x%2.db"), storetest.NewSealer())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := sqlite.Open(filepath.Join(dir, "a#2?x%2.db"), storetest.NewSealer())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := a.PutMerchant(ctx, &posguard.Merchant{ID: "898310048990001", Status: posguard.MerchantActive}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Merchant(ctx, "898310048990001"); posguard.ErrorCode(err) != posguard.ENOTFOUND {
		t.Fatalf("the second database sees the first one's merchant: %v", err)
	}
	if got, err := filepath.Glob(filepath.Join(dir, "a#1?x%2.db")); err != nil || len(got) != 1 {
		t.Fatalf("database file not at its path: %v %v", got, err)
	}
}
