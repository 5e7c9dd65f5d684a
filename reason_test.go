package posguard_test

import (
	"testing"

	"github.com/posguard/posguard"
)

func TestReasonOf(t *testing.T) {
	tests := []struct {
		reason, code string
		status       int
		ok           bool
	}{
		{posguard.ReasonApproved, "00", 200, true},
		{posguard.ReasonMerchantFrozen, "03", 403, true},
		{posguard.ReasonNetworkTimeout, "98", 504, true},
		{posguard.ReasonReversalQueued, "00", 202, true},
		{posguard.ReasonAccountFrozen, "", 422, true},
		{posguard.IssuerReason("51"), "51", 402, true},
		{posguard.IssuerReason("00"), "00", 200, true},
		{"issuer.5", "", 0, false},
		{"no.such_reason", "", 0, false},
	}
	for _, tt := range tests {
		r, ok := posguard.ReasonOf(tt.reason)
		if ok != tt.ok || r.Code != tt.code || r.HTTPStatus != tt.status {
			t.Errorf("ReasonOf(%q) = %+v, %v; want code %q status %d, %v", tt.reason, r, ok, tt.code, tt.status, tt.ok)
		}
	}
}

// TestReasonCodeNeverEmpty: a terminal always gets a code, 96 for a reason
// that has none (an unknown one, or a payout reason).
func TestReasonCodeNeverEmpty(t *testing.T) {
	for _, reason := range []string{"no.such_reason", posguard.ReasonBankReturn, ""} {
		if got := posguard.ReasonCode(reason); got != "96" {
			t.Errorf("ReasonCode(%q) = %q, want 96", reason, got)
		}
	}
	if got := posguard.ReasonCode(posguard.ReasonLimitDailyCount); got != "65" {
		t.Errorf("daily count: %q", got)
	}
}

func TestReasonsIsACopy(t *testing.T) {
	a := posguard.Reasons()
	a[0].Code = "XX"
	if posguard.Reasons()[0].Code == "XX" {
		t.Fatal("Reasons shares the table")
	}
}
