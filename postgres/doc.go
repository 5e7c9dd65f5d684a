// Package postgres implements posguard.Store on PostgreSQL with pgx v5
// (pgxpool): the production store, and the path to more than one host
// instance sharing one journal.
//
// Every Insert and plain Update is a single SQL statement (the journal row
// and its event written together through a data-modifying CTE), so it is
// atomic without an explicit transaction and costs one round trip; pgx
// caches the prepared statements per connection. Updates that queue a
// reversal, and reversal completions, run in one database transaction.
//
// Times are timestamptz read back in UTC (NULL for the zero time), money
// bigint fen, Answer and Detail jsonb, and terminal master keys and working
// keys only bytes sealed by the posguard.Sealer given to Open. The schema is
// in migrations/, applied by Open under an advisory lock so that several
// hosts may start at once. No pgx type leaves the package: errors are
// posguard errors (a unique violation, SQLSTATE 23505, is ECONFLICT).
package postgres
