package casework

import (
	"time"

	"github.com/posguard/posguard"
)

// SLA is how long a case of each priority may stay unresolved after it was
// opened (or escalated):
//
//	priority  when                                   due after
//	P1        ≥ ¥10,000, or escalated by age         4 hours
//	P2        ≥ ¥1,000; any reversal_failed or       1 day
//	          charged_but_failed case at least
//	P3        ≥ ¥100; late_approval_reversed at least 3 days
//	P4        below ¥100                              5 days
//
// Each full day since the transaction raises the priority one step (a
// cardholder whose money has been held for three days is urgent whatever the
// amount).
var SLA = map[posguard.Priority]time.Duration{
	posguard.P1: 4 * time.Hour,
	posguard.P2: 24 * time.Hour,
	posguard.P3: 72 * time.Hour,
	posguard.P4: 120 * time.Hour,
}

// Amount thresholds in fen.
const (
	p1Amount posguard.Amount = 1_000_000 // ¥10,000
	p2Amount posguard.Amount = 100_000   // ¥1,000
	p3Amount posguard.Amount = 10_000    // ¥100
)

// rank orders priorities: 1 is P1.
func rank(p posguard.Priority) int {
	switch p {
	case posguard.P1:
		return 1
	case posguard.P2:
		return 2
	case posguard.P3:
		return 3
	}
	return 4
}

// byRank returns the priority of rank r (clamped to P1..P4).
func byRank(r int) posguard.Priority {
	switch {
	case r <= 1:
		return posguard.P1
	case r == 2:
		return posguard.P2
	case r == 3:
		return posguard.P3
	}
	return posguard.P4
}

// PriorityFor returns the priority of a case of kind about amount whose
// transaction is age old.
func PriorityFor(kind posguard.CaseKind, amount posguard.Amount, age time.Duration) posguard.Priority {
	r := 4
	switch {
	case amount >= p1Amount:
		r = 1
	case amount >= p2Amount:
		r = 2
	case amount >= p3Amount:
		r = 3
	}
	switch kind {
	case posguard.CaseReversalFailed, posguard.CaseChargedButFailed:
		r = min(r, 2)
	case posguard.CaseLateApproval:
		r = min(r, 3)
	}
	if age > 0 {
		r -= int(age / (24 * time.Hour))
	}
	return byRank(r)
}

// Higher reports whether a is more urgent than b.
func Higher(a, b posguard.Priority) bool { return rank(a) < rank(b) }

// DueAt returns when a case of priority p opened at `opened` is due.
func DueAt(p posguard.Priority, opened time.Time) time.Time { return opened.Add(SLA[p]) }
