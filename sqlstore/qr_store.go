package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/posguard/posguard"
)

var _ posguard.QRStore = (*Store)(nil)

// QROrderColumns are the columns of qr_orders.
const QROrderColumns = `id, merchant_id, out_order_no, request_hash, mode, channel, channel_name, amount, state,
	reason, out_trade_no, transaction_id, paid_at, auth_code, terminal_id, subject, notify_url, expire_seconds,
	code_url, expires_at, deadline, task, attempts, next_attempt, last_error, reversal_state, refunded_amount,
	case_opened, created_at, updated_at`

// PutWalletChannel inserts or replaces a channel by name, its key sealed.
func (s *Store) PutWalletChannel(ctx context.Context, c *posguard.WalletChannel) error {
	if c.Name == "" || len(c.Key) == 0 {
		return posguard.Errorf(posguard.EINVALID, "wallet channel: a name and a key are required")
	}
	sealed, err := s.Sealer.Seal(c.Key, WalletChannelKeyAD(c.Name))
	if err != nil {
		return posguard.WrapError(posguard.EINTERNAL, err, "wallet channel %s: seal key", c.Name)
	}
	_, err = s.DB.Exec(ctx, "put wallet channel", `INSERT INTO wallet_channels (name, position, kind, url, app_id, key_sealed, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET position = excluded.position, kind = excluded.kind, url = excluded.url,
			app_id = excluded.app_id, key_sealed = excluded.key_sealed, updated_at = excluded.updated_at`,
		c.Name, c.Position, c.Kind, c.URL, c.AppID, sealed, s.T(s.NowUTC()))
	return err
}

// WalletChannels returns every channel in position order, keys opened.
func (s *Store) WalletChannels(ctx context.Context) ([]*posguard.WalletChannel, error) {
	return queryAll(ctx, s.DB, "wallet channels", func(r Row) (*posguard.WalletChannel, error) {
		var c posguard.WalletChannel
		var sealed []byte
		if err := r.Scan(&c.Name, &c.Position, &c.Kind, &c.URL, &c.AppID, &sealed); err != nil {
			return nil, err
		}
		k, err := s.Sealer.Open(sealed, WalletChannelKeyAD(c.Name))
		if err != nil {
			return nil, posguard.WrapError(posguard.EINTERNAL, err, "wallet channel %s: key_sealed does not open: it was altered, copied from another row, or sealed under another host key", c.Name)
		}
		c.Key = k
		return &c, nil
	}, `SELECT name, position, kind, url, app_id, key_sealed FROM wallet_channels ORDER BY position, name`)
}

// WalletChannelKeyAD returns the associated data of a wallet channel's
// sealed key.
func WalletChannelKeyAD(name string) []byte {
	return posguard.SealAD("wallet_channels", "key_sealed", name)
}

// MerchantWalletKeyAD returns the associated data of a merchant wallet's
// sealed notify key.
func MerchantWalletKeyAD(merchantID string) []byte {
	return posguard.SealAD("merchant_wallets", "notify_key_sealed", merchantID)
}

// PutMerchantWallet inserts or replaces a merchant's wallet settings.
func (s *Store) PutMerchantWallet(ctx context.Context, w *posguard.MerchantWallet) error {
	if w.MerchantID == "" || w.MchID == "" || len(w.NotifyKey) == 0 {
		return posguard.Errorf(posguard.EINVALID, "merchant wallet: merchant, mch_id and notify_key are required")
	}
	sealed, err := s.Sealer.Seal(w.NotifyKey, MerchantWalletKeyAD(w.MerchantID))
	if err != nil {
		return posguard.WrapError(posguard.EINTERNAL, err, "merchant wallet %s: seal key", w.MerchantID)
	}
	_, err = s.DB.Exec(ctx, "put merchant wallet", `INSERT INTO merchant_wallets (merchant_id, mch_id, notify_key_sealed, updated_at)
		VALUES (?, ?, ?, ?)
		ON CONFLICT (merchant_id) DO UPDATE SET mch_id = excluded.mch_id, notify_key_sealed = excluded.notify_key_sealed,
			updated_at = excluded.updated_at`,
		w.MerchantID, w.MchID, sealed, s.T(s.NowUTC()))
	return err
}

