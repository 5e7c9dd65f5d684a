package postgres

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/posguard/posguard"
	"github.com/posguard/posguard/sqlstore"
)

// TestGroupCommitStatementErrorsRollBackAlone runs writes whose SQL fails
// inside PostgreSQL (aborting the shared transaction up to the savepoint)
// between good writes in one batch: each failing write must leave no trace,
// and the writes before and after it must be committed.
func TestGroupCommitStatementErrorsRollBackAlone(t *testing.T) {
	s := openGroupTemp(t)
	ctx := context.Background()
	a := groupTxn("000201")
	if err := s.Insert(ctx, a); err != nil {
		t.Fatal(err)
	}
	b, c := groupTxn("000202"), groupTxn("000203")
	failFirst := func() error {
		return s.group.Do(ctx, "fail first", func(ctx context.Context, tx sqlstore.Querier) error {
			_, err := tx.Exec(ctx, "SELECT 1/0")
			return err
		})
	}
	failLater := func() error {
		return s.group.Do(ctx, "fail later", func(ctx context.Context, tx sqlstore.Querier) error {
			if _, err := tx.Exec(ctx, "UPDATE transactions SET reason = 'must_not_stay' WHERE id = $1", a.ID); err != nil {
				return err
			}
			var n int
			return tx.QueryRow(ctx, "SELECT 1/0").Scan(&n)
		})
	}
	failRow := func() error {
		return s.group.Do(ctx, "fail row", func(ctx context.Context, tx sqlstore.Querier) error {
			var n int
			return tx.QueryRow(ctx, "SELECT 1/(id - id) FROM transactions WHERE id = $1", a.ID).Scan(&n)
		})
	}
	cases := []struct {
		name  string
		write func() error
		fails bool
	}{
		{"insert b", func() error { return s.Insert(ctx, b) }, false},
		{"fail on first statement", failFirst, true},
		{"update a", func() error {
			return s.Update(ctx, posguard.TxnUpdate{ID: a.ID, FromStates: []posguard.State{posguard.StateForwarded},
				State: posguard.StateApproved, Detail: map[string]string{"k": "v"}})
		}, false},
		{"fail after a write", failLater, true},
		{"fail in a row", failRow, true},
		{"insert c", func() error { return s.Insert(ctx, c) }, false},
	}
	writes := make([]func() error, len(cases))
	for i, cs := range cases {
		writes[i] = cs.write
	}
	errs := inOneBatch(t, s, writes)
	for i, cs := range cases {
		if (errs[i] != nil) != cs.fails {
			t.Errorf("%s: err %v, want failure %v", cs.name, errs[i], cs.fails)
		}
		var pe *pgconn.PgError
		if cs.fails && (!errors.As(errs[i], &pe) || pe.Code != "22012") {
			t.Errorf("%s: %v, want the division by zero", cs.name, errs[i])
		}
	}
	got, err := s.ByID(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != posguard.StateApproved || got.Detail["k"] != "v" {
		t.Errorf("update of a lost: state %s detail %v", got.State, got.Detail)
	}
	if got.Reason == "must_not_stay" {
		t.Errorf("a failed write's statement was committed")
	}
	for _, x := range []*posguard.Transaction{b, c} {
		if _, err := s.ByKey(ctx, x.TxnKey); err != nil {
			t.Errorf("insert %s lost: %v", x.STAN, err)
		}
	}
}
