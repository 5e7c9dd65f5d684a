package sqlstore

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/posguard/posguard"
)

// The journal's reads. Its writes (Insert, Update and the reversal queue's)
// are in journal_write.go: they go through group commit.

// Queries of the journal reads, exported for the index tests of each
// database (EXPLAIN must show the index each one relies on).
const (
	// KeyIDSQL is answered from the unique key index alone; ByKey reads
	// the whole row only when there is one (on the sale path the lookup
	// usually finds nothing, and a one-column result is much cheaper to
	// set up than the thirty columns of a transaction).
	KeyIDSQL = `SELECT id FROM transactions
		WHERE terminal_id = ? AND batch = ? AND stan = ? AND mti = ?`
	// ByIDSQL reads one transaction.
	ByIDSQL = `SELECT ` + TxnColumns + ` FROM transactions WHERE id = ?`
	// ByRRNSQL repeats the predicate of the partial index transactions_rrn:
	// SQLite cannot prove rrn <> '' from rrn = ? and would otherwise scan
	// the table (ByRRN never runs with an empty RRN).
	ByRRNSQL = `SELECT ` + TxnColumns + ` FROM transactions
		WHERE rrn = ? AND rrn <> '' AND type <> ? ORDER BY id DESC`
	// DailyUsageSQL is DailyUsage's query (index transactions_daily).
	DailyUsageSQL = `
		SELECT CAST(coalesce(sum(amount), 0) AS BIGINT), count(*) FROM transactions
		WHERE merchant_id = ? AND settlement_date = ?
		  AND type IN ('sale', 'completion')
		  AND state IN ('forwarded', 'approved', 'partially_refunded', 'refunded')`
	// BatchTotalsSQL is BatchTotals' query (served by the unique key
	// index's terminal_id, batch prefix).
	BatchTotalsSQL = `
		SELECT CASE WHEN card_org IN ('', 'CUP') THEN 1 ELSE 0 END AS domestic,
		       CASE WHEN type IN ('sale', 'completion') THEN 1 ELSE 0 END AS debit,
		       CAST(coalesce(sum(amount), 0) AS BIGINT), count(*)
		FROM transactions
		WHERE terminal_id = ? AND batch = ?
		  AND type IN ('sale', 'completion', 'void', 'refund', 'completion_void')
		  AND state IN ('approved', 'voided', 'partially_refunded', 'refunded')
		GROUP BY 1, 2`
	// UnresolvedSQL repeats the predicate of the partial index
	// transactions_open so that the index is used whatever the bound state.
	UnresolvedSQL = `SELECT ` + TxnColumns + ` FROM transactions
		WHERE state = ? AND ` + OpenStatesCond + ` ORDER BY id LIMIT ?`
)

// ByKey returns the transaction with key k; ENOTFOUND if none.
func (s *Store) ByKey(ctx context.Context, k posguard.TxnKey) (*posguard.Transaction, error) {
	notFound := func() error {
		return posguard.Errorf(posguard.ENOTFOUND, "transaction %s/%s/%s/%s not found", k.TerminalID, k.Batch, k.STAN, k.MTI)
	}
	id, err := queryOne(ctx, s.DB, "by key", notFound, one[int64], KeyIDSQL, k.TerminalID, k.Batch, k.STAN, k.MTI)
	if err != nil {
		return nil, err
	}
	return queryOne(ctx, s.DB, "by key", notFound, txnTable.scan, ByIDSQL, id)
}

// ByID returns the transaction with id; ENOTFOUND if none.
func (s *Store) ByID(ctx context.Context, id int64) (*posguard.Transaction, error) {
	return queryOne(ctx, s.DB, "by id", func() error { return posguard.Errorf(posguard.ENOTFOUND, "transaction %d not found", id) },
		txnTable.scan, ByIDSQL, id)
}

// ByRRN returns the financial transactions (type other than reversal)
// carrying rrn, newest first; an empty slice if none.
func (s *Store) ByRRN(ctx context.Context, rrn string) ([]*posguard.Transaction, error) {
	if rrn == "" {
		return []*posguard.Transaction{}, nil
	}
	return queryAll(ctx, s.DB, "by rrn", txnTable.scan, ByRRNSQL, rrn, string(posguard.TxnReversal))
}

