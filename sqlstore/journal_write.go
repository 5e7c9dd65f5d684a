package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/posguard/posguard"
)

// The journal's writes (Insert, Update, CompleteReversal and the reversal
// queue's insert that goes with them), written once for both databases and
// run through the group committer. A database that writes a row and its
// event in one statement (Dialect.WithWrites: PostgreSQL's data-modifying
// WITH) gives Insert and the usual Update to the committer as one statement
// each (InGroupStmt), which it pipelines; the others (SQLite) run them as
// clean writes, whose refusals come before they change anything, so a batch
// needs no savepoint for them. SQLite checks FromStates and merges Detail in
// Go after a point read on its single writer (no JSON is parsed inside
// SQLite); PostgreSQL does both in the statement.

const (
	insertTxnSQL = `INSERT INTO transactions (terminal_id, batch, stan, mti, type, content_hash, merchant_id,
		pan_masked, pan_hash, issuer_bin, card_org, amount, currency, proc_code, entry_mode,
		settlement_date, rrn, auth_code, response_code, reason, state, orig_id, refunded_amount,
		upstream_stan, upstream_time, answer, detail, created_at, updated_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (terminal_id, batch, stan, mti) DO NOTHING`
	insertEventSQL = `INSERT INTO txn_events (txn_id, at, state, code, reason, note) VALUES (?, ?, ?, ?, ?, ?)`
	// insertTxnWithSQL is insertTxnSQL and the first event in one statement.
	insertTxnWithSQL = `WITH ins AS (` + insertTxnSQL + ` RETURNING id, state, response_code, reason, created_at)
	INSERT INTO txn_events (txn_id, at, state, code, reason, note)
	SELECT id, created_at, state, response_code, reason, '' FROM ins RETURNING txn_id`
)

// IDExecer is implemented by a Querier that reports the ID an INSERT gave
// its row, and the rows it changed, without a result set to read (SQLite's
// last insert rowid: cheaper than RETURNING on the sale path). A database
// without WithWrites journals through it: its write transactions' Querier
// must implement it.
type IDExecer interface {
	ExecID(ctx context.Context, query string, args ...any) (id, n int64, err error)
}

// Insert journals a new transaction and sets its ID, CreatedAt and
// UpdatedAt, and a first event with its state, in one transaction. Returns
// ECONFLICT if a transaction with the same TxnKey exists; EINVALID without a
// type or state.
func (s *Store) Insert(ctx context.Context, t *posguard.Transaction) error {
	if err := checkInsert(t); err != nil {
		return err
	}
	answer, err := encodeAnswer(t.Answer)
	if err != nil {
		return err
	}
	detail, err := encodeDetail(t.Detail)
	if err != nil {
		return err
	}
	now := s.NowUTC()
	at := s.T(now)
	var id int64
	args := []any{t.TerminalID, t.Batch, t.STAN, t.MTI, string(t.Type), t.ContentHash, t.MerchantID,
		t.PANMasked, t.PANHash, t.IssuerBIN, t.CardOrg, int64(t.Amount), t.Currency, t.ProcCode, t.EntryMode,
		t.SettlementDate, t.RRN, t.AuthCode, t.ResponseCode, t.Reason, string(t.State), t.OrigID, int64(t.RefundedAmount),
		t.UpstreamSTAN, t.UpstreamTime, answer, detail, at, at}
	if s.DB.D.WithWrites {
		err = s.inGroup(ctx, "insert", &Stmt{SQL: insertTxnWithSQL, Args: args, Scan: func(r Row) error { return r.Scan(&id) },
			noRows: func(context.Context, *Tx) error { return txnExists(t) }}, journalWrite, nil)
	} else {
		err = s.inGroup(ctx, "insert", nil, cleanWrite|journalWrite, func(ctx context.Context, tx *Tx) error {
			var n int64
			var err error
			id, n, err = tx.w.q.(IDExecer).ExecID(ctx, insertTxnSQL, args...)
			if tx.w.wrote = n > 0; err != nil {
				return err
			} else if n == 0 {
				return txnExists(t)
			}
			_, err = tx.Exec(ctx, "insert event", insertEventSQL, id, at, string(t.State), t.ResponseCode, t.Reason, "")
			return err
		})
	}
	if err != nil {
		return err
	}
	t.ID, t.CreatedAt, t.UpdatedAt = id, now, now
	return nil
}

