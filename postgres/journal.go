package postgres

import (
	"context"
	"errors"
	"time"

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

// ByKey returns the transaction with key k; ENOTFOUND if none.
func (s *Store) ByKey(ctx context.Context, k posguard.TxnKey) (*posguard.Transaction, error) {
	t, err := scanTxn(s.pool.QueryRow(ctx, `SELECT `+sqlstore.TxnColumns+` FROM transactions
		WHERE terminal_id = $1 AND batch = $2 AND stan = $3 AND mti = $4`, k.TerminalID, k.Batch, k.STAN, k.MTI))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, posguard.Errorf(posguard.ENOTFOUND, "transaction %s/%s/%s/%s not found",
			k.TerminalID, k.Batch, k.STAN, k.MTI)
	}
	if err != nil {
		return nil, dbError(err, "by key")
	}
	return t, nil
}

// ByID returns the transaction with id; ENOTFOUND if none.
func (s *Store) ByID(ctx context.Context, id int64) (*posguard.Transaction, error) {
	t, err := scanTxn(s.pool.QueryRow(ctx, `SELECT `+sqlstore.TxnColumns+` FROM transactions WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
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
	rows, err := s.pool.Query(ctx, `SELECT `+sqlstore.TxnColumns+` FROM transactions
		WHERE rrn = $1 AND rrn <> '' AND type <> $2 ORDER BY id DESC`, rrn, string(posguard.TxnReversal))
	if err != nil {
		return nil, dbError(err, "by rrn")
	}
	return collect(rows, "by rrn", scanTxn)
}

// Events returns a transaction's history, oldest first; ENOTFOUND if the
// transaction does not exist.
func (s *Store) Events(ctx context.Context, id int64) ([]posguard.Event, error) {
	rows, err := s.pool.Query(ctx, `SELECT txn_id, at, state, code, reason, note
		FROM txn_events WHERE txn_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, dbError(err, "events")
	}
	out, err := collect(rows, "events", func(r pgx.Row) (posguard.Event, error) {
		var (
			e     posguard.Event
			at    time.Time
			state string
		)
		err := r.Scan(&e.TxnID, &at, &state, &e.Code, &e.Reason, &e.Note)
		e.At, e.State = at.UTC(), posguard.State(state)
		return e, err
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		if _, err := s.ByID(ctx, id); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func scanTxn(r pgx.Row) (*posguard.Transaction, error) {
	var (
		t                posguard.Transaction
		typ, state       string
		amount, refunded int64
		answer, detail   []byte
		created, updated time.Time
	)
	if err := r.Scan(&t.ID, &t.TerminalID, &t.Batch, &t.STAN, &t.MTI, &typ, &t.ContentHash, &t.MerchantID,
		&t.PANMasked, &t.PANHash, &t.IssuerBIN, &t.CardOrg, &amount, &t.Currency, &t.ProcCode, &t.EntryMode,
		&t.SettlementDate, &t.RRN, &t.AuthCode, &t.ResponseCode, &t.Reason, &state, &t.OrigID, &refunded,
		&t.UpstreamSTAN, &t.UpstreamTime, &answer, &detail, &created, &updated); err != nil {
		return nil, err
	}
	t.Type, t.State = posguard.TxnType(typ), posguard.State(state)
	t.Amount, t.RefundedAmount = posguard.Amount(amount), posguard.Amount(refunded)
	t.CreatedAt, t.UpdatedAt = created.UTC(), updated.UTC()
	if err := sqlstore.DecodeTxnJSON(&t, answer, detail); err != nil {
		return nil, err
	}
	return &t, nil
}
