package postgres

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/postgres/pgtest"
	"github.com/posguard/posguard/sqlstore"
	"github.com/posguard/posguard/storetest"
)

// TestSearchRestart runs the search table's restart check on one schema
// opened again and again.
func TestSearchRestart(t *testing.T) {
	testURL(t)
	url := pgtest.URL(t)
	storetest.RunSearchRestart(t, func(t *testing.T) posguard.Store {
		s, err := Open(t.Context(), url, storetest.NewSealer())
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		return s
	})
}

// rawSalesSQL journals sales $1 to $2 behind the store's back (for a large
// journal, or a row left uncommitted): terminal 1000(i%50), STAN i, merchant
// M(i%20), card tail i%1000, amount 100 * (1 + i%500) fen.
const rawSalesSQL = `INSERT INTO transactions (terminal_id, batch, stan, mti, type, content_hash,
	merchant_id, pan_masked, pan_hash, issuer_bin, card_org, amount, currency, proc_code, entry_mode,
	settlement_date, rrn, auth_code, response_code, reason, state, upstream_stan, upstream_time, created_at, updated_at)
	SELECT '1000' || (i % 50), '000001', lpad(i::text, 6, '0'), '0200', 'sale', '', 'M' || (i % 20),
		'622202******' || lpad((i % 1000)::text, 4, '0'), '', '622202', 'CUP', 100 * (1 + i % 500), 'CNY',
		'000000', '051', '2026-03-01', '', '', '00', 'approved', 'approved', '', '', now(), now()
	FROM generate_series($1::int, $2::int) AS i`

// TestSearchGap checks the watermark against ids that commit out of order:
// a row whose transaction is still open when a later one has committed
// stops the indexer below it (the later row is found through the journal
// meanwhile), and is copied once it commits; an id given up for good is
// passed after SearchGapGrace.
func TestSearchGap(t *testing.T) {
	s := openTest(t)
	defer s.Close()
	ctx := t.Context()
	now := s.Now
	tails := func() []int64 {
		t.Helper()
		got, err := s.List(ctx, posguard.TxnFilter{CardTail: "0007", Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var stans []int64
		for _, x := range got {
			n, _ := strconv.ParseInt(x.STAN, 10, 64)
			stans = append(stans, n)
		}
		return stans
	}
	step := func(want int) {
		t.Helper()
		if copied, _, err := s.IndexJournal(ctx, 0); err != nil || copied != want {
			t.Fatalf("step copied %d (%v), want %d", copied, err, want)
		}
	}
	raw := func(stan int) {
		t.Helper()
		if _, err := s.pool.Exec(ctx, rawSalesSQL, stan, stan); err != nil {
			t.Fatal(err)
		}
	}
	raw(1007)
	open, err := s.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := open.Exec(ctx, rawSalesSQL, 2007, 2007); err != nil {
		t.Fatal(err)
	}
	raw(3007)
	step(1) // 1007; 2007 is not committed, so 3007 waits
	if got := fmt.Sprint(tails()); got != "[3007 1007]" {
		t.Fatalf("with 2007 uncommitted: %s", got)
	}
	if err := open.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(tails()); got != "[3007 2007 1007]" {
		t.Fatalf("after 2007 committed: %s", got)
	}
	step(2)
	if got := fmt.Sprint(tails()); got != "[3007 2007 1007]" {
		t.Fatalf("all copied: %s", got)
	}

	// An id given up: the indexer waits SearchGapGrace, then passes it.
	open, err = s.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := open.Exec(ctx, rawSalesSQL, 4007, 4007); err != nil {
		t.Fatal(err)
	}
	if err := open.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	raw(5007)
	step(0)
	s.Now = func() time.Time { return now().Add(sqlstore.SearchGapGrace + time.Minute) }
	step(1)
	if got := fmt.Sprint(tails()); got != "[5007 3007 2007 1007]" {
		t.Fatalf("after the gap: %s", got)
	}
}

// TestSearchPlans checks with EXPLAIN that List by card tail or amount
// finds the rows at or below the watermark through txn_search's indexes
// and those above it through the journal's primary key, on a journal of
// 20,000 rows (1,000 card tails, 500 amounts) with fresh statistics.
func TestSearchPlans(t *testing.T) {
	s := openTest(t)
	defer s.Close()
	ctx := t.Context()
	if _, err := s.pool.Exec(ctx, rawSalesSQL, 1, 20000); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.IndexJournal(ctx, 100000); err != nil {
		t.Fatal(err)
	}
	if _, err := s.pool.Exec(ctx, `ANALYZE transactions; ANALYZE txn_search`); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		f    posguard.TxnFilter
		want []string
	}{
		{posguard.TxnFilter{CardTail: "0042"}, []string{"txn_search_tail", "transactions_pkey"}},
		{posguard.TxnFilter{CardTail: "0042", After: 15000}, []string{"txn_search_tail", "transactions_pkey"}},
		{posguard.TxnFilter{Amount: 4200}, []string{"txn_search_fen", "transactions_pkey"}},
		{posguard.TxnFilter{Amount: 4200, MerchantID: "M3"}, []string{"txn_search_fen"}},
	} {
		q, args := s.ListSQL(tc.f)
		var lines []string
		rows, err := s.pool.Query(ctx, "EXPLAIN "+s.DB.Q(q), args...)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			lines = append(lines, line)
		}
		rows.Close()
		plan := strings.Join(lines, "\n")
		for _, w := range tc.want {
			if !strings.Contains(plan, w) {
				t.Errorf("%+v: plan does not use %s:\n%s", tc.f, w, plan)
			}
		}
		if strings.Contains(plan, "Seq Scan on transactions") || strings.Contains(plan, "Seq Scan on txn_search") {
			t.Errorf("%+v: plan scans a whole table:\n%s", tc.f, plan)
		}
	}
}
