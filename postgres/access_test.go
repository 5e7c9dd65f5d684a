package postgres

import (
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/storetest"
)

func TestAccessConformance(t *testing.T) {
	storetest.RunAccess(t, func(t *testing.T) posguard.Store { return openTest(t) })
}
