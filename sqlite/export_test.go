package sqlite

import "context"

// ExecRaw runs query on the writer connection, bypassing the store (tests
// tamper with tables through it).
func (s *Store) ExecRaw(ctx context.Context, query string) error {
	_, err := s.write.ExecContext(ctx, query)
	return err
}

// KeptWriteStatements returns the queries the writer keeps prepared for
// its transactions.
func (s *Store) KeptWriteStatements() []string { return s.writeC.Kept() }

// AuditHeadCounts returns how many batches chained their audit records
// after the remembered head, and how many of those were refused.
func (s *Store) AuditHeadCounts() (tried, refused int64) { return s.head.Counts() }
