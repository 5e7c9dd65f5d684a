package sqlite

import "github.com/posguard/posguard"

// Onboarding returns the store's applications, bindings, merchant history
// and risk rules and hits (posguard.OnboardingStore), kept in the tables of
// migration 0035_onboarding by the one SQL core.
func (s *Store) Onboarding() posguard.OnboardingStore { return s.Store }
