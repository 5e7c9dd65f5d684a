package postgres

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/posguard/posguard"
	"github.com/posguard/posguard/sqlstore"
)

// TestPipelineStatementFailure puts a statement that fails inside
// PostgreSQL among pipelined inserts and updates of one batch: the
// committer must run the batch again write by write, so that only the
// failing write fails and every other one is committed exactly once.
func TestPipelineStatementFailure(t *testing.T) {
	s := openGroupTemp(t)
	ctx := context.Background()
	a := groupTxn("000301")
	if err := s.Insert(ctx, a); err != nil {
		t.Fatal(err)
	}
	b, c := groupTxn("000302"), groupTxn("000303")
	bad := func() error {
		var n int
		return s.InGroupStmt(ctx, "bad", &sqlstore.Stmt{
			SQL:  "UPDATE transactions SET reason = 'must_not_stay' WHERE id = ? RETURNING 1/(id - id)",
			Args: []any{a.ID},
			Scan: func(row sqlstore.Row) error { return row.Scan(&n) },
		}, func(context.Context, *sqlstore.Tx) error { return errors.New("no row") })
	}
	before := s.group.Batches()
	errs := inOneBatch(t, s, []func() error{
		func() error { return s.Insert(ctx, b) },
		func() error {
			return s.Update(ctx, posguard.TxnUpdate{ID: a.ID, FromStates: []posguard.State{posguard.StateForwarded},
				State: posguard.StateApproved, Detail: map[string]string{"k": "v"}})
		},
		bad,
		func() error { return s.Insert(ctx, c) },
	})
	var pe *pgconn.PgError
	if !errors.As(errs[2], &pe) || pe.Code != "22012" {
		t.Errorf("failing write: %v, want the division by zero", errs[2])
	}
	for _, i := range []int{0, 1, 3} {
		if errs[i] != nil {
			t.Errorf("write %d: %v", i, errs[i])
		}
	}
	if got := s.group.Batches() - before; got != 1 {
		t.Errorf("%d batches, want 1 (the stall's and the four writes)", got)
	}
	got, err := s.ByID(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != posguard.StateApproved || got.Detail["k"] != "v" || got.Reason == "must_not_stay" {
		t.Errorf("a: state %s, detail %v, reason %q", got.State, got.Detail, got.Reason)
	}
	events, err := s.Events(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 2 {
		t.Errorf("a has %d events, want 2 (insert, one update): the retried batch must not write twice", len(events))
	}
	for _, x := range []*posguard.Transaction{b, c} {
		if x.ID == 0 {
			t.Errorf("insert %s: no ID", x.STAN)
		}
		if got, err := s.ByKey(ctx, x.TxnKey); err != nil || got.ID != x.ID {
			t.Errorf("insert %s: %v, %v (ID %d)", x.STAN, got, err, x.ID)
		}
	}
}
