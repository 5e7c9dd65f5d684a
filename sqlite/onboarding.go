package sqlite

import "github.com/posguard/posguard/onboarding/onboardingsql"

// Onboarding returns the store's applications, bindings, merchant history
// and risk rules and hits (posguard.ApplicationStore and
// posguard.RiskStore), kept in the tables of migration 0035_onboarding.
func (s *Store) Onboarding() *onboardingsql.Store {
	o := onboardingsql.New(s.write, s.read, onboardingsql.Dialect{MapError: dbError})
	o.Now = s.Now
	return o
}