// MerchantWallet returns a merchant's wallet; ENOTFOUND if it has none.
func (s *Store) MerchantWallet(ctx context.Context, merchantID string) (*posguard.MerchantWallet, error) {
	w := posguard.MerchantWallet{MerchantID: merchantID}
	var sealed []byte
	err := s.DB.QueryRow(ctx, `SELECT mch_id, notify_key_sealed FROM merchant_wallets WHERE merchant_id = ?`, merchantID).Scan(&w.MchID, &sealed)
	if err != nil {
		return nil, found(s.DB, err, "merchant wallet", func() error { return NotFound("merchant wallet", merchantID) })
	}
	if w.NotifyKey, err = s.Sealer.Open(sealed, MerchantWalletKeyAD(merchantID)); err != nil {
		return nil, posguard.WrapError(posguard.EINTERNAL, err, "merchant wallet %s: notify_key_sealed does not open: it was altered, copied from another row, or sealed under another host key", merchantID)
	}
	return &w, nil
}

// CreateQROrder journals o (see posguard.QRStore).
func (s *Store) CreateQROrder(ctx context.Context, o *posguard.QROrder, tradePrefix string) (*posguard.QROrder, bool, error) {
	return s.CreateQROrderWithin(ctx, o, tradePrefix, posguard.QRDailyLimit{})
}

// CreateQROrderWithin journals o, keeping its merchant within limit (see
// posguard.QRStore). The write goes through the database's group commit:
// the orders of many concurrent requests share one commit. On a database
// with concurrent writers (PostgreSQL, where several instances may share
// it) an order checked against a limit is the exception: it runs in a
// transaction of its own under its merchant's row of qr_limit_locks, so
// that no shared batch ever waits on that lock while holding others (no
// lock-order cycle between the batches of two instances). On SQLite the
// one writer already makes the count and the insert one step.
func (s *Store) CreateQROrderWithin(ctx context.Context, o *posguard.QROrder, tradePrefix string, limit posguard.QRDailyLimit) (*posguard.QROrder, bool, error) {
	if o.MerchantID == "" || o.OutOrderNo == "" || o.State == "" {
		return nil, false, posguard.Errorf(posguard.EINVALID, "qr order: merchant, out_order_no and state are required")
	}
	now := s.NowUTC()
	limited := o.State == posguard.QRPaying && limit.On()
	// A request running at an assumed cache version writes only if that
	// version still holds (versioncheck.go).
	check := posguard.VersionCheckFrom(ctx)
	if check != nil && !check.Pending() {
		check = nil
	}
	var got *posguard.QROrder
	created := false
	write := func(ctx context.Context, tx *Tx) error {
		got, created = nil, false
		var err error
		if limited {
			if err := s.checkVersion(ctx, tx, check); err != nil {
				return err
			}
			got, created, err = s.insertQROrderWithin(ctx, tx, o, tradePrefix, limit, now)
		} else {
			got, created, err = s.insertQROrder(ctx, tx, o, tradePrefix, now, check)
		}
		if err == nil && created {
			posguard.NoteAudit(ctx, got) // a request's audit record names the new order
		}
		return err
	}
	var err error
	switch {
	case limited && s.DB.D.ForUpdate != "":
		err = s.DB.InTx(ctx, "create qr order", func(tx *Tx) error { return write(ctx, tx) })
	case !limited && !o.State.Final() && s.DB.D.Name == "postgres":
		// One statement: pipelined with the batch's others.
		got, created, err = s.createQROrderStmt(ctx, o, tradePrefix, now, check)
	default:
		// Clean (grouptx.go): every refusal (the cache version, the
		// merchant's number, the limit) comes before the insert.
		err = s.inGroup(ctx, "create qr order", nil, cleanWrite, write)
	}
	settleCheck(check, err)
	if err != nil {
		return nil, false, err
	}
	return got, created, nil
}

