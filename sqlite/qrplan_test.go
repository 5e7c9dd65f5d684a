package sqlite

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/posguard/posguard/sqlstore"
	"github.com/posguard/posguard/storetest"
)

// TestUnpostedQRPlans checks that the ledger poster's reads take a page of
// the narrow queue of unposted orders or refunds and find each row by its
// primary key, never scanning qr_orders or qr_refunds nor sorting.
func TestUnpostedQRPlans(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "plan.db"), storetest.NewSealer())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, tc := range []struct {
		query         [2]string
		queue, search string
	}{
		{sqlstore.UnpostedOrdersSQL, "qr_unposted_orders", "SEARCH qr_orders USING INTEGER PRIMARY KEY"},
		{sqlstore.UnpostedRefundsSQL, "qr_unposted_refunds", "SEARCH qr_refunds USING INTEGER PRIMARY KEY"},
	} {
		plan := explain(t, s, tc.query[1], []any{100})
		if !strings.Contains(plan, "SCAN "+tc.queue) || !strings.Contains(plan, tc.search) || strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("plan of the %s read does not read the queue and %s:\n%s", tc.queue, tc.search, plan)
		}
	}
}
