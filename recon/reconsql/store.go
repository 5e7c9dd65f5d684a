// Package reconsql implements posguard.ReconStore once for both stores, over
// the SQL core (sqlstore.DB): sqlite/ and postgres/ hand it their handle.
// The schema is each store's migration 0020_recon.sql; the journal is read
// from the transactions table of migration 0001 and the ledger's tables of
// 0004.
package reconsql

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/sqlstore"
)

// Store is the ReconStore over the SQL core's handle (its dialect rewrites
// placeholders and maps errors; writes go to its writer, reads to its
// readers).
type Store struct {
	// Now is the clock for times the store sets; time.Now when nil.
	Now func() time.Time

	db *sqlstore.DB
}

var _ posguard.ReconStore = (*Store)(nil)

// New returns a Store over db.
func New(db *sqlstore.DB) *Store { return &Store{db: db} }

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

const txnCols = `id, type, state, terminal_id, merchant_id, rrn, amount, settlement_date, upstream_stan, upstream_time, pan_masked, orig_id`

func scanTxn(rows sqlstore.Row, t *posguard.ReconTxn) error {
	var typ, st string
	var amt int64
	if err := rows.Scan(&t.ID, &typ, &st, &t.TerminalID, &t.MerchantID, &t.RRN, &amt, &t.SettlementDate,
		&t.UpstreamSTAN, &t.UpstreamTime, &t.PANMasked, &t.OrigID); err != nil {
		return err
	}
	t.Type, t.State, t.Amount = posguard.TxnType(typ), posguard.State(st), posguard.Amount(amt)
	return nil
}

// ReconTxns implements posguard.ReconStore.
func (s *Store) ReconTxns(ctx context.Context, dates []string, types []posguard.TxnType, f func(*posguard.ReconTxn) error) error {
	if len(dates) == 0 || len(types) == 0 {
		return nil
	}
	args := make([]any, 0, len(dates)+len(types))
	for _, d := range dates {
		args = append(args, d)
	}
	for _, t := range types {
		args = append(args, string(t))
	}
	rows, err := s.db.Query(ctx, "read journal", `SELECT `+txnCols+` FROM transactions
		WHERE settlement_date IN (`+placeholders(len(dates))+`) AND type IN (`+placeholders(len(types))+`)`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		t := &posguard.ReconTxn{}
		if err := scanTxn(rows, t); err != nil {
			return s.db.Err(err, "scan journal")
		}
		if err := f(t); err != nil {
			return err
		}
	}
	return s.db.Err(rows.Err(), "read journal")
}

// ReconTxnsByID implements posguard.ReconStore.
func (s *Store) ReconTxnsByID(ctx context.Context, ids []int64) ([]*posguard.ReconTxn, error) {
	var out []*posguard.ReconTxn
	for len(ids) > 0 {
		n := min(len(ids), 500)
		args := make([]any, n)
		for i, id := range ids[:n] {
			args[i] = id
		}
		ids = ids[n:]
		rows, err := s.db.Query(ctx, "read journal", `SELECT `+txnCols+` FROM transactions WHERE id IN (`+placeholders(n)+`)`, args...)
		if err != nil {
			return nil, err
		}
		page, err := sqlstore.Collect(s.db, rows, "scan journal", func(r sqlstore.Row) (*posguard.ReconTxn, error) {
			t := &posguard.ReconTxn{}
			return t, scanTxn(r, t)
		})
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
	}
	return out, nil
}

const runCols = `id, date, clearing_file, clearing_sha, bank_file, bank_sha, report, idents, superseded_by, created_at`

func (s *Store) queryRuns(ctx context.Context, q string, args ...any) ([]*posguard.ReconRun, error) {
	rows, err := s.db.Query(ctx, "query recon runs", q, args...)
	if err != nil {
		return nil, err
	}
	return sqlstore.Collect(s.db, rows, "scan recon run", func(row sqlstore.Row) (*posguard.ReconRun, error) {
		r := &posguard.ReconRun{}
		var report, idents string
		var created int64
		if err := row.Scan(&r.ID, &r.Date, &r.ClearingFile, &r.ClearingSHA, &r.BankFile, &r.BankSHA, &report, &idents,
			&r.SupersededBy, &created); err != nil {
			return nil, err
		}
		r.Report = []byte(report)
		if err := json.Unmarshal([]byte(idents), &r.Idents); err != nil {
			return nil, posguard.WrapError(posguard.EINTERNAL, err, "recon run %s: idents", r.ID)
		}
		r.CreatedAt = time.Unix(0, created).UTC()
		return r, nil
	})
}