// insertQROrderSQL inserts an order unless the merchant has its number
// (PostgreSQL). Its id is taken first (a CTE) so that its out_trade_no,
// the trade prefix (?1) and the id on 12 digits, is written by the same
// statement when the order is paying (?2): one statement, one round trip.
// The id comes from the column's identity sequence, named
// (qr_orders_id_seq, resolved once when the statement is prepared:
// pg_get_serial_sequence searched the catalog for it on every insert).
const insertQROrderSQL = ` INTO qr_orders ` + qrOrderInsertColumns + `
	SELECT n.id, CASE WHEN ? THEN ? || lpad(n.id::text, 12, '0') ELSE '' END, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
	FROM n ON CONFLICT (merchant_id, out_order_no) DO NOTHING RETURNING id`

// insertQROrderKeysSQL ends PostgreSQL's insertQROrderSQL: the new order's
// row of qr_order_keys (migration 0128: its place in the order queue while
// it has a task) is written by the same statement.
const insertQROrderKeysSQL = `, task, next_attempt),
	k AS (INSERT INTO qr_order_keys (id, due) SELECT id, CASE WHEN task <> '' THEN next_attempt END FROM i)
	SELECT id FROM i`

// insertQROrderQueries are insertQROrderSQL, then the same conditional on
// the cache version (its first argument): the id's CTE has no row, so
// nothing is inserted and no id is taken from the sequence, when the
// cache_version row holds another value.
var insertQROrderQueries = [2]string{
	`WITH n AS (SELECT nextval('qr_orders_id_seq') AS id), i AS (INSERT` + insertQROrderSQL + insertQROrderKeysSQL,
	`WITH n AS (SELECT nextval('qr_orders_id_seq') AS id FROM cache_version
		WHERE cache_version.id = 1 AND cache_version.n = ?), i AS (INSERT` + insertQROrderSQL + insertQROrderKeysSQL,
}

// insertQROrderSQLite are insertQROrderSQL and its conditional form for
// SQLite, with the same arguments, the cache version last; each is run for
// the rows it changed and the id it gave (ExecID), and changes none when
// the merchant has the number or (the second) the cache version moved.
// The one writer makes the next id max + 1, as its INTEGER PRIMARY KEY
// would choose (max alone in its subquery, which SQLite answers from the
// end of the table's b-tree instead of a scan). Neither returns the id: a
// RETURNING made SQLite collect the row in a temporary b-tree, and an
// INSERT … SELECT that reads qr_orders (the id's CTE) copied the row
// through another first; the unconditional insert is one VALUES and reads
// no temporary table at all (EXPLAIN: no OpenEphemeral). The conditional
// one still selects from cache_version, its one row or none: reading the
// version as a statement of its own cost more than that copy
// (docs/benchmarks.md, "Round 12: a QR order's writes in the store").
var insertQROrderSQLite = [2]string{
	`INSERT INTO qr_orders ` + qrOrderInsertColumns + `
	VALUES (coalesce((SELECT max(id) FROM qr_orders), 0) + 1, ` + qrOrderTradeNoSQLite + `,
		?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (merchant_id, out_order_no) DO NOTHING`,
	`INSERT INTO qr_orders ` + qrOrderInsertColumns + `
	SELECT coalesce((SELECT max(id) FROM qr_orders), 0) + 1, ` + qrOrderTradeNoSQLite + `,
		?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
	FROM cache_version WHERE id = 1 AND n = ?
	ON CONFLICT (merchant_id, out_order_no) DO NOTHING`,
}

// qrOrderInsertColumns are the columns the order's insert writes, in
// qrOrderInsert's order of arguments (the id first, taken by the
// statement).
const qrOrderInsertColumns = `(id, out_trade_no, merchant_id, out_order_no, request_hash, mode, channel, channel_name,
	amount, state, reason, auth_code, terminal_id, subject, notify_url, expire_seconds, expires_at, deadline, task,
	next_attempt, created_at, updated_at)`

