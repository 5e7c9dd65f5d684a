package postgres

import "context"

// ExecRaw runs query on the pool, bypassing the store (tests tamper with
// tables through it).
func (s *Store) ExecRaw(ctx context.Context, query string) error {
	_, err := s.pool.Exec(ctx, query)
	return err
}
