package groupcommit

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/posguard/posguard"
)

// pipeMemTx is a memTx that also pipelines memStmt writes.
type pipeMemTx struct{ *memTx }

// memStmt sets key to val; dbFail makes it fail "inside the database".
type memStmt struct {
	key    string
	val    int
	dbFail bool
}

var errDBFail = errors.New("statement failed in the database")

func (tx *pipeMemTx) Eager() bool { return tx.db.eager }

func (tx *pipeMemTx) RunStmts(ctx context.Context, stmts []any) ([]error, bool, error) {
	tx.db.mu.Lock()
	tx.db.pipelines = append(tx.db.pipelines, len(stmts))
	tx.db.mu.Unlock()
	errs := make([]error, len(stmts))
	for _, st := range stmts {
		m := st.(memStmt)
		if m.dbFail {
			tx.state["poison"] = 1 // what the failed transaction may hold: must not stay
			return nil, true, nil
		}
		tx.state[m.key] = m.val
	}
	return errs, false, nil
}

// stmtWrite submits m as a statement write, with its closure form.
func stmtWrite(c *Committer[map[string]int], m memStmt) func() error {
	return func() error {
		return c.DoStmt(context.Background(), "stmt", m, func(_ context.Context, state map[string]int) error {
			if m.dbFail {
				state["poison"] = 1
				return posguard.Errorf(posguard.EINTERNAL, "refused alone")
			}
			state[m.key] = m.val
			return nil
		})
	}
}

// TestPipelineGroupsStatements: consecutive statement writes go to the
// database together, a write that is not a statement first sends those
// before it, and all of them share one commit.
func TestPipelineGroupsStatements(t *testing.T) {
	db, c := newMem(t)
	db.pipe = true
	errs, batches := submitHeldFn(t, db, c, []func() error{
		stmtWrite(c, memStmt{key: "a", val: 1}),
		stmtWrite(c, memStmt{key: "b", val: 2}),
		func() error { return c.Do(context.Background(), "closure", set("c", 3)) },
		stmtWrite(c, memStmt{key: "d", val: 4}),
		stmtWrite(c, memStmt{key: "e", val: 5}),
	})
	for i, err := range errs {
		if err != nil {
			t.Errorf("write %d: %v", i, err)
		}
	}
	if batches != 1 || db.commits != 1 {
		t.Fatalf("%d batches, %d commits; want 1, 1", batches, db.commits)
	}
	if want := []int{2, 2}; !slices.Equal(db.pipelines, want) {
		t.Errorf("pipelines %v, want %v (a b | closure | d e)", db.pipelines, want)
	}
	for k, v := range map[string]int{"a": 1, "b": 2, "c": 3, "d": 4, "e": 5} {
		if db.committed[k] != v {
			t.Errorf("committed %v, want %s=%d", db.committed, k, v)
		}
	}
}

// TestPipelineRetry: a statement that fails inside the database makes the
// committer run the batch again write by write: the failing write fails
// alone, the others are committed once, nothing of the first try stays.
func TestPipelineRetry(t *testing.T) {
	db, c := newMem(t)
	db.pipe = true
	errs, batches := submitHeldFn(t, db, c, []func() error{
		stmtWrite(c, memStmt{key: "a", val: 1}),
		func() error { return c.Do(context.Background(), "closure", set("b", 2)) },
		stmtWrite(c, memStmt{key: "bad", dbFail: true}),
		stmtWrite(c, memStmt{key: "d", val: 4}),
	})
	want := []string{"", "", posguard.EINTERNAL, ""}
	for i, err := range errs {
		if got := posguard.ErrorCode(err); got != want[i] {
			t.Errorf("write %d: %v, want code %q", i, err, want[i])
		}
	}
	if batches != 1 || db.commits != 1 {
		t.Fatalf("%d batches, %d commits; want 1, 1", batches, db.commits)
	}
	if db.committed["a"] != 1 || db.committed["b"] != 2 || db.committed["d"] != 4 || db.committed["poison"] != 0 {
		t.Errorf("committed %v", db.committed)
	}
}

// TestPipelineSolo: with grouping off a statement write runs its closure.
func TestPipelineSolo(t *testing.T) {
	db, c := newMem(t)
	db.pipe = true
	c.SetOn(false)
	if err := stmtWrite(c, memStmt{key: "a", val: 1})(); err != nil {
		t.Fatal(err)
	}
	if db.committed["a"] != 1 || len(db.pipelines) != 0 {
		t.Errorf("committed %v, pipelines %v", db.committed, db.pipelines)
	}
}

// TestPipelineEager: an Eager pipeliner gets each statement write as the
// batch takes it, still without a savepoint, and the batch shares one
// commit.
func TestPipelineEager(t *testing.T) {
	db, c := newMem(t)
	db.pipe, db.eager = true, true
	errs, batches := submitHeldFn(t, db, c, []func() error{
		stmtWrite(c, memStmt{key: "a", val: 1}),
		stmtWrite(c, memStmt{key: "b", val: 2}),
		stmtWrite(c, memStmt{key: "c", val: 3}),
	})
	for i, err := range errs {
		if err != nil {
			t.Errorf("write %d: %v", i, err)
		}
	}
	if batches != 1 || db.commits != 1 {
		t.Fatalf("%d batches, %d commits; want 1, 1", batches, db.commits)
	}
	if want := []int{1, 1, 1}; !slices.Equal(db.pipelines, want) {
		t.Errorf("pipelines %v, want %v", db.pipelines, want)
	}
	if db.committed["a"] != 1 || db.committed["b"] != 2 || db.committed["c"] != 3 {
		t.Errorf("committed %v", db.committed)
	}
}
