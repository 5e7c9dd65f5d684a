package switching

import (
	"testing"

	"github.com/posguard/posguard"
)

// TestCompletionCap: a completion may take pre-auth × 115 / 100 in whole
// fen, rounded down; one fen more is over.
func TestCompletionCap(t *testing.T) {
	for _, tc := range []struct{ pre, cap posguard.Amount }{
		{10000, 11500}, {999, 1148}, {1, 1}, {7, 8}, {100, 115}, {0, 0}, {99999999, 114999998},
	} {
		if got := completionCap(tc.pre); got != tc.cap {
			t.Errorf("cap of %d: %d, want %d", tc.pre, got, tc.cap)
		}
	}
}
