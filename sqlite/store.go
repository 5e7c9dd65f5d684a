package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"strings"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/sqlstore"
	sqlite3 "modernc.org/sqlite"
	sqlitelib "modernc.org/sqlite/lib"
)

// Store is posguard's SQLite store. It implements posguard.Store.
type Store struct {
	// Store is the SQL core: every store method, and the clock (Now).
	*sqlstore.Store

	path   string
	write  *sql.DB // one connection: every write is serialized here
	read   *sql.DB // read-only pool
	writeC *sqlstore.SQLConn
	readC  *sqlstore.SQLConn

	group    *sqlstore.Group         // group commit of journal and reversal writes
	head     sqlstore.RememberedHead // the audit head the last batch left (groupcommit.go)
	migrated []string
}

var _ posguard.Store = (*Store)(nil)

// busyTimeoutMillis bounds how long a connection waits for a lock held by
// another process (or a WAL checkpoint) before failing.
const busyTimeoutMillis = "10000"

// dsn builds the driver connection string for path.
func dsn(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout("+busyTimeoutMillis+")")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(1)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		// Savepoint (statement) journals in memory: they only serve a
		// rollback inside an open transaction, never durability.
		q.Add("_pragma", "temp_store(MEMORY)")
		// Checkpoint the WAL into the database every 4,000 pages (16 MiB
		// at 4 KiB pages) instead of SQLite's 1,000: the journal's index
		// pages are rewritten by many commits, and a checkpoint copies each
		// page once however often it changed since the last one, so fewer,
		// larger checkpoints write fewer pages per sale. Durability is the
		// WAL's (synchronous=FULL) and does not depend on checkpoints.
		q.Add("_pragma", "wal_autocheckpoint(4000)")
		q.Set("_txlock", "immediate")
	}
	// The path is part of a URI: '%', '?' and '#' in it must be escaped or
	// SQLite would read them as an escape, the query or a fragment.
	esc := strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23").Replace(path)
	return "file:" + esc + "?" + q.Encode()
}

// Open opens (creating if needed) the SQLite database file at path, applies
// any pending migrations and returns the store. In-memory databases are not
// supported (EINVALID): the writer and the readers need one shared file. sealer encrypts terminal keys at
// rest and must not be nil.
func Open(path string, sealer posguard.Sealer) (*Store, error) {
	if sealer == nil {
		return nil, posguard.Errorf(posguard.EINVALID, "sqlite: a sealer is required")
	}
	if path == "" || strings.Contains(path, ":memory:") || strings.HasPrefix(path, "file:") {
		// The writer and the readers are separate connections to one file.
		return nil, posguard.Errorf(posguard.EINVALID, "sqlite: database path must be a plain file path, got %q", path)
	}
	s := &Store{Store: sqlstore.New(nil, sealer), path: path}
	var err error
	if s.write, err = sql.Open("sqlite", dsn(path, false)); err != nil {
		return nil, posguard.WrapError(posguard.EUNAVAILABLE, err, "sqlite: open %s", path)
	}
	s.write.SetMaxOpenConns(1) // kept open for good (database/sql's default)

	ctx := context.Background()
	if err := s.write.PingContext(ctx); err != nil {
		s.write.Close()
		return nil, posguard.WrapError(posguard.EUNAVAILABLE, err, "sqlite: open %s", path)
	}
	if s.migrated, err = s.Migrate(ctx); err != nil {
		s.write.Close()
		return nil, err
	}
	if s.read, err = sql.Open("sqlite", dsn(path, true)); err != nil {
		s.write.Close()
		return nil, posguard.WrapError(posguard.EUNAVAILABLE, err, "sqlite: open %s", path)
	}
	s.read.SetMaxOpenConns(8)
	s.read.SetMaxIdleConns(8)
	s.writeC, s.readC = sqlstore.NewSQLConn(s.write, false), sqlstore.NewSQLConn(s.read, true)
	// The writer's transactions (the ledger poster's above all) reuse their
	// statements instead of preparing them in every transaction.
	s.writeC.KeepTxStatements()
	s.DB = sqlstore.NewDB(dialect, s.writeC, s.readC)
	s.group = s.NewGroup(false, s.begin)
	s.Group = s.group
	return s, nil
}

// Path returns the database file path.
func (s *Store) Path() string { return s.path }

// Migrated returns the names of the migrations that Open applied (empty when
// the schema was already current).
func (s *Store) Migrated() []string { return append([]string(nil), s.migrated...) }

// Ping checks that the database answers on both the writer and a reader.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	err := s.write.PingContext(ctx)
	if err == nil {
		err = s.read.QueryRowContext(ctx, "SELECT 1").Scan(&one)
	}
	if err != nil {
		return posguard.WrapError(posguard.EUNAVAILABLE, err, "sqlite: ping")
	}
	return nil
}

// Close releases the database.
func (s *Store) Close() error {
	s.group.Close()
	if err := errors.Join(s.readC.Close(), s.writeC.Close(), s.read.Close(), s.write.Close()); err != nil {
		return posguard.WrapError(posguard.EINTERNAL, err, "sqlite: close")
	}
	return nil
}

// dialect is SQLite's: ? placeholders, times as INTEGER Unix nanoseconds
// (0 for the zero time), no row locks (one writer).
var dialect = &sqlstore.Dialect{
	Name:      "sqlite",
	Greatest:  "max",
	Unindexed: "+",
	TimeArg:   sqlstore.NanosTime,
	Classify:  sqliteCode,
}

// sqliteCode classifies an SQLite error: constraint violations conflict,
// busy, locked and I/O failures are unavailable; "" for the rest.
func sqliteCode(err error) string {
	var se *sqlite3.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlitelib.SQLITE_CONSTRAINT:
			return posguard.ECONFLICT
		case sqlitelib.SQLITE_BUSY, sqlitelib.SQLITE_LOCKED, sqlitelib.SQLITE_CANTOPEN, sqlitelib.SQLITE_IOERR, sqlitelib.SQLITE_FULL,
			sqlitelib.SQLITE_READONLY:
			return posguard.EUNAVAILABLE
		}
	}
	return ""
}
