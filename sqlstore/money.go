package sqlstore

import (
	"context"

	"github.com/posguard/posguard"
)

// Money is the store's money side (posguard.MoneyStore: ledger,
// settlement batches, payouts) in the tables of migration 0004_ledger. It
// shares the store's handle and clock.
type Money struct{ *Store }

var _ posguard.MoneyStore = (*Money)(nil)

// Money returns the store's ledger, settlement and payout side.
func (s *Store) Money() posguard.MoneyStore { return &Money{s} }

// Access returns the store's users, tokens, account change requests and
// audit log (posguard.AccessStore), kept in the tables of migration
// 0010_access.
func (s *Store) Access() posguard.AccessStore { return s }

// inTx runs f in a write transaction, committing when it returns nil.
func (s *Money) inTx(ctx context.Context, op string, f func(tx Querier) error) error {
	return s.DB.InTx(ctx, op, func(tx *Tx) error { return f(tx.q) })
}

// limit clamps n to [1, max] with default def.
func limit(n, def, max int) int {
	switch {
	case n <= 0:
		return def
	case n > max:
		return max
	}
	return n
}
