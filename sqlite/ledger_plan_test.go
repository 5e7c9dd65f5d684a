package sqlite

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/posguard/posguard/storetest"
)

// TestLedgerQueryPlans checks, with EXPLAIN QUERY PLAN, that the ledger's
// queries on ledger_entries are answered through its primary key or its
// partial indexes after migration 0080 (the table stored in its primary
// key; the account and merchant indexes partial), never by a scan.
func TestLedgerQueryPlans(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "plan.db"), storetest.NewSealer())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tests := []struct {
		name, sql string
		args      []any
		want      string
	}{
		{"BalancesOfMerchant", `SELECT account, SUM(amount) FROM ledger_entries WHERE 1 = 1 AND merchant_id = ?
			AND merchant_id <> '' AND date <= ? GROUP BY account HAVING SUM(amount) <> 0 ORDER BY account`,
			[]any{"M1", "2026-01-01"}, "ledger_entries_merchant"},
		{"LedgerNet", `SELECT COUNT(*), SUM(e.amount) FROM ledger_entries e JOIN ledger_postings p ON p.seq = e.seq
			WHERE e.account = 'network_receivable' AND e.date = ? AND p.kind IN ('approval', 'void', 'refund', 'reversal')`,
			[]any{"2026-01-01"}, "ledger_entries_receivable"},
		{"BalanceCheck", `SELECT seq FROM ledger_entries WHERE seq >= ? GROUP BY seq HAVING SUM(amount) <> 0 LIMIT 1`,
			[]any{5}, "PRIMARY KEY"},
		{"EntriesOfPostings", `SELECT seq, account, amount FROM ledger_entries WHERE seq BETWEEN ? AND ? ORDER BY seq, idx`,
			[]any{1, 5}, "PRIMARY KEY"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			plan := explain(t, s, tc.sql, tc.args)
			if !strings.Contains(plan, tc.want) {
				t.Errorf("plan does not use %s:\n%s", tc.want, plan)
			}
			if strings.Contains(plan, "SCAN ledger_entries") || strings.Contains(plan, "SCAN e") {
				t.Errorf("plan scans ledger_entries:\n%s", plan)
			}
		})
	}
}
