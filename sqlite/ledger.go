package sqlite

import (
	"github.com/posguard/posguard"
	"github.com/posguard/posguard/ledger/ledgersql"
	"github.com/posguard/posguard/recon/reconsql"
)

// Money returns the store's ledger, settlement and payout side
// (posguard.MoneyStore), kept in the tables of migration 0004_ledger. It
// writes through the store's single writer connection and reads through its
// read pool, so the ledger never holds a lock the journal waits on for longer
// than one posting batch.
func (s *Store) Money() posguard.MoneyStore {
	m := ledgersql.New(s.write, s.read, ledgersql.Dialect{MapError: dbError})
	m.Now = s.Now
	return m
}

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
