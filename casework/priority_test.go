package casework

import (
	"testing"
	"time"

	"github.com/posguard/posguard"
)

func TestPriorityFor(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		name   string
		kind   posguard.CaseKind
		amount posguard.Amount
		age    time.Duration
		want   posguard.Priority
	}{
		{"small complaint", posguard.CaseMerchantComplaint, 5_000, 0, posguard.P4},
		{"¥100 complaint", posguard.CaseMerchantComplaint, 10_000, 0, posguard.P3},
		{"¥1,000 complaint", posguard.CaseMerchantComplaint, 100_000, 0, posguard.P2},
		{"¥10,000 complaint", posguard.CaseMerchantComplaint, 1_000_000, 0, posguard.P1},
		{"just under ¥10,000", posguard.CaseMerchantComplaint, 999_999, 0, posguard.P2},
		{"small reversal failure is at least P2", posguard.CaseReversalFailed, 100, 0, posguard.P2},
		{"small charged but failed is at least P2", posguard.CaseChargedButFailed, 100, 0, posguard.P2},
		{"late approval at least P3", posguard.CaseLateApproval, 100, 0, posguard.P3},
		{"one day old raises one step", posguard.CaseMerchantComplaint, 5_000, day, posguard.P3},
		{"23 hours does not", posguard.CaseMerchantComplaint, 5_000, 23 * time.Hour, posguard.P4},
		{"three days old is P1", posguard.CaseMerchantComplaint, 5_000, 3 * day, posguard.P1},
		{"never above P1", posguard.CaseReversalFailed, 1_000_000, 10 * day, posguard.P1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PriorityFor(tt.kind, tt.amount, tt.age); got != tt.want {
				t.Fatalf("PriorityFor(%s, %d, %v) = %s, want %s", tt.kind, tt.amount, tt.age, got, tt.want)
			}
		})
	}
}

func TestDueAt(t *testing.T) {
	opened := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		p    posguard.Priority
		want time.Time
	}{
		{posguard.P1, opened.Add(4 * time.Hour)},
		{posguard.P2, opened.Add(24 * time.Hour)},
		{posguard.P3, opened.Add(72 * time.Hour)},
		{posguard.P4, opened.Add(120 * time.Hour)},
	}
	for _, tt := range tests {
		if got := DueAt(tt.p, opened); !got.Equal(tt.want) {
			t.Errorf("DueAt(%s) = %v, want %v", tt.p, got, tt.want)
		}
	}
	if !Higher(posguard.P1, posguard.P2) || Higher(posguard.P3, posguard.P3) || Higher(posguard.P4, posguard.P1) {
		t.Fatal("Higher orders priorities wrongly")
	}
}
