package sqlite_test

import (
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/storetest"
)

func TestCasesConformance(t *testing.T) {
	storetest.RunCases(t, func(t *testing.T) posguard.Store { return openTemp(t) })
}
