package main

import (
	"fmt"
	"testing"

	"github.com/posguard/posguard"
)

// TestQRLimits: a QR order over the merchant's daily limits (amount or
// count, counted over its QR orders of the day) fails at once without any
// channel call; one within them is paid; an approved limit-increase
// request (提额) applies to the next order.
func TestQRLimits(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	qw := startQRWorld(t, "--qr-query-every", "100ms")
	risk := qw.userToken("qrrisk", posguard.RoleRisk, "")
	setLimits := func(body map[string]any) {
		t.Helper()
		st, req := qw.call("POST", "/v1/merchants/"+qrOtherMID+"/limit-requests", qw.other, body)
		if st != 201 {
			t.Fatalf("limit request: %d %v", st, req)
		}
		path := fmt.Sprintf("/v1/limit-requests/%v/approve", req["id"])
		if st, m := qw.call("POST", path, risk, map[string]any{"note": "checked"}); st != 200 {
			t.Fatalf("approve: %d %v", st, m)
		}
	}
	order := func(body map[string]any) map[string]any {
		t.Helper()
		st, m := qw.call("POST", "/v1/qr/orders", qw.other, body)
		if st != 201 {
			t.Fatalf("POST /v1/qr/orders %v: %d %v", body, st, m)
		}
		return m
	}
	// 60 yuan and 2 orders a day for QR.
	setLimits(map[string]any{"daily": 6000, "daily_count": 2, "reason": "test limits"})

	within := order(map[string]any{"out_order_no": "L1", "amount": 4000, "auth_code": "138000000000000001"})
	if within["state"] != "succeeded" {
		t.Fatalf("order within the limits = %v", within)
	}
	if p := qw.account("138"); p.Balance != 1000000-4000 {
		t.Fatalf("payer of the order within = %+v", p)
	}

	over := order(map[string]any{"out_order_no": "L2", "amount": 3000, "auth_code": "139000000000000001"})
	if over["state"] != "failed" || over["reason"] != posguard.ReasonQRDailyAmount || over["explanation"] == nil || over["transaction_id"] != nil {
		t.Fatalf("order over the daily amount = %v", over)
	}
	if p := qw.account("139"); p.Balance != 1000000 || len(p.Charges) != 0 {
		t.Fatalf("payer of the refused order was charged: %+v", p)
	}

	// Up to the limit itself is allowed.
	exact := order(map[string]any{"out_order_no": "L3", "amount": 2000, "auth_code": "139000000000000002"})
	if exact["state"] != "succeeded" {
		t.Fatalf("order reaching the daily amount = %v", exact)
	}
	// 提额 of the amount only: a third order of the day is then over the
	// daily count; a native order gets no code from the channel.
	setLimits(map[string]any{"daily": 20000, "reason": "busy season"})
	third := order(map[string]any{"out_order_no": "L4", "amount": 100, "mode": "native", "expire_seconds": 600})
	if third["state"] != "failed" || third["reason"] != posguard.ReasonQRDailyCount || third["code_url"] != nil {
		t.Fatalf("order over the daily count = %v", third)
	}
	if p := qw.account("139"); p.Balance != 1000000-2000 || len(p.Charges) != 1 {
		t.Fatalf("payer after the refused orders = %+v", p)
	}

	// 提额 of the count: once approved, the next order passes.
	setLimits(map[string]any{"daily_count": 5, "reason": "more orders"})
	after := order(map[string]any{"out_order_no": "L5", "amount": 3000, "auth_code": "139000000000000003"})
	if after["state"] != "succeeded" {
		t.Fatalf("order after the raise = %v", after)
	}
}
