package sqlstore

import (
	"context"
	"database/sql"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/posguard/posguard"
)

// Reconciliation (posguard.ReconStore) keeps its runs, exceptions and late
// lines in the tables of migration 0020_recon (times converted to the
// dialect's encoding by PostgreSQL's 0040) and reads the journal's
// transactions table and the ledger's tables.

var _ posguard.ReconStore = (*Store)(nil)

// Recon returns the store's reconciliation side (posguard.ReconStore).
func (s *Store) Recon() posguard.ReconStore { return s }

// marks returns n comma-separated ? placeholders.
func marks(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

// inChunks calls f with successive chunks of at most 500 of keys, each with
// its arguments and placeholders (an IN list per chunk).
func inChunks[K any](keys []K, f func(args []any, marks string) error) error {
	for len(keys) > 0 {
		n := min(len(keys), 500)
		if err := f(anys(keys[:n]), marks(n)); err != nil {
			return err
		}
		keys = keys[n:]
	}
	return nil
}

// queryIn returns the rows of query, a read ending in "IN (", for keys,
// read in chunks (inChunks); the result is never nil.
func queryIn[T, K any](ctx context.Context, q Reader, op string, scan func(Row) (T, error), query string, keys []K) ([]T, error) {
	out := []T{}
	err := inChunks(keys, func(args []any, in string) error {
		page, err := queryAll(ctx, q, op, scan, query+in+`)`, args...)
		out = append(out, page...)
		return err
	})
	return out, err
}

// queryByKey is queryIn keyed by key; nil on an error.
func queryByKey[T any, K comparable](ctx context.Context, q Reader, op string, scan func(Row) (T, error), query string, keys []K, key func(T) K) (map[K]T, error) {
	rows, err := queryIn(ctx, q, op, scan, query, keys)
	if err != nil {
		return nil, err
	}
	out := make(map[K]T, len(rows))
	for _, v := range rows {
		out[key(v)] = v
	}
	return out, nil
}

// eachRow runs a read and calls f with every row as scan reads it,
// stopping at f's first error; errors are mapped for op.
func eachRow[T any](ctx context.Context, db *DB, op string, scan func(Row) (T, error), f func(T) error, query string, args ...any) error {
	return db.Each(ctx, op, func(r Row) error {
		v, err := scan(r)
		if err != nil {
			return err
		}
		return f(v)
	}, query, args...)
}

// anys returns xs as query arguments; a value of a named string type is
// passed as a plain string.
func anys[T any](xs []T) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		if v := reflect.ValueOf(x); v.Kind() == reflect.String {
			out[i] = v.String()
		} else {
			out[i] = x
		}
	}
	return out
}

const reconTxnCols = `id, type, state, terminal_id, merchant_id, rrn, amount, settlement_date, upstream_stan, upstream_time, pan_masked, orig_id`

func scanReconTxn(r Row) (*posguard.ReconTxn, error) {
	// Plain destinations (then converted): the journal side reads a whole
	// day, and the drivers scan named types by reflection.
	t := &posguard.ReconTxn{}
	var typ, st string
	var amt int64
	err := r.Scan(&t.ID, &typ, &st, &t.TerminalID, &t.MerchantID, &t.RRN, &amt, &t.SettlementDate,
		&t.UpstreamSTAN, &t.UpstreamTime, &t.PANMasked, &t.OrigID)
	t.Type, t.State, t.Amount = posguard.TxnType(typ), posguard.State(st), posguard.Amount(amt)
	return t, err
}

// ReconTxns implements posguard.ReconStore.
func (s *Store) ReconTxns(ctx context.Context, dates []string, types []posguard.TxnType, f func(*posguard.ReconTxn) error) error {
	if len(dates) == 0 || len(types) == 0 {
		return nil
	}
	args := append(anys(dates), anys(types)...)
	return eachRow(ctx, s.DB, "read journal", scanReconTxn, f, `SELECT `+reconTxnCols+` FROM transactions
		WHERE settlement_date IN (`+marks(len(dates))+`) AND type IN (`+marks(len(types))+`)`, args...)
}

// ReconTxnsByID implements posguard.ReconStore.
func (s *Store) ReconTxnsByID(ctx context.Context, ids []int64) ([]*posguard.ReconTxn, error) {
	return queryIn(ctx, s.DB, "read journal", scanReconTxn, `SELECT `+reconTxnCols+` FROM transactions WHERE id IN (`, ids)
}