// qrOrderTradeNoSQLite is the new order's out_trade_no on SQLite: the
// trade prefix (?2) and the id on 12 digits when the order is paying (?1).
const qrOrderTradeNoSQLite = `CASE WHEN ? THEN ? || printf('%012d', coalesce((SELECT max(id) FROM qr_orders), 0) + 1) ELSE '' END`

// insertQROrderQuery is PostgreSQL's insertQROrderSQL; conditional on the
// cache version when versioned.
func insertQROrderQuery(versioned bool) string {
	if versioned {
		return insertQROrderQueries[1]
	}
	return insertQROrderQueries[0]
}

// execQROrderInsert runs the order's insert (args: qrOrderInsert's) in
// tx and returns the new order's id; inserted is false when the merchant
// already has the number. With check, the insert is conditional on its
// version and writes nothing either when it moved.
func (s *Store) execQROrderInsert(ctx context.Context, tx *Tx, args []any, check *posguard.VersionCheck) (id int64, inserted bool, err error) {
	if s.DB.D.Name == "postgres" {
		if check != nil {
			args = append([]any{check.Version}, args...)
		}
		err = tx.QueryRow(ctx, insertQROrderQuery(check != nil), args...).Scan(&id)
		if errors.Is(err, ErrNoRows) {
			return 0, false, nil
		}
		return id, err == nil, err
	}
	q := insertQROrderSQLite[0]
	if check != nil {
		q, args = insertQROrderSQLite[1], append(args, check.Version)
	}
	id, n, err := tx.w.q.(IDExecer).ExecID(ctx, tx.db.Q(q), args...)
	tx.w.wrote = tx.w.wrote || n > 0
	return id, n > 0, tx.db.Err(err, "create qr order")
}

// createQROrderStmt journals o (not final, no limit to check) as one
// statement through the group committer (InGroupStmt). With check, the
// statement itself is conditional on the cache version: when it writes
// nothing, the version is read in the same transaction to tell a moved
// version (ESTALE) from a number the merchant already has.
func (s *Store) createQROrderStmt(ctx context.Context, o *posguard.QROrder, tradePrefix string, now time.Time, check *posguard.VersionCheck) (*posguard.QROrder, bool, error) {
	got, args := s.qrOrderInsert(o, tradePrefix, now)
	if check != nil {
		args = append([]any{check.Version}, args...)
	}
	var res *posguard.QROrder
	created := false
	st := &Stmt{SQL: insertQROrderQuery(check != nil), Args: args, Scan: func(r Row) error {
		res, created = nil, false
		if err := r.Scan(&got.ID); err != nil {
			return err
		}
		s.insertedQROrder(ctx, got, tradePrefix)
		res, created = got, true
		return nil
	}}
	err := s.InGroupStmt(ctx, "create qr order", st, func(ctx context.Context, tx *Tx) error {
		res, created = nil, false
		if err := s.checkVersion(ctx, tx, check); err != nil {
			return err
		}
		old, err := s.qrOrderByNumber(ctx, tx, o.MerchantID, o.OutOrderNo)
		res, created = old, false
		return err
	})
	if err != nil {
		return nil, false, err
	}
	return res, created, nil
}

// qrOrderByNumber reads the merchant's order with number outOrderNo in tx.
func (s *Store) qrOrderByNumber(ctx context.Context, tx *Tx, merchantID, outOrderNo string) (*posguard.QROrder, error) {
	return scanQROrder(tx.QueryRow(ctx, `SELECT `+QROrderColumns+` FROM qr_orders WHERE merchant_id = ? AND out_order_no = ?`,
		merchantID, outOrderNo))
}

