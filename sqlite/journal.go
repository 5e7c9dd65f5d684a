package sqlite

import (
	"context"
	"database/sql"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/sqlstore"
)

// insertTxnSQL journals a transaction unless its TxnKey exists (no row
// returned then).
const insertTxnSQL = `
	INSERT INTO transactions (terminal_id, batch, stan, mti, type, content_hash, merchant_id,
		pan_masked, pan_hash, issuer_bin, card_org, amount, currency, proc_code, entry_mode,
		settlement_date, rrn, auth_code, response_code, reason, state, orig_id, refunded_amount,
		upstream_stan, upstream_time, answer, detail, created_at, updated_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (terminal_id, batch, stan, mti) DO NOTHING`

// insertEventSQL appends one history event.
const insertEventSQL = `
	INSERT INTO txn_events (txn_id, at, state, code, reason, note) VALUES (?, ?, ?, ?, ?, ?)`

// Insert journals a new transaction and sets its ID, CreatedAt and
// UpdatedAt, and a first event with its state, in one transaction. Returns
// ECONFLICT if a transaction with the same TxnKey exists; EINVALID without a
// type or state.
func (s *Store) Insert(ctx context.Context, t *posguard.Transaction) error {
	answer, detail, err := sqlstore.InsertJSON(t)
	if err != nil {
		return err
	}
	now := s.NowUTC()
	var id int64
	err = s.writeClean(ctx, "insert", func(ctx context.Context, tx *sql.Tx) error {
		// Exec, not RETURNING: no result set to set up; a key conflict
		// inserts nothing and so changes no row.
		res, err := s.txStmt(ctx, tx, s.stmts.insertTxn).ExecContext(ctx,
			t.TerminalID, t.Batch, t.STAN, t.MTI, string(t.Type), t.ContentHash, t.MerchantID,
			t.PANMasked, t.PANHash, t.IssuerBIN, t.CardOrg, int64(t.Amount), t.Currency, t.ProcCode, t.EntryMode,
			t.SettlementDate, t.RRN, t.AuthCode, t.ResponseCode, t.Reason, string(t.State), t.OrigID, int64(t.RefundedAmount),
			t.UpstreamSTAN, t.UpstreamTime, answer, detail, nanos(now), nanos(now),
		)
		if err != nil {
			return dbError(err, "insert")
		}
		if n, err := res.RowsAffected(); err != nil {
			return dbError(err, "insert")
		} else if n == 0 {
			return posguard.Errorf(posguard.ECONFLICT, "transaction %s/%s/%s/%s already journaled",
				t.TerminalID, t.Batch, t.STAN, t.MTI)
		}
		if id, err = res.LastInsertId(); err != nil {
			return dbError(err, "insert")
		}
		if _, err := s.txStmt(ctx, tx, s.stmts.insertEvent).ExecContext(ctx,
			id, nanos(now), string(t.State), t.ResponseCode, t.Reason, ""); err != nil {
			return dbError(err, "insert event")
		}
		return nil
	})
	if err != nil {
		return err
	}
	t.ID, t.CreatedAt, t.UpdatedAt = id, now, now
	return nil
}
