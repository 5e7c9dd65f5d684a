// Package sqlite runs posguard's one SQL store core (sqlstore) on SQLite
// with the pure-Go driver modernc.org/sqlite, so posguard runs with nothing
// installed. It keeps what is SQLite's own: opening and pragmas, the
// migrations, the dialect, and the group committer the core's journal
// writes run through.
//
// The database runs in WAL mode with synchronous=FULL: a transaction is on
// disk when Insert or Update returns, which the write-ahead journal relies
// on. All writes go through one connection (a *sql.DB limited to a single
// open connection, beginning transactions IMMEDIATE), so concurrent
// goroutines queue in Go instead of failing with SQLITE_BUSY; reads use a
// separate pool of read-only connections that WAL lets run alongside the
// writer, each read prepared once (sqlstore.SQLConn). The journal's and the
// reversal queue's writes (written once in sqlstore) share one transaction
// and one fsync through group commit, with statements prepared on the
// writer; Insert and the usual Update run there without a savepoint.
//
// Times are stored as integer Unix nanoseconds in UTC (0 for the zero
// time), money as integer fen, Answer and Detail as JSON text, and terminal
// master keys and working keys only as bytes sealed by the posguard.Sealer
// given to Open. The schema is in migrations/, applied by Open.
package sqlite
