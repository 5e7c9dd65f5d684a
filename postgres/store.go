package postgres

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/posguard/posguard"
	"github.com/posguard/posguard/sqlstore"
)

// Store is posguard's PostgreSQL store. It implements posguard.Store.
type Store struct {
	// Store is the SQL core: every store method, and the clock (Now).
	*sqlstore.Store

	pool     *pgxpool.Pool
	group    *sqlstore.Group         // group commit of journal and reversal writes
	head     sqlstore.RememberedHead // the audit head the group committer last left
	migrated []string
}

var _ posguard.Store = (*Store)(nil)

// querier is what both the pool and a transaction offer.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Open connects to the database at url (a libpq URL or key=value string),
// applies any pending migrations and returns the store. sealer encrypts
// terminal keys at rest and must not be nil.
func Open(ctx context.Context, url string, sealer posguard.Sealer) (*Store, error) {
	if sealer == nil {
		return nil, posguard.Errorf(posguard.EINVALID, "postgres: a sealer is required")
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// The parse error may quote the URL, password included.
		return nil, posguard.Errorf(posguard.EINVALID, "postgres: invalid database URL")
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, posguard.WrapError(posguard.EUNAVAILABLE, err, "postgres: connect")
	}
	pc := poolConn{pgQ[*pgxpool.Pool]{pool}}
	s := &Store{Store: sqlstore.New(sqlstore.NewDB(dialect, pc, pc), sealer), pool: pool}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, posguard.WrapError(posguard.EUNAVAILABLE, err, "postgres: connect")
	}
	if s.migrated, err = s.Migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	s.group = s.NewGroup(true, s.beginBatch)
	s.Group = groupTx{s.group}
	return s, nil
}

// Migrated returns the names of the migrations that Open applied (empty when
// the schema was already current).
func (s *Store) Migrated() []string { return append([]string(nil), s.migrated...) }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return posguard.WrapError(posguard.EUNAVAILABLE, err, "postgres: ping")
	}
	return nil
}

// Close releases the connection pool.
func (s *Store) Close() error {
	s.group.Close()
	s.pool.Close()
	return nil
}

// pgCode classifies a PostgreSQL or connection error by SQLSTATE: unique
// violations conflict, other integrity and input errors are invalid,
// serialization failures, deadlocks, shutdowns and connection errors are
// unavailable; "" for errors that are not the server's or the connection's.
func pgCode(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == "23505": // unique_violation
			return posguard.ECONFLICT
		case pgErr.Code == "23503", pgErr.Code == "23502", pgErr.Code == "22P02", pgErr.Code == "23514":
			return posguard.EINVALID
		case pgErr.Code == "40001", pgErr.Code == "40P01", pgErr.Code == "57P01", pgErr.Code == "53300",
			len(pgErr.Code) == 2+3 && pgErr.Code[:2] == "08":
			return posguard.EUNAVAILABLE
		}
		return posguard.EINTERNAL
	}
	if pgconn.SafeToRetry(err) || pgconn.Timeout(err) {
		return posguard.EUNAVAILABLE
	}
	// The server cannot be reached, or the connection broke: the store is
	// unavailable (503), not faulty (500).
	var ce *pgconn.ConnectError
	var ne net.Error
	if errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, net.ErrClosed) {
		return posguard.EUNAVAILABLE
	}
	return ""
}
