package postgres

import (
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/storetest"
)

func TestLedgerConformance(t *testing.T) {
	storetest.RunLedger(t, func(t *testing.T) posguard.Store { return openTest(t) })
}