// txnExists is the error for a transaction whose TxnKey is journaled.
func txnExists(t *posguard.Transaction) error {
	return posguard.Errorf(posguard.ECONFLICT, "transaction %s/%s/%s/%s already journaled", t.TerminalID, t.Batch, t.STAN, t.MTI)
}

// Update applies u atomically: the changed columns, an appended event and,
// when u.QueueReversal is set, a pending reversal (whose ID, TxnID, State
// and times are filled in). A transaction has at most one pending reversal:
// queueing while one is pending keeps and reports the existing one.
// ENOTFOUND if the ID is unknown; ECONFLICT if FromStates is set and not
// matched (nothing is changed then).
func (s *Store) Update(ctx context.Context, u posguard.TxnUpdate) error {
	if u.QueueReversal == nil && s.DB.D.WithWrites {
		st, err := s.updateStmt(&u, s.NowUTC())
		if err != nil {
			return err
		}
		return s.inGroup(ctx, "update", st, journalWrite, nil)
	}
	k := journalWrite
	if u.QueueReversal == nil {
		k |= cleanWrite
	}
	return s.inGroup(ctx, "update", nil, k, func(ctx context.Context, tx *Tx) error { return s.applyUpdate(ctx, tx, &u) })
}

// CompleteReversal marks the reversal done and applies u to its transaction
// in the same store transaction (u.ID defaults to the reversal's
// transaction). ENOTFOUND if the reversal is unknown; ECONFLICT if it is
// already done or u's FromStates do not match (nothing changes then);
// EINVALID if u.ID names another transaction.
func (s *Store) CompleteReversal(ctx context.Context, id int64, u posguard.TxnUpdate) error {
	return s.inGroup(ctx, "complete reversal", nil, journalWrite, func(ctx context.Context, tx *Tx) error {
		r, err := queryOne(ctx, tx, "complete reversal", func() error { return reversalNotFound(id) }, revTable.scan,
			`SELECT `+reversalColumns+` FROM reversals WHERE id = ?`+s.DB.D.ForUpdate, id)
		if err == nil {
			err = checkCompletion(id, r.TxnID, string(r.State), &u)
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "complete reversal", `UPDATE reversals SET state = 'done', updated_at = ? WHERE id = ?`, s.T(s.NowUTC()), id); err != nil {
			return err
		}
		return s.applyUpdate(ctx, tx, &u)
	})
}

// applyUpdate runs u inside tx, and queues its reversal.
func (s *Store) applyUpdate(ctx context.Context, tx *Tx, u *posguard.TxnUpdate) error {
	now := s.NowUTC()
	if s.DB.D.WithWrites {
		st, err := s.updateStmt(u, now)
		if err == nil {
			err = st.run(ctx, tx)
		}
		if err != nil {
			return err
		}
	} else if err := s.updateInGo(ctx, tx, *u, now); err != nil {
		return err
	}
	if u.QueueReversal != nil {
		return s.queueReversal(ctx, tx, u.ID, u.QueueReversal, now)
	}
	return nil
}

// updateWithSQL (PostgreSQL) applies a TxnUpdate to one row when its state
// is allowed and appends the event with the resulting state, in one
// statement. Empty strings leave a column unchanged; a non-NULL answer
// replaces the stored one; Detail is merged with jsonb || (keys in the
// update win). Its SET list is SQLite's (UpdateTxnSQL).
var updateWithSQL = strings.ReplaceAll(`
	WITH upd AS (`+updateHeadSQL+updateRRNSQL+updateUpstreamSQL+`
			answer = coalesce(?9::jsonb, answer),
			detail = CASE WHEN ?10::jsonb IS NULL THEN detail ELSE coalesce(detail, '{}'::jsonb) || ?10::jsonb END,
			updated_at = ?11
		WHERE id = ?12 AND (?13::text[] IS NULL OR state = ANY (?13::text[]))
		RETURNING id, state
	)
	INSERT INTO txn_events (txn_id, at, state, code, reason, note)
	SELECT id, ?14, state, ?2, ?3, ?15 FROM upd
	RETURNING state`, "?", "$")

