package sqlite

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/posguard/posguard/sqlstore"
	"github.com/posguard/posguard/storetest"
)

// TestUnpostedQRPlans checks that the ledger poster's reads of succeeded,
// unposted QR orders and refunds are answered from their partial indexes,
// whose predicate SQLite matches only as written (posted = 0).
func TestUnpostedQRPlans(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "plan.db"), storetest.NewSealer())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, tc := range []struct{ query, index string }{
		{sqlstore.UnpostedOrdersSQL, "qr_orders_unposted"},
		{sqlstore.UnpostedRefundsSQL, "qr_refunds_unposted"},
	} {
		plan := explain(t, s, fmt.Sprintf(tc.query, s.DB.D.False), []any{100})
		if !strings.Contains(plan, tc.index) {
			t.Errorf("plan does not use %s:\n%s", tc.index, plan)
		}
	}
}