// qrOrderInsert returns the order that inserting o makes (its id still 0)
// and the arguments of insertQROrderSQL.
func (s *Store) qrOrderInsert(o *posguard.QROrder, tradePrefix string, now time.Time) (*posguard.QROrder, []any) {
	got := *o
	got.ExpiresAt = o.ExpiresAt.UTC().Truncate(time.Microsecond)
	got.Deadline = o.Deadline.UTC().Truncate(time.Microsecond)
	got.NextAttempt = o.NextAttempt.UTC().Truncate(time.Microsecond)
	got.CreatedAt, got.UpdatedAt = now, now
	got.OutTradeNo, got.TransactionID, got.CodeURL, got.LastError, got.ReversalState = "", "", "", "", ""
	got.PaidAt, got.Attempts, got.RefundedAmount, got.CaseOpened = time.Time{}, 0, 0, false
	if got.State.Final() {
		got.Task = posguard.QRTaskNone
	}
	return &got, []any{got.State == posguard.QRPaying, tradePrefix,
		got.MerchantID, got.OutOrderNo, got.RequestHash, string(got.Mode), got.Channel, got.ChannelName, int64(got.Amount),
		string(got.State), got.Reason, got.AuthCode, got.TerminalID, got.Subject, got.NotifyURL, got.ExpireSeconds,
		s.T(got.ExpiresAt), s.T(got.Deadline), string(got.Task), s.T(got.NextAttempt), s.T(now), s.T(now)}
}

// insertedQROrder completes got once its insert returned its id: its
// out_trade_no, and the request's audit record names it.
func (s *Store) insertedQROrder(ctx context.Context, got *posguard.QROrder, tradePrefix string) {
	if got.State == posguard.QRPaying {
		got.OutTradeNo = qrTradeNo(tradePrefix, got.ID)
	}
	posguard.NoteAudit(ctx, got)
}

// qrTradeNo is the out_trade_no of order id: the prefix and the id on 12
// digits.
func qrTradeNo(prefix string, id int64) string { return fmt.Sprintf("%s%012d", prefix, id) }

// insertQROrder inserts o in tx, or returns the merchant's order with that
// number (created false). The order returned is built from o, not read
// back. With check, the insert is conditional on its version: when it
// wrote nothing, the version is read to tell a moved version (ESTALE) from
// a number the merchant already has.
func (s *Store) insertQROrder(ctx context.Context, tx *Tx, o *posguard.QROrder, tradePrefix string, now time.Time, check *posguard.VersionCheck) (*posguard.QROrder, bool, error) {
	g, args := s.qrOrderInsert(o, tradePrefix, now)
	got := *g
	id, inserted, err := s.execQROrderInsert(ctx, tx, args, check)
	if err != nil {
		return nil, false, err
	}
	if !inserted {
		if err := s.checkVersion(ctx, tx, check); err != nil {
			return nil, false, err
		}
		old, err := s.qrOrderByNumber(ctx, tx, o.MerchantID, o.OutOrderNo)
		return old, false, err
	}
	got.ID = id
	if got.State == posguard.QRPaying {
		got.OutTradeNo = qrTradeNo(tradePrefix, got.ID)
	}
	if got.State.Final() {
		if err := s.queueNotice(ctx, tx, &got, 0, "order", now); err != nil {
			return nil, false, err
		}
	}
	return &got, true, nil
}