// updateStmt is u without a reversal to queue as one statement
// (updateWithSQL), refused by updateRefused.
func (s *Store) updateStmt(u *posguard.TxnUpdate, now time.Time) (*Stmt, error) {
	answer, err := encodeAnswer(u.Answer)
	if err != nil {
		return nil, err
	}
	detail, err := encodeDetail(u.Detail)
	if err != nil {
		return nil, err
	}
	var from []string
	for _, st := range u.FromStates {
		from = append(from, string(st))
	}
	var state string
	return &Stmt{SQL: updateWithSQL, Scan: func(r Row) error { return r.Scan(&state) },
		Args: []any{string(u.State), u.ResponseCode, u.Reason, u.AuthCode, u.RRN, u.UpstreamSTAN, u.UpstreamTime,
			int64(u.AddRefunded), answer, detail, now, u.ID, from, eventAt(*u, now), u.Note},
		noRows: func(ctx context.Context, tx *Tx) error { return updateRefused(ctx, tx, *u) }}, nil
}

// eventAt is the time of u's event: u.At, or now.
func eventAt(u posguard.TxnUpdate, now time.Time) time.Time {
	if u.At.IsZero() {
		return now
	}
	return u.At.UTC()
}

// updateRefused explains an update that changed no row: ENOTFOUND when the
// transaction does not exist, else ECONFLICT (its state is not one of
// FromStates).
func updateRefused(ctx context.Context, tx *Tx, u posguard.TxnUpdate) error {
	cur, err := queryOne(ctx, tx, "update", func() error { return txnNotFound(u.ID) }, one[string], `SELECT state FROM transactions WHERE id = ?`, u.ID)
	if err != nil {
		return err
	}
	return posguard.Errorf(posguard.ECONFLICT, "transaction %d is %s, not one of %v", u.ID, cur, u.FromStates)
}

// txnNotFound is the error for an unknown transaction ID.
func txnNotFound(id int64) error {
	return posguard.Errorf(posguard.ENOTFOUND, "transaction %d not found", id)
}

// UpdateTxnSQL (SQLite) applies a TxnUpdate to one row. Empty strings
// leave a column unchanged; a non-NULL answer or detail replaces the stored
// one (updateInGo has already merged the detail and checked FromStates).
// UpdateKeepRRNSQL is the same for an update that sets no RRN (a sale's
// outcome): with rrn out of the SET list SQLite leaves the
// transactions_rrn index entry alone instead of deleting and re-inserting
// it unchanged (?5 is bound but not used).
const (
	UpdateTxnSQL     = updateHeadSQL + updateRRNSQL + updateTailSQL
	UpdateKeepRRNSQL = updateHeadSQL + updateTailSQL
	updateHeadSQL    = `UPDATE transactions SET
		state = CASE WHEN ?1 = '' THEN state ELSE ?1 END,
		response_code = CASE WHEN ?2 = '' THEN response_code ELSE ?2 END,
		reason = CASE WHEN ?3 = '' THEN reason ELSE ?3 END,
		auth_code = CASE WHEN ?4 = '' THEN auth_code ELSE ?4 END,`
	updateRRNSQL = `
		rrn = CASE WHEN ?5 = '' THEN rrn ELSE ?5 END,`
	updateUpstreamSQL = `
		upstream_stan = CASE WHEN ?6 = '' THEN upstream_stan ELSE ?6 END,
		upstream_time = CASE WHEN ?7 = '' THEN upstream_time ELSE ?7 END,
		refunded_amount = refunded_amount + ?8,`
	updateTailSQL = updateUpstreamSQL + `
		answer = CASE WHEN ?9 IS NULL THEN answer ELSE ?9 END,
		detail = CASE WHEN ?10 IS NULL THEN detail ELSE ?10 END,
		updated_at = ?11
	WHERE id = ?12`
	currentSQL = `SELECT state, detail FROM transactions WHERE id = ?`
)

