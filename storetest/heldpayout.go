package storetest

import (
	"testing"

	"github.com/posguard/posguard"
)

// HeldPayout makes a payout of merchant mid in a new batch (its one sale of
// 100 元 journaled with ID seq) that failed with its money held, ready to
// be re-settled: for tests of the pages and routes that re-settle.
func HeldPayout(t *testing.T, m posguard.MoneyStore, batch, mid string, seq int64) *posguard.Payout {
	t.Helper()
	return heldPayout(t, m, batch, mid, seq)
}
