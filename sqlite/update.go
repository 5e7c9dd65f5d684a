package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"maps"
	"slices"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/sqlstore"
)

// updateTxnSQL applies a TxnUpdate to one row and returns the resulting
// state. Empty strings leave a column unchanged; a non-NULL answer or detail
// replaces the stored one (applyUpdate has already merged the detail and
// checked FromStates in Go: no JSON is parsed inside SQLite).
const updateTxnSQL = updateHeadSQL + `
		rrn = CASE WHEN ?5 = '' THEN rrn ELSE ?5 END,` + updateTailSQL

// updateKeepRRNSQL is updateTxnSQL for an update that sets no RRN (the
// outcome of a sale, whose RRN was journaled with it): with rrn out of the
// SET list SQLite leaves the transactions_rrn index entry alone instead of
// deleting and re-inserting it unchanged. ?5 is bound but not used.
const updateKeepRRNSQL = updateHeadSQL + updateTailSQL

const (
	updateHeadSQL = `
	UPDATE transactions SET
		state = CASE WHEN ?1 = '' THEN state ELSE ?1 END,
		response_code = CASE WHEN ?2 = '' THEN response_code ELSE ?2 END,
		reason = CASE WHEN ?3 = '' THEN reason ELSE ?3 END,
		auth_code = CASE WHEN ?4 = '' THEN auth_code ELSE ?4 END,`
	updateTailSQL = `
		upstream_stan = CASE WHEN ?6 = '' THEN upstream_stan ELSE ?6 END,
		upstream_time = CASE WHEN ?7 = '' THEN upstream_time ELSE ?7 END,
		refunded_amount = refunded_amount + ?8,
		answer = CASE WHEN ?9 IS NULL THEN answer ELSE ?9 END,
		detail = CASE WHEN ?10 IS NULL THEN detail ELSE ?10 END,
		updated_at = ?11
	WHERE id = ?12`
)

// currentSQL reads what applyUpdate needs to check FromStates and merge
// Detail before it writes.
const currentSQL = `SELECT state, detail FROM transactions WHERE id = ?`

// Update applies u atomically: the changed columns, an appended event and,
// when u.QueueReversal is set, a pending reversal (whose ID, TxnID, State
// and times are filled in). A transaction has at most one pending reversal:
// queueing while one is pending keeps and reports the existing one.
// ENOTFOUND if the ID is unknown; ECONFLICT if FromStates is set and not
// matched (nothing is changed then).
func (s *Store) Update(ctx context.Context, u posguard.TxnUpdate) error {
	w := func(ctx context.Context, tx *sql.Tx) error { return s.applyUpdate(ctx, tx, u) }
	if u.QueueReversal == nil {
		// Refuses only before it writes: no savepoint needed.
		return s.writeClean(ctx, "update", w)
	}
	return s.writeTx(ctx, "update", w)
}

// applyUpdate runs u inside tx.
func (s *Store) applyUpdate(ctx context.Context, tx *sql.Tx, u posguard.TxnUpdate) error {
	answer, err := sqlstore.EncodeAnswer(u.Answer)
	if err != nil {
		return err
	}
	var detail any
	// state is the row's state after the update, for its event.
	state := string(u.State)
	if len(u.FromStates) > 0 || len(u.Detail) > 0 {
		// One point read by rowid on the writer, inside the same
		// transaction: nothing can change the row between it and the write.
		var cur string
		var stored sql.NullString
		err := s.txStmt(ctx, tx, s.stmts.current).QueryRowContext(ctx, u.ID).Scan(&cur, &stored)
		if errors.Is(err, sql.ErrNoRows) {
			return posguard.Errorf(posguard.ENOTFOUND, "transaction %d not found", u.ID)
		}
		if err != nil {
			return dbError(err, "update")
		}
		if len(u.FromStates) > 0 && !slices.Contains(u.FromStates, posguard.State(cur)) {
			return posguard.Errorf(posguard.ECONFLICT, "transaction %d is %s, not one of %v", u.ID, cur, u.FromStates)
		}
		if detail, err = mergeDetail(u.ID, stored, u.Detail); err != nil {
			return err
		}
		if state == "" {
			state = cur
		}
	}
	now := s.NowUTC()
	at := u.At.UTC()
	if u.At.IsZero() {
		at = now
	}
	upd := s.stmts.updateTxn
	if u.RRN == "" {
		upd = s.stmts.updateKeepRRN
	}
	res, err := s.txStmt(ctx, tx, upd).ExecContext(ctx,
		string(u.State), u.ResponseCode, u.Reason, u.AuthCode, u.RRN, u.UpstreamSTAN, u.UpstreamTime,
		int64(u.AddRefunded), answer, detail, nanos(now), u.ID,
	)
	if err != nil {
		return dbError(err, "update")
	}
	if n, err := res.RowsAffected(); err != nil {
		return dbError(err, "update")
	} else if n == 0 {
		return posguard.Errorf(posguard.ENOTFOUND, "transaction %d not found", u.ID)
	}
	if state == "" {
		// Neither set nor read above: the row keeps the state it had.
		if err := s.txStmt(ctx, tx, s.stmts.current).QueryRowContext(ctx, u.ID).Scan(&state, new(sql.NullString)); err != nil {
			return dbError(err, "update")
		}
	}
	if _, err := s.txStmt(ctx, tx, s.stmts.insertEvent).ExecContext(ctx,
		u.ID, nanos(at), state, u.ResponseCode, u.Reason, u.Note); err != nil {
		return dbError(err, "update event")
	}
	if u.QueueReversal != nil {
		return s.queueReversal(ctx, tx, u.ID, u.QueueReversal, now)
	}
	return nil
}

// mergeDetail merges add into the stored detail JSON (keys in add win) and
// returns the JSON text to store, or NULL when add is empty (the stored
// detail is kept as it is).
func mergeDetail(id int64, stored sql.NullString, add map[string]string) (any, error) {
	if len(add) == 0 {
		return nil, nil
	}
	if !stored.Valid || stored.String == "" {
		return sqlstore.EncodeDetail(add)
	}
	merged := map[string]string{}
	if err := json.Unmarshal([]byte(stored.String), &merged); err != nil {
		return nil, posguard.WrapError(posguard.EINTERNAL, err, "transaction %d: decode detail", id)
	}
	if merged == nil {
		merged = map[string]string{}
	}
	maps.Copy(merged, add)
	return sqlstore.EncodeDetail(merged)
}
