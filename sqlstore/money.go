package sqlstore

import "github.com/posguard/posguard"

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

// QR returns the store's wallet channels, merchants' wallets, QR orders,
// refunds and merchant notifications (posguard.QRStore), kept in the tables
// of migration 0050_qr.
func (s *Store) QR() posguard.QRStore { return s }
