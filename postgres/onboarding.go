package postgres

import (
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/posguard/posguard/onboarding/onboardingsql"
)

// Onboarding returns the store's applications, bindings, merchant history
// and risk rules and hits (posguard.ApplicationStore and
// posguard.RiskStore), kept in the tables of migration 0035_onboarding and
// sharing the store's connection pool.
func (s *Store) Onboarding() *onboardingsql.Store {
	s.moneyOnce.Do(func() { s.moneyDB = stdlib.OpenDBFromPool(s.pool) })
	db := s.moneyDB
	o := onboardingsql.New(db, db, onboardingsql.Dialect{Dollar: true, MapError: dbError})
	o.Now = s.Now
	return o
}
