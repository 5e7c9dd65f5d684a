package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestQRMetricsAndAnalytics: through the real host and simwallet, a paid
// order, one refused NOTENOUGH by the channel, one refused at once
// (unknown code) and a partial refund, with merchant notifications of
// which the first attempt fails, show in /metrics (posguard_qr_*) and in
// the failure analytics by channel and by reason, as card answers do.
func TestQRMetricsAndAnalytics(t *testing.T) {
	qw := startQRWorld(t)
	sink := newNotifySink(t, 1) // the first notification attempt fails
	paid := qw.order(201, map[string]any{"out_order_no": "M-1", "amount": 1234, "auth_code": "134567000000000081", "notify_url": sink.url})
	if paid["state"] != "succeeded" {
		t.Fatalf("paid: %v", paid)
	}
	if m := qw.order(201, map[string]any{"out_order_no": "M-2", "amount": 5000, "auth_code": "133000000000000001"}); m["state"] != "failed" || m["reason"] != "qr.insufficient" {
		t.Fatalf("low balance: %v", m)
	}
	if m := qw.order(201, map[string]any{"out_order_no": "M-3", "amount": 100, "auth_code": "990000000000000001"}); m["state"] != "failed" || m["reason"] != "qr.code_unknown" {
		t.Fatalf("unknown code: %v", m)
	}
	if st, m := qw.call("POST", "/v1/qr/orders/"+paid["id"].(string)+"/refunds", qw.shop, map[string]any{"out_refund_no": "MR-1", "amount": 234}); st != 201 || m["state"] != "succeeded" {
		t.Fatalf("refund: %d %v", st, m)
	}

	scrape := func() string {
		req, _ := http.NewRequest("GET", "http://"+qw.httpAdr+"/metrics", nil)
		req.Header.Set("Authorization", "Bearer "+qw.staff)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	// The order's and the refund's notifications: one failed attempt,
	// then both delivered (the retry comes after 100 ms).
	deadline := time.Now().Add(15 * time.Second)
	body := scrape()
	for !strings.Contains(body, `posguard_qr_notifications_total{result="delivered"} 2`+"\n") {
		if time.Now().After(deadline) {
			t.Fatalf("notifications not delivered: %d events\n%s", len(sink.events()), body)
		}
		time.Sleep(100 * time.Millisecond) // the outbox retries on its own schedule
		body = scrape()
	}
	for _, want := range []string{
		`posguard_qr_notifications_total{result="failed"} 1`,
		`posguard_qr_orders_total{channel="wechat",state="succeeded"} 1`,
		`posguard_qr_orders_total{channel="wechat",state="failed"} 1`,
		`posguard_qr_orders_total{channel="none",state="failed"} 1`,
		`posguard_qr_order_failures_total{channel="wechat",reason="qr.insufficient"} 1`,
		`posguard_qr_order_failures_total{channel="none",reason="qr.code_unknown"} 1`,
		`posguard_qr_order_seconds_count{mode="micropay"} 3`,
		`posguard_qr_refunds_total{kind="merchant",state="succeeded"} 1`,
		`posguard_qr_refunded_fen_total 234`,
		`posguard_qr_queue_depth{queue="reverse"} 0`,
		`posguard_qr_queue_read_ok 1`,
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	// The wasted runs at a moved cache version are served too (their
	// count depends on the order of the run's changes and orders).
	if !strings.Contains(body, "\nposguard_api_version_reruns_total ") {
		t.Errorf("/metrics lacks posguard_api_version_reruns_total")
	}

	// The analytics flush every second: poll until the orders are there.
	deadline = time.Now().Add(15 * time.Second)
	for {
		_, byChannel := qw.call("GET", "/v1/analytics/failures?by=channel", qw.staff, nil)
		_, byCode := qw.call("GET", "/v1/analytics/failures?by=code", qw.staff, nil)
		wx, code := failureRow(byChannel, "wechat"), failureRow(byCode, "qr.insufficient")
		if wx != nil && code != nil && wx["total"] == float64(2) && wx["failed"] == float64(1) && code["failed"] == float64(1) &&
			failureRow(byCode, "qr.code_unknown") != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("analytics by channel %v, by code %v", byChannel, byCode)
		}
		time.Sleep(100 * time.Millisecond) // the aggregator flushes on its own ticker
	}
}

// failureRow returns the row of a failure report's totals with key.
func failureRow(report map[string]any, key string) map[string]any {
	list, _ := report["totals"].([]any)
	for _, x := range list {
		if m, ok := x.(map[string]any); ok && m["key"] == key {
			return m
		}
	}
	return nil
}
