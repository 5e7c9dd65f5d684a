package sqlstore

import "github.com/posguard/posguard"

// OpenStatesCond is the predicate of the partial index transactions_open
// (migration 0005), word for word: the rows in a state that still needs
// work. A query filtering on one of these states adds it to its WHERE clause
// so that the database can prove the index applies whatever the bound value
// (SQLite matches a partial index's predicate against the query's terms;
// a PostgreSQL generic plan cannot look at the parameter's value).
const OpenStatesCond = `state IN ('received', 'forwarded', 'timed_out', 'reversal_pending', 'reversal_failed')`

// FailedCodeCond is the predicate of the partial index transactions_failed
// (migration 0005), word for word: rows answered with a code other than 00.
const FailedCodeCond = `response_code NOT IN ('', '00')`

// IsOpenState reports whether rows in state s are in transactions_open.
func IsOpenState(s posguard.State) bool {
	switch s {
	case posguard.StateReceived, posguard.StateForwarded, posguard.StateTimedOut,
		posguard.StateReversalPending, posguard.StateReversalFailed:
		return true
	}
	return false
}

// IsFailedCode reports whether rows answered with code are in
// transactions_failed.
func IsFailedCode(code string) bool { return code != "" && code != "00" }

// CardTailExpr is the last four characters of the masked card number: the
// tail that IndexJournal copies into txn_search (migration 0105), and the
// check of a card-tail search on the journal rows themselves.
const CardTailExpr = `substr(pan_masked, length(pan_masked) - 3)`
