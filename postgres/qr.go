package postgres

import "github.com/posguard/posguard"

// QR returns the store's wallet channels, merchants' wallets, QR orders,
// refunds and merchant notifications (posguard.QRStore), kept in the tables
// of migration 0050_qr by the one SQL core.
func (s *Store) QR() posguard.QRStore { return s.Store }
