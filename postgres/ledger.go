package postgres

import (
	"github.com/posguard/posguard"
	"github.com/posguard/posguard/recon/reconsql"
)

// Recon returns the store's reconciliation side (posguard.ReconStore), kept
// in the tables of migration 0020_recon, over the store's SQL core.
func (s *Store) Recon() posguard.ReconStore {
	r := reconsql.New(s.DB)
	r.Now = s.Now
	return r
}

// Access returns the store's users, tokens, account change requests and
// audit log (posguard.AccessStore, written once in sqlstore), kept in the
// tables of migration 0010_access.
func (s *Store) Access() posguard.AccessStore { return s.Store }
