package postgres

import (
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/storetest"
)

func TestCasesConformance(t *testing.T) {
	testURL(t)
	storetest.RunCases(t, func(t *testing.T) posguard.Store { return openTest(t) })
}
