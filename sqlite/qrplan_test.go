package sqlite

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/posguard/posguard/sqlstore"
	"github.com/posguard/posguard/storetest"
)

// TestUnpostedQRPlans checks that the ledger poster's reads walk the
// narrow queues of unposted orders and refunds and find each row by its
// primary key, never scanning qr_orders or qr_refunds.
func TestUnpostedQRPlans(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "plan.db"), storetest.NewSealer())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, tc := range []struct{ query, queue, search string }{
		{sqlstore.UnpostedOrdersSQL, "qr_unposted_orders", "SEARCH o USING INTEGER PRIMARY KEY"},
		{sqlstore.UnpostedRefundsSQL, "qr_unposted_refunds", "SEARCH r USING INTEGER PRIMARY KEY"},
	} {
		plan := explain(t, s, tc.query, []any{100})
		if !strings.Contains(plan, "SCAN u") || !strings.Contains(plan, tc.search) || strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("plan of the %s read does not walk the queue in order and %s:\n%s", tc.queue, tc.search, plan)
		}
	}
}
