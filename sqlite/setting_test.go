package sqlite_test

import (
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/storetest"
)

func TestSettings(t *testing.T) {
	storetest.RunSettings(t, func(t *testing.T) posguard.Store { return openTemp(t) },
		storetest.WithRawContains(func(t *testing.T, s posguard.Store, needle []byte) bool { return rawContains(t, s, needle) }))
}
