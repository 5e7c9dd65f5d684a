package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/posguard/posguard"
	"github.com/posguard/posguard/sqlstore"
)

// insertTxnSQL journals a transaction and its first event in one statement,
// unless the TxnKey exists (no row returned then).
const insertTxnSQL = `
	WITH ins AS (
		INSERT INTO transactions (terminal_id, batch, stan, mti, type, content_hash, merchant_id,
			pan_masked, pan_hash, issuer_bin, card_org, amount, currency, proc_code, entry_mode,
			settlement_date, rrn, auth_code, response_code, reason, state, orig_id, refunded_amount,
			upstream_stan, upstream_time, answer, detail, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
			$21, $22, $23, $24, $25, $26::jsonb, $27::jsonb, $28, $28)
		ON CONFLICT (terminal_id, batch, stan, mti) DO NOTHING
		RETURNING id, state, response_code, reason, created_at
	)
	INSERT INTO txn_events (txn_id, at, state, code, reason, note)
	SELECT id, created_at, state, response_code, reason, '' FROM ins
	RETURNING txn_id`

// Insert journals a new transaction and sets its ID, CreatedAt and
// UpdatedAt, and a first event with its state, in one statement. Returns
// ECONFLICT if a transaction with the same TxnKey exists; EINVALID without a
// type or state.
func (s *Store) Insert(ctx context.Context, t *posguard.Transaction) error {
	var id int64
	answer, detail, err := sqlstore.InsertJSON(t)
	if err != nil {
		return err
	}
	now := s.NowUTC()
	err = s.writeStmt(ctx, &pipeStmt{
		name: "insert",
		sql:  insertTxnSQL,
		args: []any{t.TerminalID, t.Batch, t.STAN, t.MTI, string(t.Type), t.ContentHash, t.MerchantID,
			t.PANMasked, t.PANHash, t.IssuerBIN, t.CardOrg, int64(t.Amount), t.Currency, t.ProcCode, t.EntryMode,
			t.SettlementDate, t.RRN, t.AuthCode, t.ResponseCode, t.Reason, string(t.State), t.OrigID, int64(t.RefundedAmount),
			t.UpstreamSTAN, t.UpstreamTime, answer, detail, now},
		scan: func(row pgx.Row) error { return row.Scan(&id) },
		noRows: func(context.Context, querier) error {
			return posguard.Errorf(posguard.ECONFLICT, "transaction %s/%s/%s/%s already journaled",
				t.TerminalID, t.Batch, t.STAN, t.MTI)
		},
	})
	if err != nil {
		return err
	}
	t.ID, t.CreatedAt, t.UpdatedAt = id, now, now
	return nil
}
