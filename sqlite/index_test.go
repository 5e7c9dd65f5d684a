package sqlite

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/sqlstore"
	"github.com/posguard/posguard/storetest"
)

// TestJournalQueryPlans checks, with EXPLAIN QUERY PLAN, that every journal
// query the host, the API and the back office run is answered through an
// index after migration 0005 (which dropped three indexes and made two
// partial), and that none of the common List filters scans the table.
func TestJournalQueryPlans(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "plan.db"), storetest.NewSealer())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	list := func(f posguard.TxnFilter) (string, []any) { return s.ListSQL(f) }
	q := func(sql string, args ...any) func() (string, []any) {
		return func() (string, []any) { return sql, args }
	}
	lf := func(f posguard.TxnFilter) func() (string, []any) {
		return func() (string, []any) { return list(f) }
	}
	day := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		query func() (string, []any)
		want  string // an index name the plan must use
	}{
		{"ByKey", q(sqlstore.KeyIDSQL, "10000001", "000001", "000123", "0200"), "transactions_key"},
		{"ByID", q(sqlstore.ByIDSQL, 7), "INTEGER PRIMARY KEY"},
		{"ByRRN", q(sqlstore.ByRRNSQL, "123456789012", "reversal"), "transactions_rrn"},
		{"DailyUsage", q(sqlstore.DailyUsageSQL, "M1", "2026-11-01"), "transactions_daily"},
		{"BatchTotals", q(sqlstore.BatchTotalsSQL, "10000001", "000001"), "transactions_key"},
		{"Unresolved", q(sqlstore.UnresolvedSQL, "forwarded", 50), "transactions_open"},
		{"Events", q(`SELECT id FROM txn_events WHERE txn_id = ? ORDER BY id`, 7), "txn_events_txn"},
		{"JournalChanges", q(`SELECT e.id, t.state FROM txn_events e JOIN transactions t ON t.id = e.txn_id
			WHERE e.id > ? ORDER BY e.id LIMIT ?`, 10, 100), "INTEGER PRIMARY KEY"},
		{"ListMerchant", lf(posguard.TxnFilter{MerchantID: "M1"}), "transactions_merchant_id"},
		{"ListMerchantAfter", lf(posguard.TxnFilter{MerchantID: "M1", After: 1000}), "transactions_merchant_id"},
		{"ListTerminal", lf(posguard.TxnFilter{TerminalID: "10000001"}), "transactions_key"},
		{"ListTimeRange", lf(posguard.TxnFilter{From: day, To: day.Add(24 * time.Hour)}), "transactions_created"},
		{"ListForwarded", lf(posguard.TxnFilter{State: posguard.StateForwarded}), "transactions_open"},
		{"ListTimedOutBefore", lf(posguard.TxnFilter{State: posguard.StateTimedOut, To: day, After: 5}), "transactions_open"},
		{"ListReversalPending", lf(posguard.TxnFilter{State: posguard.StateReversalPending}), "transactions_open"},
		{"ListFailedCode", lf(posguard.TxnFilter{ResponseCode: "51"}), "transactions_failed"},
		{"ListTimeout98", lf(posguard.TxnFilter{ResponseCode: "98"}), "transactions_failed"},
		// Card tail and amount: txn_search up to the watermark, the
		// journal's key above it (migration 0105).
		{"ListCardTail", lf(posguard.TxnFilter{CardTail: "1234"}), "txn_search USING PRIMARY KEY (tail=?)"},
		{"ListCardTailAfter", lf(posguard.TxnFilter{CardTail: "1234", After: 900}), "txn_search USING PRIMARY KEY (tail=? AND txn_id<?)"},
		{"ListCardTailRecent", lf(posguard.TxnFilter{CardTail: "1234"}), "transactions USING INTEGER PRIMARY KEY (rowid>?)"},
		{"ListAmount", lf(posguard.TxnFilter{Amount: 1200}), "txn_search_fen (fen=?)"},
		{"ListAmountMerchant", lf(posguard.TxnFilter{Amount: 1200, MerchantID: "M1"}), "txn_search_fen (fen=?)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sqlText, args := tc.query()
			plan := explain(t, s, sqlText, args)
			if !strings.Contains(plan, tc.want) {
				t.Errorf("plan does not use %s:\n%s", tc.want, plan)
			}
			if strings.Contains(plan, "SCAN transactions\n") || strings.HasSuffix(plan, "SCAN transactions") {
				t.Errorf("plan scans the whole transactions table:\n%s", plan)
			}
		})
	}
}

// TestListFinalStateWalksNewestFirst checks the plan chosen for filters the
// partial indexes do not hold (a final state, code 00): a walk of the table
// newest first that stops at the page size, with no sort.
func TestListFinalStateWalksNewestFirst(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "plan.db"), storetest.NewSealer())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, f := range []posguard.TxnFilter{{State: posguard.StateApproved}, {ResponseCode: "00"}} {
		sqlText, args := s.ListSQL(f)
		plan := explain(t, s, sqlText, args)
		if strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("%+v: plan sorts instead of walking the table by id:\n%s", f, plan)
		}
	}
}

// explain returns the EXPLAIN QUERY PLAN details of query, one per line.
func explain(t *testing.T, s *Store, query string, args []any) string {
	t.Helper()
	rows, err := s.read.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatalf("explain: %v", err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

// TestOutcomeUpdateLeavesRRNIndex checks that the update used when no RRN
// is set (a sale's outcome) does not write the transactions_rrn index,
// while the general update does: SQLite opens a write cursor on every index
// whose column is in the SET list, changed or not.
func TestOutcomeUpdateLeavesRRNIndex(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "plan.db"), storetest.NewSealer())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var root int64
	if err := s.read.QueryRow(`SELECT rootpage FROM sqlite_master WHERE name = 'transactions_rrn'`).Scan(&root); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		sql   string
		write bool
	}{{"with rrn", sqlstore.UpdateTxnSQL, true}, {"keep rrn", sqlstore.UpdateKeepRRNSQL, false}} {
		rows, err := s.write.Query("EXPLAIN "+tc.sql, "approved", "00", "", "", "", "", "", 0, nil, nil, 1, 1)
		if err != nil {
			t.Fatal(err)
		}
		writes := false
		for rows.Next() {
			var addr, p1, p2, p3 int64
			var op string
			var p4, p5, comment any
			if err := rows.Scan(&addr, &op, &p1, &p2, &p3, &p4, &p5, &comment); err != nil {
				t.Fatal(err)
			}
			if op == "OpenWrite" && p2 == root {
				writes = true
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		if writes != tc.write {
			t.Errorf("%s: writes transactions_rrn = %v, want %v", tc.name, writes, tc.write)
		}
	}
}
