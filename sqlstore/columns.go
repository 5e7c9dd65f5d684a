package sqlstore

import (
	"slices"
	"strings"
)

// Column lists of the queries that read whole rows; each store scans them in
// this order (the tables are the same in both dialects).
const (
	// ReversalColumns are the columns of reversals.
	ReversalColumns = `id, txn_id, state, reason, attempts, next_attempt, last_error, created_at, updated_at`
	// TxnColumns are the columns of transactions.
	TxnColumns = `id, terminal_id, batch, stan, mti, type, content_hash, merchant_id,
	pan_masked, pan_hash, issuer_bin, card_org, amount, currency, proc_code, entry_mode,
	settlement_date, rrn, auth_code, response_code, reason, state, orig_id, refunded_amount,
	upstream_stan, upstream_time, answer, detail, created_at, updated_at`
)

// setExcluded returns the SET list of an upsert that takes every column of
// cols (a column list as in a SELECT) but except from the row proposed for
// insertion: "a = excluded.a, b = excluded.b".
func setExcluded(cols string, except ...string) string {
	var set []string
	for _, c := range strings.Split(cols, ",") {
		if c = strings.TrimSpace(c); !slices.Contains(except, c) {
			set = append(set, c+" = excluded."+c)
		}
	}
	return strings.Join(set, ", ")
}
