package sqlstore

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
	// MerchantColumns are the columns of merchants.
	MerchantColumns = `id, name, mcc, status, status_since, kind, fee_plan,
	limit_per_txn, limit_daily, limit_daily_count, allowed_types,
	account_bank, account_number, account_name, account_status, updated_at,
	limit_card_daily, limit_card_daily_count, limit_terminal_daily, limit_terminal_daily_count`
	// TerminalColumns are the columns of terminals.
	TerminalColumns = `id, merchant_id, tmk_sealed, key_scheme, mac, model, firmware, status,
	signed_on, signed_on_at, batch, pik_sealed, mak_sealed, tdk_sealed, last_seen, updated_at`
	// CaseColumns are the columns of cases.
	CaseColumns = `id, kind, status, priority, txn_id, txn_ids, merchant_id, terminal_id, amount, currency,
	reason, cause, title, assignee, outcome, opened_by, due_at, created_at, updated_at, resolved_at, closed_at`
)