func (s *Store) oneRun(ctx context.Context, what, q string, args ...any) (*posguard.ReconRun, error) {
	rs, err := s.queryRuns(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, posguard.Errorf(posguard.ENOTFOUND, "recon run %s not found", what)
	}
	return rs[0], nil
}

// RunBySHA implements posguard.ReconStore.
func (s *Store) RunBySHA(ctx context.Context, date, clearingSHA, bankSHA string) (*posguard.ReconRun, error) {
	return s.oneRun(ctx, "of "+date, `SELECT `+runCols+` FROM recon_runs WHERE date = ? AND clearing_sha = ? AND bank_sha = ?`,
		date, clearingSHA, bankSHA)
}

// ReconRun implements posguard.ReconStore.
func (s *Store) ReconRun(ctx context.Context, id string) (*posguard.ReconRun, error) {
	return s.oneRun(ctx, strconv.Quote(id), `SELECT `+runCols+` FROM recon_runs WHERE id = ?`, id)
}

// CurrentRun implements posguard.ReconStore.
func (s *Store) CurrentRun(ctx context.Context, date string) (*posguard.ReconRun, error) {
	return s.oneRun(ctx, "of "+date, `SELECT `+runCols+` FROM recon_runs WHERE date = ? AND superseded_by = ''
		ORDER BY created_at DESC, id DESC LIMIT 1`, date)
}

// ReconRuns implements posguard.ReconStore.
func (s *Store) ReconRuns(ctx context.Context, date, before string, limit int) ([]*posguard.ReconRun, error) {
	q := `SELECT ` + runCols + ` FROM recon_runs WHERE 1 = 1`
	var args []any
	if date != "" {
		q += ` AND date = ?`
		args = append(args, date)
	}
	if before != "" {
		q += ` AND (created_at, id) < (SELECT created_at, id FROM recon_runs WHERE id = ?)`
		args = append(args, before)
	}
	if limit <= 0 || limit > 1000 {
		limit = 50
	}
	q += ` ORDER BY created_at DESC, id DESC LIMIT ?`
	args = append(args, limit)
	return s.queryRuns(ctx, q, args...)
}

// SaveRun implements posguard.ReconStore.
func (s *Store) SaveRun(ctx context.Context, r *posguard.ReconRun, exs []*posguard.ReconException) error {
	return s.db.InTx(ctx, "save recon run", func(tx *sqlstore.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM recon_runs WHERE date = ? AND clearing_sha = ? AND bank_sha = ?`,
			r.Date, r.ClearingSHA, r.BankSHA).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return posguard.Errorf(posguard.ECONFLICT, "a run of %s with these files exists", r.Date)
		}
		if r.CreatedAt.IsZero() {
			r.CreatedAt = s.now()
		}
		// Runs are ordered by creation: a run is never created before the
		// latest one (clocks that stand still, as in tests, included).
		var last sql.NullInt64
		if err := tx.QueryRow(ctx, `SELECT MAX(created_at) FROM recon_runs`).Scan(&last); err != nil {
			return err
		}
		if last.Valid && r.CreatedAt.UnixNano() <= last.Int64 {
			r.CreatedAt = time.Unix(0, last.Int64+1).UTC()
		}
		idents, _ := json.Marshal(r.Idents)
		if r.Idents == nil {
			idents = []byte("[]")
		}
		if _, err := tx.Exec(ctx, "supersede recon run", `UPDATE recon_runs SET superseded_by = ? WHERE date = ? AND superseded_by = ''`,
			r.ID, r.Date); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "insert recon run", `INSERT INTO recon_runs (`+runCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', ?)`,
			r.ID, r.Date, r.ClearingFile, r.ClearingSHA, r.BankFile, r.BankSHA, string(r.Report), string(idents),
			r.CreatedAt.UnixNano()); err != nil {
			return err
		}
		return s.putTx(ctx, tx, exs)
	})
}
