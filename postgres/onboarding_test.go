package postgres

import (
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/storetest"
)

func TestOnboardingConformance(t *testing.T) {
	storetest.RunOnboarding(t, func(t *testing.T) posguard.Store { return openTest(t) })
}
