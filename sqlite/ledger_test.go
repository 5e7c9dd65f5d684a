package sqlite_test

import (
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/storetest"
)

func TestLedgerConformance(t *testing.T) {
	storetest.RunLedger(t, func(t *testing.T) posguard.Store { return openTemp(t) })
}

func TestReconConformance(t *testing.T) {
	storetest.RunRecon(t, func(t *testing.T) posguard.Store { return openTemp(t) })
}
