// Package sqlstore is the one SQL implementation of posguard's stores
// (journal, reversals, merchants, terminals, settings, cases, analytics,
// ledger, settlement and payouts, users, tokens, account change requests,
// the audit log, onboarding and risk, reconciliation), written once over a small Dialect per
// database. sqlite.Store and postgres.Store embed *Store; each keeps only
// opening, its migrations, its Dialect and Conn, and its group committer
// (the journal's writes, written here, run through it).
//
// # How a store method runs SQL
//
// A method is a method of *Store and goes through s.DB (a *DB):
//
//   - SQL is written once, with ? placeholders and the syntax both databases
//     share: INSERT … ON CONFLICT … DO UPDATE/NOTHING, RETURNING, CAST(… AS
//     BIGINT), coalesce. DB rewrites the placeholders for the dialect.
//   - Tables as data (table.go): a table read into a domain type is one
//     newTable(name, auto, "col, col…", func(*T) []any {return &v.Field…})
//     whose fields pair with the columns (times as *time.Time, JSON as
//     asJSON, bytes kept as text as asText, NULL-for-unset times as
//     nullT). t.get, t.list and t.page read rows (" WHERE …" is the only
//     SQL written); t.add(ctx, tx or s.DB, s, v, tail) inserts v (tail:
//     ON CONFLICT …) and sets the auto column; t.insert, t.values and
//     t.set(s, v, except…) build an upsert's or an UPDATE's lists.
//   - Other reads: queryOne(ctx, q, op, notFound, scan, sql, args…) for one row
//     (ENOTFOUND from notFound when there is none, never nil, nil),
//     queryAll(…) for a list (never nil) and s.DB.Each(ctx, op, f, sql,
//     args…) to stream rows; one scan function per row type serves them
//     all. q is a Reader: s.DB (its readers), a *Tx, or s.DB.Primary() for
//     a read that must see the write just made. Scan a text or integer
//     column straight into a named type (posguard.State, posguard.Amount)
//     except on a hot path, where plain destinations avoid the drivers'
//     reflection. s.args() and Args.Eq write optional filters ("col",
//     value for equality, "col >=", value for a bound; unset values are
//     left out, times encoded); pageLimit clamps a page size. found(q,
//     err, op, notFound) maps the error of a hand-scanned row the same way.
//   - Checks: mustExist(ctx, tx, table, key, id, notFound) for a parent
//     row; moved(ctx, q, n, table, id, notFound, conflict) for an UPDATE
//     guarded by the row's state (ENOTFOUND or ECONFLICT naming the state
//     when it changed nothing); changed(n, err, notFound) (affectedOne)
//     for a plain UPDATE by key; one[T] scans a row of one column.
//   - Writes: s.DB.Exec(ctx, op, sql, args…) for one statement,
//     queryOne(ctx, s.DB.Primary(), …) for one INSERT … RETURNING;
//     s.DB.InTx(ctx, op, func(tx *Tx) error {…}) for several, with
//     tx.Exec, tx.QueryRow and tx.Query. Add s.DB.D.ForUpdate to a read
//     whose rows the transaction then changes. A change and its audit
//     record commit together: an API request's record waits in ctx
//     (posguard.TxAuditor) and InTx appends it after f, when f wrote; a
//     service's own record is taken as audit ...*posguard.AuditRecord and
//     appended with tx.appendAudits(ctx, s.NowUTC(), audit...) last in the transaction
//     (the audit head is the last lock every transaction takes).
//   - Errors: s.DB.Err(err, op) maps a driver error to a posguard error
//     (unique violation: ECONFLICT; busy or lost connection: EUNAVAILABLE);
//     DB.Exec, DB.Query and InTx already return mapped errors.
//   - Times: pass s.T(t) (s.NullT(t) for COALESCE(?, col)) and scan into
//     TimeCol(&t); the dialect stores them as INTEGER Unix nanoseconds on
//     SQLite (0 for none) and timestamptz on PostgreSQL (NULL for none),
//     every table alike; s.DB.D.TimeUnset(col) is "col holds no time". Take
//     "now" from s.NowUTC() (microseconds, which both keep). Money is int64
//     fen; booleans are bool.
//
// # Adding a table's store
//
//  1. The interface and domain types go in the root package posguard, with
//     their error codes in the doc comment.
//  2. A migration in both sqlite/migrations/ and postgres/migrations/ (the
//     same number, from your area's range), with the column types of each
//     database: INTEGER NOT NULL / timestamptz (nullable) for times,
//     INTEGER / BIGINT for money and ids, TEXT, BLOB / bytea for sealed
//     bytes, INTEGER / boolean for flags.
//  3. One file here, NAME_store.go: the table's spec (newTable) and the
//     methods on *Store over it, SQL written only where it is a real query,
//     s.DB.D for what differs (ForUpdate, Greatest), nothing
//     database-specific. Both stores have the methods at once.
//  4. Conformance tests in storetest/ (a test group added to Run), which
//     sqlite/ runs always and postgres/ when TEST_DATABASE_URL is set.
package sqlstore
