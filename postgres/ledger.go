package postgres

import (
	"database/sql"
	"sync"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/posguard/posguard"
	"github.com/posguard/posguard/ledger/ledgersql"
)

// moneyDBs keeps one database/sql handle over each store's pool (the money
// side is written once, over database/sql, for both stores).
var moneyDBs sync.Map // *Store → *sql.DB

// Money returns the store's ledger, settlement and payout side
// (posguard.MoneyStore), kept in the tables of migration 0004_ledger and
// sharing the store's connection pool.
func (s *Store) Money() posguard.MoneyStore {
	v, ok := moneyDBs.Load(s)
	if !ok {
		v, _ = moneyDBs.LoadOrStore(s, stdlib.OpenDBFromPool(s.pool))
	}
	db := v.(*sql.DB)
	m := ledgersql.New(db, db, ledgersql.Dialect{Dollar: true, LockHead: " FOR UPDATE", MapError: dbError})
	m.Now = s.Now
	return m
}