// runTable is recon_runs, keyed by the run's ID; the report is text.
var runTable = newTable("recon_runs", "", `id, date, clearing_file, clearing_sha, bank_file, bank_sha, report, idents,
	superseded_by, created_at`,
	func(r *posguard.ReconRun) []any {
		return []any{&r.ID, &r.Date, &r.ClearingFile, &r.ClearingSHA, &r.BankFile, &r.BankSHA, asText(&r.Report),
			asJSON(&r.Idents, &noneList), &r.SupersededBy, &r.CreatedAt}
	})

// oneRun returns the first run of the query; ENOTFOUND naming what if none.
func (s *Store) oneRun(ctx context.Context, what, where string, args ...any) (*posguard.ReconRun, error) {
	return runTable.get(ctx, s.DB, "query recon run", func() error { return posguard.Errorf(posguard.ENOTFOUND, "recon run %s not found", what) },
		` WHERE `+where, args...)
}

// RunBySHA implements posguard.ReconStore.
func (s *Store) RunBySHA(ctx context.Context, date, clearingSHA, bankSHA string) (*posguard.ReconRun, error) {
	return s.oneRun(ctx, "of "+date, `date = ? AND clearing_sha = ? AND bank_sha = ?`, date, clearingSHA, bankSHA)
}

// ReconRun implements posguard.ReconStore.
func (s *Store) ReconRun(ctx context.Context, id string) (*posguard.ReconRun, error) {
	return s.oneRun(ctx, strconv.Quote(id), `id = ?`, id)
}

// CurrentRun implements posguard.ReconStore.
func (s *Store) CurrentRun(ctx context.Context, date string) (*posguard.ReconRun, error) {
	return s.oneRun(ctx, "of "+date, `date = ? AND superseded_by = '' ORDER BY created_at DESC, id DESC LIMIT 1`, date)
}

// ReconRuns implements posguard.ReconStore.
func (s *Store) ReconRuns(ctx context.Context, date, before string, limit int) ([]*posguard.ReconRun, error) {
	a := Args{}
	q := ` WHERE 1 = 1` + a.Eq("date", date)
	if before != "" {
		q += ` AND (created_at, id) < (SELECT created_at, id FROM recon_runs WHERE id = ` + a.Add(before) + `)`
	}
	if limit <= 0 || limit > 1000 {
		limit = 50
	}
	return runTable.list(ctx, s.DB, "query recon runs", q+` ORDER BY created_at DESC, id DESC LIMIT `+a.Add(limit), a.List...)
}

// SaveRun implements posguard.ReconStore.
func (s *Store) SaveRun(ctx context.Context, r *posguard.ReconRun, exs []*posguard.ReconException) error {
	return s.DB.InTx(ctx, "save recon run", func(tx *Tx) error {
		n, err := queryOne(ctx, tx, "", nil, one[int], `SELECT COUNT(*) FROM recon_runs WHERE date = ? AND clearing_sha = ? AND bank_sha = ?`,
			r.Date, r.ClearingSHA, r.BankSHA)
		if err != nil {
			return err
		}
		if n > 0 {
			return posguard.Errorf(posguard.ECONFLICT, "a run of %s with these files exists", r.Date)
		}
		if r.CreatedAt.IsZero() {
			r.CreatedAt = s.NowUTC()
		}
		r.CreatedAt = r.CreatedAt.UTC().Truncate(time.Microsecond)
		// Runs are ordered by creation: a run is never created before the
		// latest one (clocks that stand still, as in tests, included).
		last, err := queryOne(ctx, tx, "", nil, one[time.Time], `SELECT MAX(created_at) FROM recon_runs`)
		if err != nil {
			return err
		}
		if !last.IsZero() && !r.CreatedAt.After(last) {
			r.CreatedAt = last.Add(time.Microsecond)
		}
		if _, err := tx.Exec(ctx, "supersede recon run", `UPDATE recon_runs SET superseded_by = ? WHERE date = ? AND superseded_by = ''`,
			r.ID, r.Date); err != nil {
			return err
		}
		v := *r
		v.SupersededBy = ""
		if err := runTable.add(ctx, tx, s, &v, ""); err != nil {
			return err
		}
		return s.putExceptions(ctx, tx, exs)
	})
}

