package postgres

import (
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/storetest"
)

func TestSettings(t *testing.T) {
	testURL(t)
	storetest.RunSettings(t, func(t *testing.T) posguard.Store { return openTest(t) },
		storetest.WithRawContains(rawContains))
}
