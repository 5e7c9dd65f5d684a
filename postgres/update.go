package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/posguard/posguard"
	"github.com/posguard/posguard/sqlstore"
)

// updateTxnSQL applies a TxnUpdate to one row when its state is allowed and
// appends the event with the resulting state, in one statement. Empty
// strings leave a column unchanged; a non-NULL answer replaces the stored
// one; Detail is merged with jsonb || (keys in the update win).
const updateTxnSQL = `
	WITH upd AS (
		UPDATE transactions SET
			state = CASE WHEN $1 = '' THEN state ELSE $1 END,
			response_code = CASE WHEN $2 = '' THEN response_code ELSE $2 END,
			reason = CASE WHEN $3 = '' THEN reason ELSE $3 END,
			auth_code = CASE WHEN $4 = '' THEN auth_code ELSE $4 END,
			rrn = CASE WHEN $5 = '' THEN rrn ELSE $5 END,
			upstream_stan = CASE WHEN $6 = '' THEN upstream_stan ELSE $6 END,
			upstream_time = CASE WHEN $7 = '' THEN upstream_time ELSE $7 END,
			refunded_amount = refunded_amount + $8,
			answer = coalesce($9::jsonb, answer),
			detail = CASE WHEN $10::jsonb IS NULL THEN detail ELSE coalesce(detail, '{}'::jsonb) || $10::jsonb END,
			updated_at = $11
		WHERE id = $12 AND ($13::text[] IS NULL OR state = ANY ($13::text[]))
		RETURNING id, state
	)
	INSERT INTO txn_events (txn_id, at, state, code, reason, note)
	SELECT id, $14, state, $2, $3, $15 FROM upd
	RETURNING state`

// Update applies u atomically: the changed columns, an appended event and,
// when u.QueueReversal is set, a pending reversal (whose ID, TxnID, State
// and times are filled in). A transaction has at most one pending reversal:
// queueing while one is pending keeps and reports the existing one.
// ENOTFOUND if the ID is unknown; ECONFLICT if FromStates is set and not
// matched (nothing is changed then).
func (s *Store) Update(ctx context.Context, u posguard.TxnUpdate) error {
	if u.QueueReversal == nil {
		// One statement: pipelined with the batch's other writes.
		p, err := s.updateStmt(u, s.NowUTC())
		if err != nil {
			return err
		}
		return s.writeStmt(ctx, p)
	}
	return s.writeTx(ctx, "update", func(ctx context.Context, tx pgx.Tx) error { return s.applyUpdate(ctx, tx, u) })
}

// updateStmt is u without a reversal to queue, as one statement.
func (s *Store) updateStmt(u posguard.TxnUpdate, now time.Time) (*pipeStmt, error) {
	answer, err := sqlstore.EncodeAnswer(u.Answer)
	if err != nil {
		return nil, err
	}
	detail, err := sqlstore.EncodeDetail(u.Detail)
	if err != nil {
		return nil, err
	}
	var from []string
	for _, st := range u.FromStates {
		from = append(from, string(st))
	}
	at := u.At.UTC()
	if u.At.IsZero() {
		at = now
	}
	var state string
	return &pipeStmt{
		name: "update",
		sql:  updateTxnSQL,
		args: []any{string(u.State), u.ResponseCode, u.Reason, u.AuthCode, u.RRN, u.UpstreamSTAN, u.UpstreamTime,
			int64(u.AddRefunded), answer, detail, now, u.ID, from, at, u.Note},
		scan:   func(row pgx.Row) error { return row.Scan(&state) },
		noRows: func(ctx context.Context, q querier) error { return updateRefused(ctx, q, u) },
	}, nil
}

// updateRefused explains an update that changed no row: ENOTFOUND when the
// transaction does not exist, else ECONFLICT (its state is not one of
// FromStates).
func updateRefused(ctx context.Context, q querier, u posguard.TxnUpdate) error {
	var cur string
	err := q.QueryRow(ctx, `SELECT state FROM transactions WHERE id = $1`, u.ID).Scan(&cur)
	if errors.Is(err, pgx.ErrNoRows) {
		return posguard.Errorf(posguard.ENOTFOUND, "transaction %d not found", u.ID)
	}
	if err != nil {
		return dbError(err, "update")
	}
	return posguard.Errorf(posguard.ECONFLICT, "transaction %d is %s, not one of %v", u.ID, cur, u.FromStates)
}

// applyUpdate runs u on q (the pool, or a transaction when more follows).
func (s *Store) applyUpdate(ctx context.Context, q querier, u posguard.TxnUpdate) error {
	now := s.NowUTC()
	p, err := s.updateStmt(u, now)
	if err != nil {
		return err
	}
	if err := p.exec(ctx, q); err != nil {
		return err
	}
	if u.QueueReversal != nil {
		return s.queueReversal(ctx, q, u.ID, u.QueueReversal, now)
	}
	return nil
}