// exceptionTable is recon_exceptions, keyed by ident; the body is text.
var exceptionTable = newTable("recon_exceptions", "", `ident, date, class, status, run_id, txn_id, payout_id, merchant_id,
	hold_amount, case_id, repair_txn_id, body, updated_at`,
	func(e *posguard.ReconException) []any {
		return []any{&e.Ident, &e.Date, &e.Class, &e.Status, &e.RunID, &e.TxnID, &e.PayoutID, &e.MerchantID,
			&e.HoldAmount, &e.CaseID, &e.RepairTxnID, asText(&e.Body), &e.UpdatedAt}
	})

// putExceptions upserts exs inside tx.
func (s *Store) putExceptions(ctx context.Context, tx *Tx, exs []*posguard.ReconException) error {
	now := s.NowUTC()
	for _, e := range exs {
		e.UpdatedAt = now
		if err := exceptionTable.add(ctx, tx, s, e, ` ON CONFLICT (ident) DO UPDATE SET `+
			setExcluded(exceptionTable.cols, "ident", "date", "class")); err != nil {
			return err
		}
	}
	return nil
}

// PutExceptions implements posguard.ReconStore.
func (s *Store) PutExceptions(ctx context.Context, exs []*posguard.ReconException) error {
	if len(exs) == 0 {
		return nil
	}
	return s.DB.InTx(ctx, "put exceptions", func(tx *Tx) error { return s.putExceptions(ctx, tx, exs) })
}

// Exceptions implements posguard.ReconStore.
func (s *Store) Exceptions(ctx context.Context, f posguard.ReconFilter) ([]*posguard.ReconException, error) {
	a := Args{}
	q := ` WHERE 1 = 1` + a.Eq("date", f.Date, "class", f.Class, "status", f.Status, "txn_id", f.TxnID)
	if f.After != "" {
		q += ` AND ident > ` + a.Add(f.After)
	}
	q += ` ORDER BY ident LIMIT ` + a.Add(pageLimit(f.Limit, 100, 10000))
	return exceptionTable.list(ctx, s.DB, "query exceptions", q, a.List...)
}

// ExceptionsByIdent implements posguard.ReconStore.
func (s *Store) ExceptionsByIdent(ctx context.Context, idents []string) (map[string]*posguard.ReconException, error) {
	return queryByKey(ctx, s.DB, "query exceptions", exceptionTable.scan, `SELECT `+exceptionTable.cols+` FROM recon_exceptions WHERE ident IN (`, idents,
		func(e *posguard.ReconException) string { return e.Ident })
}

// MarkLate implements posguard.ReconStore.
func (s *Store) MarkLate(ctx context.Context, txnID int64, txnDate, runDate, runID string) error {
	_, err := s.DB.Exec(ctx, "mark late line", `INSERT INTO recon_late (txn_id, txn_date, run_date, run_id) VALUES (?, ?, ?, ?)
		ON CONFLICT (txn_id) DO UPDATE SET run_date = excluded.run_date, run_id = excluded.run_id`, txnID, txnDate, runDate, runID)
	return err
}

// LateMatched implements posguard.ReconStore.
func (s *Store) LateMatched(ctx context.Context, txnDate string) (map[int64]string, error) {
	out := map[int64]string{}
	return out, s.DB.Each(ctx, "read late lines", func(r Row) error {
		var id int64
		var d string
		err := r.Scan(&id, &d)
		out[id] = d
		return err
	}, `SELECT txn_id, run_date FROM recon_late WHERE txn_date = ?`, txnDate)
}

// LedgerNet implements posguard.ReconStore.
func (s *Store) LedgerNet(ctx context.Context, date string) (posguard.Amount, bool, error) {
	var n int64
	var sum sql.NullInt64
	err := s.DB.QueryRow(ctx, `SELECT COUNT(*), SUM(e.amount) FROM ledger_entries e
		JOIN ledger_postings p ON p.seq = e.seq
		WHERE e.account = 'network_receivable' AND e.date = ? AND p.kind IN ('approval', 'void', 'refund', 'reversal')`, date).Scan(&n, &sum)
	if err != nil {
		return 0, false, s.DB.Err(err, "ledger net")
	}
	return posguard.Amount(sum.Int64), n > 0, nil
}
