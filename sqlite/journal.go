package sqlite

import (
	"context"
	"database/sql"
	"errors"

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
	if err := sqlstore.CheckInsert(t); err != nil {
		return err
	}
	answer, err := sqlstore.EncodeAnswer(t.Answer)
	if err != nil {
		return err
	}
	detail, err := sqlstore.EncodeDetail(t.Detail)
	if err != nil {
		return err
	}
	now := s.now()
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

// ByKey returns the transaction with key k; ENOTFOUND if none.
func (s *Store) ByKey(ctx context.Context, k posguard.TxnKey) (*posguard.Transaction, error) {
	var id int64
	err := s.reads.keyID.QueryRowContext(ctx, k.TerminalID, k.Batch, k.STAN, k.MTI).Scan(&id)
	if err == nil {
		var t *posguard.Transaction
		if t, err = scanTxn(s.reads.byID.QueryRowContext(ctx, id)); err == nil {
			return t, nil
		}
	}
	if errors.Is(err, sql.ErrNoRows) {
		return nil, posguard.Errorf(posguard.ENOTFOUND, "transaction %s/%s/%s/%s not found",
			k.TerminalID, k.Batch, k.STAN, k.MTI)
	}
	return nil, dbError(err, "by key")
}

// ByID returns the transaction with id; ENOTFOUND if none.
func (s *Store) ByID(ctx context.Context, id int64) (*posguard.Transaction, error) {
	row := s.reads.byID.QueryRowContext(ctx, id)
	t, err := scanTxn(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, posguard.Errorf(posguard.ENOTFOUND, "transaction %d not found", id)
	}
	if err != nil {
		return nil, dbError(err, "by id")
	}
	return t, nil
}

// ByRRN returns the financial transactions (type other than reversal)
// carrying rrn, newest first; an empty slice if none.
func (s *Store) ByRRN(ctx context.Context, rrn string) ([]*posguard.Transaction, error) {
	if rrn == "" {
		return []*posguard.Transaction{}, nil
	}
	rows, err := s.reads.byRRN.QueryContext(ctx, rrn, string(posguard.TxnReversal))
	if err != nil {
		return nil, dbError(err, "by rrn")
	}
	return collect(rows, "by rrn", scanTxn)
}

// Events returns a transaction's history, oldest first; ENOTFOUND if the
// transaction does not exist.
func (s *Store) Events(ctx context.Context, id int64) ([]posguard.Event, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT txn_id, at, state, code, reason, note
		FROM txn_events WHERE txn_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, dbError(err, "events")
	}
	defer rows.Close()
	out := []posguard.Event{}
	for rows.Next() {
		var (
			e     posguard.Event
			at    int64
			state string
		)
		if err := rows.Scan(&e.TxnID, &at, &state, &e.Code, &e.Reason, &e.Note); err != nil {
			return nil, dbError(err, "events")
		}
		e.At, e.State = fromNanos(at), posguard.State(state)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(err, "events")
	}
	if len(out) == 0 {
		if _, err := s.ByID(ctx, id); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func scanTxn(r scanner) (*posguard.Transaction, error) {
	var (
		t                posguard.Transaction
		typ, state       string
		amount, refunded int64
		answer, detail   sql.NullString
		created, updated int64
	)
	if err := r.Scan(&t.ID, &t.TerminalID, &t.Batch, &t.STAN, &t.MTI, &typ, &t.ContentHash, &t.MerchantID,
		&t.PANMasked, &t.PANHash, &t.IssuerBIN, &t.CardOrg, &amount, &t.Currency, &t.ProcCode, &t.EntryMode,
		&t.SettlementDate, &t.RRN, &t.AuthCode, &t.ResponseCode, &t.Reason, &state, &t.OrigID, &refunded,
		&t.UpstreamSTAN, &t.UpstreamTime, &answer, &detail, &created, &updated); err != nil {
		return nil, err
	}
	t.Type, t.State = posguard.TxnType(typ), posguard.State(state)
	t.Amount, t.RefundedAmount = posguard.Amount(amount), posguard.Amount(refunded)
	t.CreatedAt, t.UpdatedAt = fromNanos(created), fromNanos(updated)
	if err := sqlstore.DecodeTxnJSON(&t, answer.String, detail.String); err != nil {
		return nil, err
	}
	return &t, nil
}
