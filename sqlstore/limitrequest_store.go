package sqlstore

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/posguard/posguard"
)

// Limit-increase requests (posguard.LimitRequestStore), migration
// 0063_limit_requests.

var _ posguard.LimitRequestStore = (*Store)(nil)

const limitRequestColumns = `id, merchant_id, previous, requested, reason, state, requested_by, requested_at, decided_by, decided_at, note`

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

func scanLimitRequest(row Row) (*posguard.LimitRequest, error) {
	var r posguard.LimitRequest
	var prev, req, state string
	if err := row.Scan(&r.ID, &r.MerchantID, &prev, &req, &r.Reason, &state, &r.RequestedBy, TimeCol(&r.RequestedAt),
		&r.DecidedBy, TimeCol(&r.DecidedAt), &r.Note); err != nil {
		return nil, err
	}
	r.State = posguard.LimitRequestState(state)
	var err error
	if r.Previous, err = decodeLimits(prev); err != nil {
		return nil, err
	}
	if r.Requested, err = decodeLimits(req); err != nil {
		return nil, err
	}
	return &r, nil
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
		r.RequestedAt, r.State = now, posguard.LimitRequestPending
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM merchants WHERE id = ?`, r.MerchantID).Scan(&one); errors.Is(err, ErrNoRows) {
			return NotFound("merchant", r.MerchantID)
		} else if err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO limit_requests (merchant_id, previous, requested, reason, state, requested_by, requested_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			r.MerchantID, encodeLimits(r.Previous), encodeLimits(r.Requested), r.Reason, string(posguard.LimitRequestPending),
			r.RequestedBy, s.T(now)).Scan(&r.ID)
	})
}

// LimitRequest implements posguard.LimitRequestStore.
func (s *Store) LimitRequest(ctx context.Context, id int64) (*posguard.LimitRequest, error) {
	return queryOne(ctx, s.DB, "limit request", func() error { return NotFound("limit request", strconv.FormatInt(id, 10)) },
		scanLimitRequest, `SELECT `+limitRequestColumns+` FROM limit_requests WHERE id = ?`, id)
}

// LimitRequests implements posguard.LimitRequestStore.
func (s *Store) LimitRequests(ctx context.Context, f posguard.LimitRequestFilter) ([]*posguard.LimitRequest, error) {
	a := Args{}
	q := `SELECT ` + limitRequestColumns + ` FROM limit_requests WHERE 1 = 1` + a.Eq("merchant_id", f.MerchantID, "state", string(f.State))
	return queryAll(ctx, s.DB, "limit requests", scanLimitRequest, q+` ORDER BY id DESC LIMIT `+strconv.Itoa(ClampLimit(f.Limit)), a.List...)
}

// DecideLimitRequest implements posguard.LimitRequestStore.
func (s *Store) DecideLimitRequest(ctx context.Context, id int64, state posguard.LimitRequestState, by, note string) (*posguard.LimitRequest, error) {
	if state != posguard.LimitRequestApproved && state != posguard.LimitRequestRejected {
		return nil, posguard.Errorf(posguard.EINVALID, "limit request %d: cannot move to %q", id, state)
	}
	err := s.DB.InTx(ctx, "decide limit request", func(tx *Tx) error {
		now := s.T(s.NowUTC())
		n, err := tx.Exec(ctx, "decide limit request", `UPDATE limit_requests SET state = ?, decided_by = ?, decided_at = ?, note = ?
			WHERE id = ? AND state = ?`, string(state), by, now, note, id, string(posguard.LimitRequestPending))
		if err != nil {
			return err
		}
		if n == 0 {
			var one int
			if err := tx.QueryRow(ctx, `SELECT 1 FROM limit_requests WHERE id = ?`, id).Scan(&one); errors.Is(err, ErrNoRows) {
				return NotFound("limit request", strconv.FormatInt(id, 10))
			} else if err != nil {
				return err
			}
			return posguard.Errorf(posguard.ECONFLICT, "limit request %d was already decided", id)
		}
		if state != posguard.LimitRequestApproved {
			return nil
		}
		var raw string
		if err := tx.QueryRow(ctx, `SELECT requested FROM limit_requests WHERE id = ?`, id).Scan(&raw); err != nil {
			return err
		}
		l, err := decodeLimits(raw)
		if err != nil {
			return err
		}
		n, err = tx.Exec(ctx, "apply limit request", `UPDATE merchants SET limit_per_txn = ?, limit_daily = ?, limit_daily_count = ?,
			limit_card_daily = ?, limit_card_daily_count = ?, limit_terminal_daily = ?, limit_terminal_daily_count = ?, updated_at = ?
			WHERE id = (SELECT merchant_id FROM limit_requests WHERE id = ?)`,
			int64(l.PerTxn), int64(l.Daily), l.DailyCount, int64(l.CardDaily), l.CardDailyCount, int64(l.TerminalDaily), l.TerminalDailyCount, now, id)
		if err == nil && n == 0 {
			return posguard.Errorf(posguard.ENOTFOUND, "limit request %d: its merchant is gone", id)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.LimitRequest(ctx, id)
}
