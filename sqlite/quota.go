package sqlite

import (
	"context"
	"strconv"

	"github.com/posguard/posguard"
)

// SetMaxSize caps the database file at about maxBytes (whole pages; 0 lifts
// the cap): a write that would grow it further fails exactly as on a full
// disk (SQLITE_FULL, EUNAVAILABLE), and nothing of it is kept. It is a quota
// for hosts that share a disk, and how the tests make the disk full. The
// cap holds for this process's writer and is not stored.
func (s *Store) SetMaxSize(ctx context.Context, maxBytes int64) error {
	var pageSize int64
	if err := s.write.QueryRowContext(ctx, "PRAGMA page_size").Scan(&pageSize); err != nil {
		return s.DB.Err(err, "page size")
	}
	pages := int64(1<<31 - 2) // SQLite's largest page count
	if maxBytes > 0 {
		pages = max(maxBytes/pageSize, 1)
	}
	var got int64
	if err := s.write.QueryRowContext(ctx, "PRAGMA max_page_count = "+strconv.FormatInt(pages, 10)).Scan(&got); err != nil {
		return s.DB.Err(err, "max page count")
	}
	if maxBytes > 0 && got > pages {
		return posguard.Errorf(posguard.EINVALID, "sqlite: the database is already larger than %d bytes", maxBytes)
	}
	return nil
}

// Size returns the database's size in bytes (its pages; the write-ahead log
// not counted).
func (s *Store) Size(ctx context.Context) (int64, error) {
	var n, size int64
	if err := s.read.QueryRowContext(ctx, "PRAGMA page_count").Scan(&n); err != nil {
		return 0, s.DB.Err(err, "page count")
	}
	if err := s.read.QueryRowContext(ctx, "PRAGMA page_size").Scan(&size); err != nil {
		return 0, s.DB.Err(err, "page size")
	}
	return n * size, nil
}

// SetReadOnly makes this process's writer refuse every write (on) as a
// read-only database file does (SQLITE_READONLY, EUNAVAILABLE), or take
// writes again (off). It is how the tests make the database read-only
// while the host runs; it is not stored.
func (s *Store) SetReadOnly(ctx context.Context, on bool) error {
	v := "0"
	if on {
		v = "1"
	}
	if _, err := s.write.ExecContext(ctx, "PRAGMA query_only = "+v); err != nil {
		return s.DB.Err(err, "query only")
	}
	return nil
}
