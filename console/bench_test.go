package console_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/access"
	"github.com/posguard/posguard/analytics"
	"github.com/posguard/posguard/casework"
	"github.com/posguard/posguard/console"
	"github.com/posguard/posguard/sqlite"
	"github.com/posguard/posguard/storetest"
)

// benchSales is the journal size of BenchmarkPages: POSGUARD_BENCH_SALES,
// 20,000 by default so CI stays fast (docs/benchmarks.md uses 1,000,000).
func benchSales(b *testing.B) int {
	if v := os.Getenv("POSGUARD_BENCH_SALES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1000 {
			b.Fatalf("POSGUARD_BENCH_SALES=%q: want a number of at least 1000", v)
		}
		return n
	}
	return 20000
}

// benchMerchants is how many merchants share the benchmark journal.
const benchMerchants = 50

// fillJournal writes n transactions straight into the SQLite file (one
// statement per row in 50,000-row transactions): benchMerchants merchants
// with 10 terminals each, over the 30 days before now, 90 % approved and
// the rest declined with one of five codes, random card tails and amounts.
// The store is opened first so its migrations made the schema.
func fillJournal(b *testing.B, path string, n int) {
	b.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(OFF)&_pragma=busy_timeout(10000)")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	codes := []string{"51", "55", "54", "41", "91"}
	start := now.Add(-30 * 24 * time.Hour).UnixNano()
	step := int64(30*24*time.Hour) / int64(n)
	for done := 0; done < n; {
		tx, err := db.Begin()
		if err != nil {
			b.Fatal(err)
		}
		ins, err := tx.Prepare(`INSERT INTO transactions (terminal_id, batch, stan, mti, type, content_hash, merchant_id,
			pan_masked, pan_hash, issuer_bin, card_org, amount, currency, proc_code, entry_mode, settlement_date, rrn,
			auth_code, response_code, reason, state, orig_id, refunded_amount, upstream_stan, upstream_time, answer, detail,
			created_at, updated_at) VALUES (?, '000001', ?, '0200', 'sale', 'h', ?, ?, '', '622588', 'CUP', ?, '156', '000000',
			'051', ?, ?, '', ?, ?, ?, 0, 0, '', '', NULL, NULL, ?, ?)`)
		if err != nil {
			b.Fatal(err)
		}
		for end := min(done+50000, n); done < end; done++ {
			m := done % benchMerchants
			tid := fmt.Sprintf("7%03d%04d", m, done%10)
			mid := fmt.Sprintf("8983100%08d", m)
			code, reason, state := "00", posguard.ReasonApproved, posguard.StateApproved
			if rng.IntN(10) == 0 || done == 7 { // merchant 7's first is always a 51
				code = codes[rng.IntN(len(codes))]
				if done == 7 {
					code = "51"
				}
				reason, state = posguard.IssuerReason(code), posguard.StateDeclined
			}
			at := start + int64(done)*step
			if _, err := ins.Exec(tid, fmt.Sprintf("%06d", done/10%1000000)+strconv.Itoa(done/10_000_000), mid,
				fmt.Sprintf("622588******%04d", rng.IntN(10000)), int64(100+rng.IntN(500000)),
				time.Unix(0, at).In(time.FixedZone("", 8*3600)).Format("2006-01-02"), fmt.Sprintf("%012d", done+1),
				code, reason, string(state), at, at); err != nil {
				b.Fatal(err)
			}
		}
		ins.Close()
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPages measures the console's pages over a SQLite journal of
// POSGUARD_BENCH_SALES transactions: the transaction search (first page,
// each filter of §5, merchant and staff), a transaction page and both
// dashboards. Each iteration is one whole request through the handler
// (session lookup, store queries, template), as a browser would make it.
func BenchmarkPages(b *testing.B) {
	n := benchSales(b)
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "posguard.db")
	// POSGUARD_BENCH_DB keeps the filled database between runs (filled
	// once when the file does not exist yet).
	fill := true
	if p := os.Getenv("POSGUARD_BENCH_DB"); p != "" {
		path = p
		_, err := os.Stat(p)
		fill = err != nil
	}
	st, err := sqlite.Open(path, storetest.NewSealer())
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	mid := "898310000000007"
	if err := st.PutMerchant(ctx, &posguard.Merchant{ID: mid, Name: "Bench", Status: posguard.MerchantActive}); err != nil {
		b.Fatal(err)
	}
	if fill {
		fillJournal(b, path, n)
	}
	// As served: the host's indexer copies the journal into the search
	// table within a second of each sale (migration 0105).
	for more := true; more; {
		if _, more, err = st.IndexJournal(ctx, 100000); err != nil {
			b.Fatal(err)
		}
	}
	// A day of hourly rollups by cause category, as the aggregator writes them.
	var deltas []posguard.Rollup
	for h := 0; h < 24; h++ {
		at := now.Add(-time.Duration(h) * time.Hour).Truncate(time.Hour)
		for i, cat := range []string{"success", "card", "cardholder", "issuer_network", "limit"} {
			c := posguard.Counts{Total: 1000, Failed: int64(10 * i)}
			if cat == "success" {
				c.Failed = 0
			}
			deltas = append(deltas, posguard.Rollup{Window: posguard.WindowHour, Dimension: posguard.DimCategory, Key: cat, Bucket: at, Counts: c})
		}
	}
	if !fill {
		deltas = nil
	}
	if err := st.AddRollups(ctx, deltas, nil); err != nil {
		b.Fatal(err)
	}
	list, err := st.List(ctx, posguard.TxnFilter{MerchantID: mid, ResponseCode: "51", Limit: 1})
	if err != nil || len(list) == 0 {
		b.Fatalf("no declined transaction of %s: %v", mid, err)
	}
	declined := list[0]
	users["bench-shop"] = posguard.User{Name: "bench-shop", Role: posguard.RoleMerchant, MerchantID: mid}
	defer delete(users, "bench-shop")
	addUsers(b, st) // (already there in a kept POSGUARD_BENCH_DB)
	auth := &access.Auth{Store: st.Access()}
	srv := &console.Server{Store: st, Auth: auth, Cases: &casework.Service{Store: st},
		Reports: &analytics.Reports{Store: st, Now: func() time.Time { return now }}, Now: func() time.Time { return now }}
	h := srv.Handler()
	session := func(name string) string {
		secret, _, _, err := auth.NewSession(ctx, name, "secret-"+name, "bench")
		if err != nil {
			b.Fatal(err)
		}
		return secret
	}
	shop, ops := session("bench-shop"), session("ops")
	tail := declined.PANMasked[len(declined.PANMasked)-4:]
	amount := fmt.Sprintf("%d.%02d", declined.Amount/100, declined.Amount%100)
	for _, c := range []struct{ name, session, path string }{
		{"merchant/dashboard", shop, "/"},
		{"merchant/search", shop, "/transactions"},
		{"merchant/card_tail", shop, "/transactions?card_tail=" + tail},
		{"merchant/amount", shop, "/transactions?amount=" + amount},
		{"merchant/rrn", shop, "/transactions?rrn=" + declined.RRN},
		{"merchant/code+dates", shop, "/transactions?code=51&from=" + day(now.AddDate(0, 0, -7)) + "&to=" + day(now)},
		{"merchant/transaction", shop, fmt.Sprintf("/transactions/%d", declined.ID)},
		{"staff/dashboard", ops, "/"},
		{"staff/search", ops, "/transactions"},
		{"staff/card_tail", ops, "/transactions?card_tail=" + tail},
		{"staff/card_tail+merchant", ops, "/transactions?card_tail=" + tail + "&merchant=" + mid},
		{"staff/amount", ops, "/transactions?amount=" + amount},
		{"staff/rrn", ops, "/transactions?rrn=" + declined.RRN},
		{"staff/state", ops, "/transactions?state=declined"},
		{"staff/transaction", ops, fmt.Sprintf("/transactions/%d", declined.ID)},
	} {
		b.Run(c.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, c.path, nil)
			req.AddCookie(&http.Cookie{Name: "posguard_session", Value: c.session})
			check := httptest.NewRecorder()
			h.ServeHTTP(check, req)
			if check.Code != 200 {
				b.Fatalf("%s: %d %s", c.path, check.Code, url.QueryEscape(check.Body.String()[:min(200, check.Body.Len())]))
			}
			for b.Loop() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/page")
		})
	}
}

// day is t's date in UTC+8.
func day(t time.Time) string { return t.In(time.FixedZone("", 8*3600)).Format("2006-01-02") }
