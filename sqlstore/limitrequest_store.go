package sqlstore

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/posguard/posguard"
)

// Limit-increase requests (posguard.LimitRequestStore), migration
// 0063_limit_requests.

var _ posguard.LimitRequestStore = (*Store)(nil)

// limitRequestTable is limit_requests, whose ID the database assigns.
var limitRequestTable = newTable("limit_requests", "id",
	`id, merchant_id, previous, requested, reason, state, requested_by, requested_at, decided_by, decided_at, note`,
	func(r *posguard.LimitRequest) []any {
		return []any{&r.ID, &r.MerchantID, limitsCol(&r.Previous), limitsCol(&r.Requested), &r.Reason, &r.State,
			&r.RequestedBy, &r.RequestedAt, &r.DecidedBy, &r.DecidedAt, &r.Note}
	})

// limitsCol is the field of a column holding l as limitsJSON.
func limitsCol(l *posguard.Limits) codec {
	return textCodec(func() string { return encodeLimits(*l) }, func(s string) (err error) { *l, err = decodeLimits(s); return err })
}

// limitsJSON is the stored form of a merchant's limits.
type limitsJSON struct {
	PerTxn             int64 `json:"per_txn"`
	Daily              int64 `json:"daily"`
	DailyCount         int   `json:"daily_count"`
	CardDaily          int64 `json:"card_daily"`
	CardDailyCount     int   `json:"card_daily_count"`
	TerminalDaily      int64 `json:"terminal_daily"`
	TerminalDailyCount int   `json:"terminal_daily_count"`
}

func encodeLimits(l posguard.Limits) string {
	b, _ := json.Marshal(limitsJSON{int64(l.PerTxn), int64(l.Daily), l.DailyCount, int64(l.CardDaily), l.CardDailyCount, int64(l.TerminalDaily), l.TerminalDailyCount})
	return string(b)
}

func decodeLimits(s string) (posguard.Limits, error) {
	var j limitsJSON
	if err := json.Unmarshal([]byte(s), &j); err != nil {
		return posguard.Limits{}, posguard.WrapError(posguard.EINTERNAL, err, "decode limits")
	}
	return posguard.Limits{PerTxn: posguard.Amount(j.PerTxn), Daily: posguard.Amount(j.Daily), DailyCount: j.DailyCount,
		CardDaily: posguard.Amount(j.CardDaily), CardDailyCount: j.CardDailyCount,
		TerminalDaily: posguard.Amount(j.TerminalDaily), TerminalDailyCount: j.TerminalDailyCount}, nil
}

// decide moves request id of table (account_changes, limit_requests) from
// pending to state, with who decided, when and why, and then, when apply is
// set, updates the request's merchant with the SET list apply and its
// args. what names the request in errors: ENOTFOUND when there is none or
// its merchant is gone, ECONFLICT when it was decided already.
func (s *Store) decide(ctx context.Context, tx *Tx, table, what string, id int64, state, by, note, apply string, args ...any) error {
	now := s.T(s.NowUTC())
	n, err := tx.Exec(ctx, "decide "+what, `UPDATE `+table+` SET state = ?, decided_by = ?, decided_at = ?, note = ?
		WHERE id = ? AND state = 'pending'`, state, by, now, note, id)
	if err == nil {
		err = moved(ctx, tx, n, table, id, func() error { return NotFound(what, strconv.FormatInt(id, 10)) },
			func(string) error { return posguard.Errorf(posguard.ECONFLICT, "%s %d was already decided", what, id) })
	}
	if err != nil || apply == "" {
		return err
	}
	n, err = tx.Exec(ctx, "apply "+what, `UPDATE merchants SET `+apply+`, updated_at = ?
		WHERE id = (SELECT merchant_id FROM `+table+` WHERE id = ?)`, append(args, now, id)...)
	if err == nil && n == 0 {
		return posguard.Errorf(posguard.ENOTFOUND, "%s %d: its merchant is gone", what, id)
	}
	return err
}

// limitsSet is the SET list of a merchant's limits, in limitArgs' order.
const limitsSet = `limit_per_txn = ?, limit_daily = ?, limit_daily_count = ?,
	limit_card_daily = ?, limit_card_daily_count = ?, limit_terminal_daily = ?, limit_terminal_daily_count = ?`

// limitArgs returns the arguments of limitsSet for l.
func limitArgs(l posguard.Limits) []any {
	return []any{int64(l.PerTxn), int64(l.Daily), l.DailyCount, int64(l.CardDaily), l.CardDailyCount, int64(l.TerminalDaily), l.TerminalDailyCount}
}

// limitRequestNotFound returns the error for an unknown limit request.
func limitRequestNotFound(id int64) func() error {
	return func() error { return NotFound("limit request", strconv.FormatInt(id, 10)) }
}

// CreateLimitRequest implements posguard.LimitRequestStore.
func (s *Store) CreateLimitRequest(ctx context.Context, r *posguard.LimitRequest) error {
	if r == nil || r.MerchantID == "" || r.RequestedBy == "" {
		return posguard.Errorf(posguard.EINVALID, "limit request: no merchant or requester")
	}
	if r.Requested.Negative() {
		return posguard.Errorf(posguard.EINVALID, "limit request: limits must not be negative")
	}
	now := s.NowUTC()
	return s.DB.InTx(ctx, "create limit request", func(tx *Tx) error {
		r.RequestedAt, r.State, r.DecidedBy, r.DecidedAt, r.Note = now, posguard.LimitRequestPending, "", time.Time{}, ""
		if err := mustExist(ctx, tx, "merchants", "id", r.MerchantID, func() error { return merchantNotFound(r.MerchantID) }); err != nil {
			return err
		}
		return limitRequestTable.add(ctx, tx, s, r, "")
	})
}

// LimitRequest implements posguard.LimitRequestStore.
func (s *Store) LimitRequest(ctx context.Context, id int64) (*posguard.LimitRequest, error) {
	return limitRequestTable.get(ctx, s.DB, "limit request", limitRequestNotFound(id), ` WHERE id = ?`, id)
}

// LimitRequests implements posguard.LimitRequestStore.
func (s *Store) LimitRequests(ctx context.Context, f posguard.LimitRequestFilter) ([]*posguard.LimitRequest, error) {
	a := &Args{}
	return limitRequestTable.page(ctx, s, "limit requests", a, a.Eq("merchant_id", f.MerchantID, "state", f.State), "id DESC", f.Limit, 50, 1000)
}

// DecideLimitRequest implements posguard.LimitRequestStore.
func (s *Store) DecideLimitRequest(ctx context.Context, id int64, state posguard.LimitRequestState, by, note string) (*posguard.LimitRequest, error) {
	if state != posguard.LimitRequestApproved && state != posguard.LimitRequestRejected {
		return nil, posguard.Errorf(posguard.EINVALID, "limit request %d: cannot move to %q", id, state)
	}
	err := s.DB.InTx(ctx, "decide limit request", func(tx *Tx) error {
		if state != posguard.LimitRequestApproved {
			return s.decide(ctx, tx, "limit_requests", "limit request", id, string(state), by, note, "")
		}
		var raw string
		if err := tx.QueryRow(ctx, `SELECT requested FROM limit_requests WHERE id = ?`, id).Scan(&raw); err != nil {
			return found(tx, err, "", limitRequestNotFound(id))
		}
		l, err := decodeLimits(raw)
		if err != nil {
			return err
		}
		return s.decide(ctx, tx, "limit_requests", "limit request", id, string(state), by, note, limitsSet, limitArgs(l)...)
	})
	if err != nil {
		return nil, err
	}
	return s.LimitRequest(ctx, id)
}
