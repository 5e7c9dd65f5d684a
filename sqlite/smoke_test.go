package sqlite_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/sqlite"
	"github.com/posguard/posguard/storetest"
)

func TestSmoke(t *testing.T) {
	s, err := sqlite.Open(filepath.Join(t.TempDir(), "db"), storetest.NewSealer())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if err := s.PutMerchant(ctx, &posguard.Merchant{ID: "M1", Status: posguard.MerchantActive}); err != nil {
		t.Fatal(err)
	}
	tmk := bytes.Repeat([]byte{7}, 16)
	if err := s.PutTerminal(ctx, &posguard.Terminal{ID: "T1", MerchantID: "M1", TMK: tmk}); err != nil {
		t.Fatal(err)
	}
	term, err := s.Terminal(ctx, "T1")
	if err != nil || !bytes.Equal(term.TMK, tmk) || term.Batch != "000001" {
		t.Fatal(err, term)
	}
	m, err := s.Merchant(ctx, "M1")
	if err != nil || m.Status != posguard.MerchantActive {
		t.Fatal(err, m)
	}
	t.Log(s.Migrated())
}