// Events returns a transaction's history, oldest first; ENOTFOUND if the
// transaction does not exist.
func (s *Store) Events(ctx context.Context, id int64) ([]posguard.Event, error) {
	out, err := queryAll(ctx, s.DB, "events", eventTable.val, `SELECT `+eventTable.cols+` FROM txn_events WHERE txn_id = ? ORDER BY id`, id)
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

// List returns transactions matching f, newest (highest ID) first: only IDs
// below f.After when set, at most f.Limit (default 50, max 1000).
func (s *Store) List(ctx context.Context, f posguard.TxnFilter) ([]*posguard.Transaction, error) {
	q, args := s.ListSQL(f)
	return queryAll(ctx, s.DB, "list", txnTable.scan, q, args...)
}

// ListSQL returns List's query for f (with ? placeholders) and its
// arguments.
func (s *Store) ListSQL(f posguard.TxnFilter) (string, []any) {
	if f.CardTail != "" || f.Amount != 0 {
		return s.searchSQL(f)
	}
	a := s.args()
	q := `SELECT ` + TxnColumns + ` FROM transactions`
	if where := TxnFilterWhere(f, a); where != "" {
		q += ` WHERE ` + strings.TrimPrefix(where, " AND ")
	}
	q += ` ORDER BY id DESC LIMIT ` + a.Add(pageLimit(f.Limit, 50, 1000))
	return q, a.List
}

// BatchTotals sums a terminal batch for settlement (field 48):
//
//   - debits are sales and completions in state approved, voided,
//     partially_refunded or refunded (a voided or refunded sale still counts;
//     its void or refund counts as a credit);
//   - credits are voids, refunds and completion voids in those same states,
//     i.e. approved by the network and not reversed;
//   - anything reversed, declined, rejected, timed out, forwarded or pending
//     reversal counts nowhere;
//   - a card is domestic when CardOrg is "" or "CUP", foreign otherwise.
func (s *Store) BatchTotals(ctx context.Context, terminalID, batch string) (posguard.BatchTotals, error) {
	var bt posguard.BatchTotals
	return bt, s.DB.Each(ctx, "batch totals", func(r Row) error {
		var domestic, debit, n int
		var sum int64
		if err := r.Scan(&domestic, &debit, &sum, &n); err != nil {
			return err
		}
		switch {
		case domestic == 1 && debit == 1:
			bt.DomesticDebitAmount, bt.DomesticDebitCount = posguard.Amount(sum), n
		case domestic == 1:
			bt.DomesticCreditAmount, bt.DomesticCreditCount = posguard.Amount(sum), n
		case debit == 1:
			bt.ForeignDebitAmount, bt.ForeignDebitCount = posguard.Amount(sum), n
		default:
			bt.ForeignCreditAmount, bt.ForeignCreditCount = posguard.Amount(sum), n
		}
		return nil
	}, BatchTotalsSQL, terminalID, batch)
}

// DailyUsage returns the amount and count of a merchant's sales and
// completions on settlement date date that hold or may hold money: states
// forwarded (in flight), approved, partially_refunded and refunded (a refund
// does not give back daily limit). Voided, reversed, timed-out (on their way
// to reversal), declined, rejected and still-received ones are not counted.
func (s *Store) DailyUsage(ctx context.Context, merchantID, date string) (posguard.Amount, int, error) {
	var sum int64
	var n int
	if err := s.DB.QueryRow(ctx, DailyUsageSQL, merchantID, date).Scan(&sum, &n); err != nil {
		return 0, 0, s.DB.Err(err, "daily usage")
	}
	return posguard.Amount(sum), n, nil
}

// Unresolved returns transactions left forwarded without an outcome (crash
// recovery), oldest first, at most limit (default 50, max 1000).
func (s *Store) Unresolved(ctx context.Context, limit int) ([]*posguard.Transaction, error) {
	return queryAll(ctx, s.DB, "unresolved", txnTable.scan, UnresolvedSQL, string(posguard.StateForwarded), pageLimit(limit, 50, 1000))
}

// MaxID returns the highest transaction ID, 0 for an empty journal.
func (s *Store) MaxID(ctx context.Context) (int64, error) {
	return queryOne(ctx, s.DB, "max id", nil, one[int64], `SELECT coalesce(max(id), 0) FROM transactions`)
}

// TxnColumns are the columns of transactions, txnTable's.
const TxnColumns = `id, terminal_id, batch, stan, mti, type, content_hash, merchant_id,
	pan_masked, pan_hash, issuer_bin, card_org, amount, currency, proc_code, entry_mode,
	settlement_date, rrn, auth_code, response_code, reason, state, orig_id, refunded_amount,
	upstream_stan, upstream_time, answer, detail, created_at, updated_at`

// txnTable is the journal's transactions as they are read (each database
// writes them on its hot path): answer and detail are JSON, NULL when
// there is none, and an empty detail reads as nil.
var txnTable = func() *table[posguard.Transaction] {
	t := newTable("transactions", "id", TxnColumns, func(t *posguard.Transaction) []any {
		return []any{&t.ID, &t.TerminalID, &t.Batch, &t.STAN, &t.MTI, &t.Type, &t.ContentHash, &t.MerchantID,
			&t.PANMasked, &t.PANHash, &t.IssuerBIN, &t.CardOrg, &t.Amount, &t.Currency, &t.ProcCode, &t.EntryMode,
			&t.SettlementDate, &t.RRN, &t.AuthCode, &t.ResponseCode, &t.Reason, &t.State, &t.OrigID, &t.RefundedAmount,
			&t.UpstreamSTAN, &t.UpstreamTime, asJSON(&t.Answer, nil), asJSON(&t.Detail, nil), &t.CreatedAt, &t.UpdatedAt}
	})
	t.fix = func(t *posguard.Transaction) {
		if len(t.Detail) == 0 {
			t.Detail = nil
		}
	}
	return t
}()

// eventTable is txn_events as they are read.
var eventTable = newTable("txn_events", "", `txn_id, at, state, code, reason, note`, func(e *posguard.Event) []any {
	return []any{&e.TxnID, &e.At, &e.State, &e.Code, &e.Reason, &e.Note}
})

// Pre-authorization queries; their predicates repeat those of the partial
// indexes transactions_preauth and transactions_preauth_open (migration
// 0060) so both databases use them.
const (
	// PreAuthsSQL finds a merchant's pre-auths by authorization code.
	PreAuthsSQL = `SELECT ` + TxnColumns + ` FROM transactions
		WHERE merchant_id = ? AND auth_code = ? AND type = 'preauth' ORDER BY id DESC`
	// ExpiringPreAuthsSQL finds approved pre-auths created before a time.
	ExpiringPreAuthsSQL = `SELECT ` + TxnColumns + ` FROM transactions
		WHERE created_at < ? AND type = 'preauth' AND state = 'approved' ORDER BY created_at LIMIT ?`
)

// PreAuths returns the pre-authorizations of merchant merchantID whose
// authorization code (field 38) is authCode, newest first; an empty slice
// if none.
func (s *Store) PreAuths(ctx context.Context, merchantID, authCode string) ([]*posguard.Transaction, error) {
	if authCode == "" {
		return []*posguard.Transaction{}, nil
	}
	return queryAll(ctx, s.DB, "preauths", txnTable.scan, PreAuthsSQL, merchantID, authCode)
}

// ExpiringPreAuths returns approved (open) pre-authorizations created
// before before, oldest first, at most limit (default 50, max 1000).
func (s *Store) ExpiringPreAuths(ctx context.Context, before time.Time, limit int) ([]*posguard.Transaction, error) {
	return queryAll(ctx, s.DB, "expiring preauths", txnTable.scan, ExpiringPreAuthsSQL, s.T(before.UTC()), pageLimit(limit, 50, 1000))
}

// DailyByCardSQL is DailyByCard's query: DailyUsage's rows (index
// transactions_daily) grouped by card, terminal and no-PIN contactless sale.
const DailyByCardSQL = `
	SELECT pan_hash, terminal_id, CASE WHEN entry_mode = '072' AND type = 'sale' THEN 1 ELSE 0 END,
	       CAST(coalesce(sum(amount), 0) AS BIGINT), count(*)
	FROM transactions
	WHERE merchant_id = ? AND settlement_date = ?
	  AND type IN ('sale', 'completion')
	  AND state IN ('forwarded', 'approved', 'partially_refunded', 'refunded')
	GROUP BY 1, 2, 3`

// DailyByCard returns a merchant's debits of settlement date date that
// count against limits (the rows of DailyUsage), summed per card, terminal
// and contactless no-PIN read. The switch reads it once per merchant and
// day, and only for merchants with per-card or per-terminal limits.
func (s *Store) DailyByCard(ctx context.Context, merchantID, date string) ([]posguard.CardUsage, error) {
	return queryAll(ctx, s.DB, "daily by card", func(r Row) (posguard.CardUsage, error) {
		var u posguard.CardUsage
		var noPIN int
		err := r.Scan(&u.PANHash, &u.TerminalID, &noPIN, &u.Amount, &u.Count)
		u.NoPIN = noPIN == 1
		return u, err
	}, DailyByCardSQL, merchantID, date)
}

// checkInsert is EINVALID for a transaction without a type or a state.
func checkInsert(t *posguard.Transaction) error {
	if t == nil || t.Type == "" || t.State == "" {
		return posguard.Errorf(posguard.EINVALID, "insert: a transaction needs a type and a state")
	}
	return nil
}

// encodeAnswer returns the JSON text of a for its column, or NULL (nil) for
// no answer.
func encodeAnswer(a *posguard.Answer) (any, error) { return encodeJSON(a, a == nil, "answer") }

// encodeDetail returns the JSON text of d for its column, or NULL (nil) when
// d is empty.
func encodeDetail(d map[string]string) (any, error) { return encodeJSON(d, len(d) == 0, "detail") }

// encodeJSON returns the JSON text of v (what in errors) for its column,
// or NULL (nil) when none.
func encodeJSON(v any, none bool, what string) (any, error) {
	if none {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, posguard.WrapError(posguard.EINTERNAL, err, "encode %s", what)
	}
	return string(b), nil
}
