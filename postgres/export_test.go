package postgres

import "context"

// ExecRaw runs query on the pool, bypassing the store (tests tamper with
// tables through it).
func (s *Store) ExecRaw(ctx context.Context, query string) error {
	_, err := s.pool.Exec(ctx, query)
	return err
}

// AuditHeadCounts returns how many batches sent their audit records chained
// after the remembered head, and how many of those the database refused.
func (s *Store) AuditHeadCounts() (tried, refused int64) { return s.head.Counts() }
