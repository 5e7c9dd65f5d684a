// Package postgres runs posguard's one SQL store core (sqlstore) on
// PostgreSQL with pgx v5 (pgxpool): the production store, and the path to
// more than one host instance sharing one journal. It keeps what is
// PostgreSQL's own: opening the pool, the migrations (applied by Open under
// an advisory lock so that several hosts may start at once), the dialect
// and the pgx Conn the core runs on, and the group committer the core's
// journal writes run through.
//
// The journal's writes are written once in sqlstore: on PostgreSQL every
// Insert and plain Update is a single SQL statement (the journal row and its
// event written together through a data-modifying CTE), and the group
// committer here sends a batch's statements in one pgx pipeline: one round
// trip for the batch. Updates that queue a reversal, and reversal
// completions, run in a savepoint of the shared transaction.
//
// Times are timestamptz read back in UTC (NULL for the zero time; migration
// 0007 converted the ledger's from Unix nanoseconds), money bigint fen, Answer and Detail jsonb, and terminal master
// keys and working keys only bytes sealed by the posguard.Sealer given to
// Open. No pgx type leaves the package: errors are posguard errors (a
// unique violation, SQLSTATE 23505, is ECONFLICT).
package postgres