// insertQROrderWithin is insertQROrder for a paying order checked against
// limit: under the merchant's lock row (on databases with row locks) it
// counts the day's succeeded and paying orders and journals o failed when
// it would go over.
func (s *Store) insertQROrderWithin(ctx context.Context, tx *Tx, o *posguard.QROrder, tradePrefix string, limit posguard.QRDailyLimit, now time.Time) (*posguard.QROrder, bool, error) {
	if s.DB.D.ForUpdate != "" {
		// Takes the merchant's row lock until commit: the next order of
		// this merchant counts after this one is in.
		if _, err := tx.Exec(ctx, "lock qr limit", `INSERT INTO qr_limit_locks (merchant_id, orders) VALUES (?, 1)
			ON CONFLICT (merchant_id) DO UPDATE SET orders = qr_limit_locks.orders + 1`, o.MerchantID); err != nil {
			return nil, false, err
		}
	}
	old, err := scanQROrder(tx.QueryRow(ctx, `SELECT `+QROrderColumns+` FROM qr_orders WHERE merchant_id = ? AND out_order_no = ?`,
		o.MerchantID, o.OutOrderNo))
	if err == nil {
		return old, false, nil
	}
	if !errors.Is(err, ErrNoRows) {
		return nil, false, err
	}
	used, n, err := s.qrDailyUsage(ctx, tx, o.MerchantID, limit.From, limit.To)
	if err != nil {
		return nil, false, err
	}
	in := *o
	switch {
	case limit.Amount > 0 && used+o.Amount > limit.Amount:
		in.State, in.Reason = posguard.QRFailed, posguard.ReasonQRDailyAmount
	case limit.Count > 0 && n+1 > limit.Count:
		in.State, in.Reason = posguard.QRFailed, posguard.ReasonQRDailyCount
	}
	if in.State.Final() {
		in.Task, in.Deadline, in.NextAttempt, in.ChannelName = posguard.QRTaskNone, time.Time{}, time.Time{}, ""
		if in.Mode == posguard.QRNative {
			in.ExpiresAt = time.Time{}
		}
	}
	return s.insertQROrder(ctx, tx, &in, tradePrefix, now, nil)
}

// queueNotice adds a merchant notification of o (refund refundID when not
// 0) to the outbox, when o has a notify_url.
func (s *Store) queueNotice(ctx context.Context, tx *Tx, o *posguard.QROrder, refundID int64, event string, now time.Time) error {
	if o.NotifyURL == "" {
		return nil
	}
	_, err := tx.Exec(ctx, "queue qr notice", `INSERT INTO qr_notices (order_id, refund_id, merchant_id, event, url, state, next_attempt, created_at)
		VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)`, o.ID, refundID, o.MerchantID, event, o.NotifyURL, s.T(now), s.T(now))
	return err
}

// QROrder returns an order; ENOTFOUND if none.
func (s *Store) QROrder(ctx context.Context, id int64) (*posguard.QROrder, error) {
	return s.oneQROrder(ctx, `SELECT `+QROrderColumns+` FROM qr_orders WHERE id = ?`, id, fmt.Sprint(id))
}

// QROrderByTradeNo returns the order with out_trade_no; ENOTFOUND.
func (s *Store) QROrderByTradeNo(ctx context.Context, outTradeNo string) (*posguard.QROrder, error) {
	if outTradeNo == "" {
		return nil, NotFound("qr order", "''")
	}
	return s.oneQROrder(ctx, `SELECT `+QROrderColumns+` FROM qr_orders WHERE out_trade_no = ?`, outTradeNo, outTradeNo)
}

func (s *Store) oneQROrder(ctx context.Context, q string, arg any, name string) (*posguard.QROrder, error) {
	return queryOne(ctx, s.DB, "qr order", func() error { return NotFound("qr order", name) }, scanQROrder, q, arg)
}

// QROrders lists orders newest first.
func (s *Store) QROrders(ctx context.Context, f posguard.QROrderFilter) ([]*posguard.QROrder, error) {
	a := s.args()
	q := `SELECT ` + QROrderColumns + ` FROM qr_orders WHERE 1 = 1` + a.Eq("merchant_id", f.MerchantID, "out_order_no", f.OutOrderNo,
		"state", f.State, "created_at >=", f.From, "created_at <", f.To, "id <", max(f.Before, 0))
	return queryAll(ctx, s.DB, "qr orders", scanQROrder, q+` ORDER BY id DESC LIMIT `+a.Add(pageLimit(f.Limit, 50, 1000)), a.List...)
}

