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
	return changed(n, err, func() error { return posguard.Errorf(posguard.ENOTFOUND, "%s %d: its merchant is gone", what, id) })
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
		raw, err := queryOne(ctx, tx, "", limitRequestNotFound(id), one[string], `SELECT requested FROM limit_requests WHERE id = ?`, id)
		if err != nil {
			return err
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

// Settlement-account change requests (posguard.AccountChangeStore),
// migration 0010_access.

// CreateAccountChange implements posguard.AccountChangeStore.
func (s *Store) CreateAccountChange(ctx context.Context, c *posguard.AccountChange) error {
	if c == nil || c.MerchantID == "" || c.RequestedBy == "" {
		return posguard.Errorf(posguard.EINVALID, "account change: no merchant or requester")
	}
	now := s.NowUTC()
	return s.DB.InTx(ctx, "create account change", func(tx *Tx) error {
		c.RequestedAt, c.State, c.DecidedBy, c.DecidedAt, c.Note = now, posguard.ChangePending, "", time.Time{}, ""
		return changeTable.add(ctx, tx, s, c, "")
	})
}

// changeTable is account_changes, whose ID the database assigns.
var changeTable = newTable("account_changes", "id",
	`id, merchant_id, bank, number, name, status, requested_by, requested_at, state, decided_by, decided_at, note`,
	func(c *posguard.AccountChange) []any {
		return []any{&c.ID, &c.MerchantID, &c.Account.Bank, &c.Account.Number, &c.Account.Name, &c.Account.Status,
			&c.RequestedBy, &c.RequestedAt, &c.State, &c.DecidedBy, &c.DecidedAt, &c.Note}
	})

// AccountChange implements posguard.AccountChangeStore.
func (s *Store) AccountChange(ctx context.Context, id int64) (*posguard.AccountChange, error) {
	return changeTable.get(ctx, s.DB, "account change", changeNotFound(id), ` WHERE id = ?`, id)
}

// AccountChanges implements posguard.AccountChangeStore.
func (s *Store) AccountChanges(ctx context.Context, f posguard.AccountChangeFilter) ([]*posguard.AccountChange, error) {
	a := Args{}
	return changeTable.list(ctx, s.DB, "account changes", ` WHERE 1 = 1`+a.Eq("merchant_id", f.MerchantID, "state", f.State)+
		` ORDER BY id DESC LIMIT 500`, a.List...)
}

// DecideAccountChange implements posguard.AccountChangeStore.
func (s *Store) DecideAccountChange(ctx context.Context, id int64, state posguard.ChangeState, by, note string) error {
	if state != posguard.ChangeApproved && state != posguard.ChangeRejected {
		return posguard.Errorf(posguard.EINVALID, "account change %d: cannot move to %q", id, state)
	}
	return s.DB.InTx(ctx, "decide account change", func(tx *Tx) error {
		return s.decide(ctx, tx, "account_changes", "account change", id, string(state), by, note, "")
	})
}

// changeNotFound returns the error for an unknown account change.
func changeNotFound(id int64) func() error {
	return func() error { return NotFound("account change", strconv.FormatInt(id, 10)) }
}

// ApplyAccountChange implements posguard.AccountChangeStore.
func (s *Store) ApplyAccountChange(ctx context.Context, id int64, by string, a posguard.SettlementAccount, audit ...*posguard.AuditRecord) error {
	return s.DB.InTx(ctx, "apply account change", func(tx *Tx) error {
		if err := s.decide(ctx, tx, "account_changes", "account change", id, string(posguard.ChangeApproved), by, "",
			`account_bank = ?, account_number = ?, account_name = ?, account_status = ?`, a.Bank, a.Number, a.Name, a.Status); err != nil {
			return err
		}
		return tx.appendAudits(ctx, s.NowUTC(), audit...)
	})
}