// updateInGo runs u (SQLite): a point read by rowid when FromStates,
// Detail or the event (u sets no state) need the stored row, then the
// UPDATE and the event.
func (s *Store) updateInGo(ctx context.Context, tx *Tx, u posguard.TxnUpdate, now time.Time) error {
	answer, err := encodeAnswer(u.Answer)
	if err != nil {
		return err
	}
	var detail any
	state := string(u.State) // the row's state after the update, for its event
	if len(u.FromStates) > 0 || len(u.Detail) > 0 || state == "" {
		var cur string
		var stored sql.NullString
		if err := tx.QueryRow(ctx, currentSQL, u.ID).Scan(&cur, &stored); errors.Is(err, ErrNoRows) {
			return txnNotFound(u.ID)
		} else if err != nil {
			return err
		}
		if len(u.FromStates) > 0 && !slices.Contains(u.FromStates, posguard.State(cur)) {
			return posguard.Errorf(posguard.ECONFLICT, "transaction %d is %s, not one of %v", u.ID, cur, u.FromStates)
		}
		if detail, err = mergeDetail(u.ID, stored, u.Detail); err != nil {
			return err
		}
		state = cmp.Or(state, cur)
	}
	query := UpdateTxnSQL
	if u.RRN == "" {
		query = UpdateKeepRRNSQL
	}
	n, err := tx.Exec(ctx, "update", query, string(u.State), u.ResponseCode, u.Reason, u.AuthCode, u.RRN, u.UpstreamSTAN,
		u.UpstreamTime, int64(u.AddRefunded), answer, detail, s.T(now), u.ID)
	if err = changed(n, err, func() error { return txnNotFound(u.ID) }); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, "update event", insertEventSQL, u.ID, s.T(eventAt(u, now)), state, u.ResponseCode, u.Reason, u.Note)
	return err
}

// mergeDetail merges add into the stored detail JSON (keys in add win) and
// returns the JSON text to store, or NULL when add is empty (the stored
// detail is kept as it is).
func mergeDetail(id int64, stored sql.NullString, add map[string]string) (any, error) {
	if len(add) == 0 {
		return nil, nil
	}
	if !stored.Valid || stored.String == "" {
		return encodeDetail(add)
	}
	merged := map[string]string{}
	if err := json.Unmarshal([]byte(stored.String), &merged); err != nil {
		return nil, posguard.WrapError(posguard.EINTERNAL, err, "transaction %d: decode detail", id)
	}
	if merged == nil {
		merged = map[string]string{}
	}
	maps.Copy(merged, add)
	return encodeDetail(merged)
}

// queueReversal inserts r as the pending reversal of txnID inside tx, or
// reports the already pending one in r.
func (s *Store) queueReversal(ctx context.Context, tx *Tx, txnID int64, r *posguard.Reversal, now time.Time) error {
	next := r.NextAttempt.UTC()
	if r.NextAttempt.IsZero() {
		next = now
	}
	got, err := revTable.scan(tx.QueryRow(ctx, `
		INSERT INTO reversals (txn_id, state, reason, attempts, next_attempt, last_error, created_at, updated_at)
		VALUES (?, 'pending', ?, ?, ?, ?, ?, ?)
		ON CONFLICT (txn_id) WHERE state = 'pending' DO NOTHING
		RETURNING `+reversalColumns, txnID, r.Reason, r.Attempts, s.T(next), r.LastError, s.T(now), s.T(now)))
	if errors.Is(err, ErrNoRows) {
		got, err = revTable.scan(tx.QueryRow(ctx, pendingReversalSQL, txnID))
	}
	if err != nil {
		return s.DB.Err(err, "queue reversal")
	}
	*r = *got
	return nil
}