// ResumeQRQueues makes every queued order task, refund and notification due
// at now.
func (s *Store) ResumeQRQueues(ctx context.Context, now time.Time) error {
	return s.DB.InTx(ctx, "resume qr queues", func(tx *Tx) error {
		// Many order rows in one transaction: it takes the batches' turn
		// first, as they do (docs/qr.md).
		if t, ok := s.Group.(TurnTaker); ok {
			if _, err := tx.Exec(ctx, "resume qr queues", t.TurnSQL()); err != nil {
				return err
			}
		}
		orders := s.dialectSQL2(resumeQROrdersSQL)
		for _, q := range []string{orders[0], orders[1],
			`UPDATE qr_refunds SET next_attempt = ? WHERE task <> '' AND next_attempt > ?`,
			`UPDATE qr_notices SET next_attempt = ? WHERE state = 'pending' AND next_attempt > ?`,
		} {
			if q == "" {
				continue
			}
			if _, err := tx.Exec(ctx, "resume qr queues", q, s.T(now.UTC()), s.T(now.UTC())); err != nil {
				return err
			}
		}
		return nil
	})
}

// resumeQROrdersSQL are ResumeQRQueues' statements for the orders, for
// PostgreSQL [0] (the orders found through qr_order_keys, then their keys
// moved) and SQLite [1] (the partial index qr_orders_due).
var resumeQROrdersSQL = [2][2]string{
	{`UPDATE qr_orders SET next_attempt = ? WHERE id IN (SELECT id FROM qr_order_keys WHERE due > ?) AND task <> ''`,
		`UPDATE qr_order_keys SET due = ? WHERE due > ?`},
	{`UPDATE qr_orders SET next_attempt = ? WHERE task <> '' AND next_attempt > ?`, ``},
}

// dialectSQL2 is q[0] on PostgreSQL, q[1] on SQLite.
func (s *Store) dialectSQL2(q [2][2]string) [2]string {
	if s.DB.D.Name == "postgres" {
		return q[0]
	}
	return q[1]
}

// DueQROrders returns orders with a task due at now, oldest first.
func (s *Store) DueQROrders(ctx context.Context, now time.Time, limit int) ([]*posguard.QROrder, error) {
	return queryAll(ctx, s.DB, "due qr orders", scanQROrder, s.dialectSQL(DueQROrdersSQL), s.T(now.UTC()), pageLimit(limit, 50, 1000))
}

// DueQROrdersSQL is DueQROrders' read, for PostgreSQL [0] and SQLite [1].
// PostgreSQL takes a page of the order queue from qr_order_keys (its
// partial index on due) and finds the orders by primary key, the ids an
// array as the ledger poster's read has them (UnpostedOrdersSQL), so that
// no generic plan joins the two tables by walking qr_orders; SQLite reads
// the partial index qr_orders_due.
var DueQROrdersSQL = [2]string{
	`SELECT ` + QROrderColumns + ` FROM qr_orders WHERE id = ANY(ARRAY(SELECT id FROM qr_order_keys
		WHERE due <= ? ORDER BY due, id LIMIT ?)) AND task <> '' ORDER BY next_attempt, id`,
	`SELECT ` + QROrderColumns + ` FROM qr_orders
		WHERE task <> '' AND next_attempt <= ? ORDER BY next_attempt, id LIMIT ?`,
}

func scanQROrder(r Row) (*posguard.QROrder, error) {
	var o posguard.QROrder
	var mode, state, task string
	var amount, refunded int64
	err := r.Scan(&o.ID, &o.MerchantID, &o.OutOrderNo, &o.RequestHash, &mode, &o.Channel, &o.ChannelName, &amount, &state,
		&o.Reason, &o.OutTradeNo, &o.TransactionID, TimeCol(&o.PaidAt), &o.AuthCode, &o.TerminalID, &o.Subject, &o.NotifyURL,
		&o.ExpireSeconds, &o.CodeURL, TimeCol(&o.ExpiresAt), TimeCol(&o.Deadline), &task, &o.Attempts, TimeCol(&o.NextAttempt),
		&o.LastError, &o.ReversalState, &refunded, &o.CaseOpened, TimeCol(&o.CreatedAt), TimeCol(&o.UpdatedAt))
	if err != nil {
		return nil, err
	}
	o.Mode, o.State, o.Task = posguard.QRMode(mode), posguard.QRState(state), posguard.QRTask(task)
	o.Amount, o.RefundedAmount = posguard.Amount(amount), posguard.Amount(refunded)
	return &o, nil
}
