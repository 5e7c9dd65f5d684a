package main

import (
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/postgres/pgtest"
	"github.com/posguard/posguard/qr"
)

// jumpClock is the real time moved forward by whatever the test added.
type jumpClock struct{ off atomic.Int64 }

func (c *jumpClock) Now() time.Time { return time.Now().Add(time.Duration(c.off.Load())) }

// reach moves the clock to at least t (never back).
func (c *jumpClock) reach(t time.Time) {
	want := int64(time.Until(t) + time.Millisecond)
	for {
		off := c.off.Load()
		if want <= off || c.off.CompareAndSwap(off, want) {
			return
		}
	}
}

// TestQRNotifyAbandoned: a merchant's notify_url that keeps failing,
// through serve and simwallet with the QR engine's clock moved forward
// (no waiting): the notification is retried at the spec's growing delays
// (5 s, 15 s, 30 s, 1 min, 2 min, 5 min, 10 min, 30 min, then hourly),
// still pending just before 7 days, abandoned once 7 days have passed and
// never tried again; every attempt reached the merchant's server; the
// order shows it in the API and the console; the metrics count the failed
// attempts and the abandonment. On SQLite and PostgreSQL.
func TestQRNotifyAbandoned(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	onSQLiteAndPostgres(t, testQRNotifyAbandoned)
}

// onSQLiteAndPostgres runs test on a new SQLite database (dsn "") and on
// TEST_DATABASE_URL (skipped without it), as subtests.
func onSQLiteAndPostgres(t *testing.T, test func(t *testing.T, dsn string)) {
	t.Run("sqlite", func(t *testing.T) { test(t, "") })
	t.Run("postgres", func(t *testing.T) { test(t, pgtest.URL(t)) })
}

func testQRNotifyAbandoned(t *testing.T, dsn string) {
	clock := &jumpClock{}
	qw := startQRWorldTuned(t, dsn, func(s *ServeCommand) {
		s.QRNotifySchedule = nil // the spec's schedule
		s.QRNow = clock.Now
	}, "--qr-query-every", "100ms")
	const forever = 1 << 30
	sink := newNotifySink(t, forever) // answers 500 to every notification
	m := qw.order(201, map[string]any{"out_order_no": "N7D-1", "amount": 700, "auth_code": "131000000000000007", "notify_url": sink.url})
	if m["state"] != "succeeded" {
		t.Fatalf("order = %v", m)
	}
	id := m["id"].(string)
	paid, err := time.Parse(time.RFC3339, m["updated_at"].(string))
	if err != nil {
		t.Fatal(err)
	}
	// notice returns the order's notification once it has had attempts
	// tries (polling the order the outbox moves).
	notice := func(attempts int) map[string]any {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			_, o := qw.call("GET", "/v1/qr/orders/"+id, qw.shop, nil)
			ns, _ := o["notifications"].([]any)
			if len(ns) == 1 {
				n := ns[0].(map[string]any)
				if got := int(n["attempts"].(float64)); got == attempts {
					return n
				} else if got > attempts {
					t.Fatalf("notification tried %d times, want %d: %v", got, attempts, n)
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("notification not tried %d times: %v\n%s", attempts, o["notifications"], qw.logs.String())
			}
			time.Sleep(20 * time.Millisecond) // polling the order the outbox moves
		}
	}
	next := func(n map[string]any) time.Time {
		t.Helper()
		at, err := time.Parse(time.RFC3339, n["next_attempt"].(string))
		if err != nil || n["state"] != posguard.QRNoticePending {
			t.Fatalf("notification not pending with a next attempt: %v", n)
		}
		return at
	}
	// The first try follows the payment at once; then the schedule.
	n := notice(1)
	prev := next(n)
	if d := prev.Sub(paid); d < 4*time.Second || d > 7*time.Second {
		t.Fatalf("first retry %v after the payment, want 5 s", d)
	}
	want := []time.Duration{15 * time.Second, 30 * time.Second, time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute,
		30 * time.Minute, time.Hour, time.Hour, time.Hour}
	tries := 1
	for _, d := range want {
		clock.reach(prev)
		tries++
		n = notice(tries)
		at := next(n)
		// Times in the API have whole seconds; the try came just after prev.
		if got := at.Sub(prev); got < d-time.Second || got > d+2*time.Second {
			t.Fatalf("try %d: next after %v, want %v", tries, got, d)
		}
		prev = at
	}
	// Just before 7 days: still tried, still pending.
	clock.reach(paid.Add(7*24*time.Hour - time.Hour))
	tries++
	n = notice(tries)
	next(n)
	// 7 days after it was queued: the next failure abandons it.
	clock.reach(paid.Add(7*24*time.Hour + 2*time.Second))
	tries++
	n = notice(tries)
	if n["state"] != posguard.QRNoticeAbandoned || n["next_attempt"] != nil || !strings.Contains(n["last_error"].(string), "HTTP 500") {
		t.Fatalf("after 7 days: %v", n)
	}
	sink.mu.Lock()
	reached := forever - sink.failFirst
	sink.mu.Unlock()
	if reached != tries || len(sink.events()) != 0 {
		t.Fatalf("the merchant's server got %d tries (%d accepted), posguard counts %d", reached, len(sink.events()), tries)
	}
	// Never tried again, however late.
	clock.reach(paid.Add(30 * 24 * time.Hour))
	_, due := qw.call("GET", "/v1/qr/orders/"+id, qw.shop, nil)
	if ns := due["notifications"].([]any); ns[0].(map[string]any)["attempts"].(float64) != float64(tries) {
		t.Fatalf("an abandoned notification was tried again: %v", ns)
	}

	// Metrics: the failed tries and the abandonment.
	req, _ := http.NewRequest("GET", "http://"+qw.httpAdr+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+qw.staff)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	count := func(result string) int {
		m := regexp.MustCompile(`(?m)^posguard_qr_notifications_total\{result="` + result + `"\} (\d+)$`).FindSubmatch(body)
		if m == nil {
			return 0
		}
		v, _ := strconv.Atoi(string(m[1]))
		return v
	}
	if count("failed") != tries-1 || count("abandoned") != 1 || count("delivered") != 0 {
		t.Fatalf("metrics: failed %d, abandoned %d, delivered %d; want %d, 1, 0", count("failed"), count("abandoned"), count("delivered"), tries-1)
	}

	// The console's order page, in both languages.
	ops := qw.consoleLogin("n7d-ops", posguard.RoleOperator)
	for lang, text := range map[string]string{"zh": "已放弃", "en": "abandoned"} {
		st, page := ops.get("/qr/" + id + "?lang=" + lang)
		if st != 200 || !strings.Contains(page, qr.NoticeID(1)) || !strings.Contains(page, ">"+text) || !strings.Contains(page, "HTTP 500") {
			t.Errorf("console %s: %d, no abandoned notification shown", lang, st)
		}
	}
}
