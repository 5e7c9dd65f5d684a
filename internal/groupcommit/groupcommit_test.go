package groupcommit

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/posguard/posguard"
)

// memTx is a fake shared transaction over a map: writes run against a
// scratch copy per savepoint; Commit publishes the committed state.
type memTx struct {
	db    *memDB
	state map[string]int
}

// memDB is the committed state and the commit count of a fake database.
type memDB struct {
	mu        sync.Mutex
	committed map[string]int
	commits   int
	gate      chan struct{} // when set, Begin waits for it to close
	started   chan struct{} // closed when the gated Begin is entered
	pipe      bool          // Begin returns a Pipeliner
	eager     bool          // the Pipeliner asks for each statement at once
	pipelines []int         // the number of statements of each RunStmts call
	refuse    int           // commits still to answer ErrRunAgain
	begins    int           // transactions begun
}

func (tx *memTx) Run(ctx context.Context, w Write[map[string]int]) (bool, error) {
	scratch := make(map[string]int, len(tx.state))
	for k, v := range tx.state {
		scratch[k] = v
	}
	if err := w(ctx, scratch); err != nil {
		if errors.Is(err, errBreak) {
			return false, err
		}
		return true, err // rolled back to the savepoint: scratch dropped
	}
	tx.state = scratch
	return true, nil
}

func (tx *memTx) Commit(context.Context) error {
	tx.db.mu.Lock()
	defer tx.db.mu.Unlock()
	if tx.db.refuse > 0 {
		tx.db.refuse--
		return ErrRunAgain
	}
	tx.db.committed = tx.state
	tx.db.commits++
	return nil
}

func (tx *memTx) Rollback(context.Context) {}

// errBreak makes the fake savepoint machinery fail.
var errBreak = errors.New("savepoint broken")

func newMem(t *testing.T) (*memDB, *Committer[map[string]int]) {
	db := &memDB{committed: map[string]int{}}
	c := New(Config[map[string]int]{
		Prefix: "mem",
		Begin: func(ctx context.Context) (Batch[map[string]int], error) {
			if db.gate != nil {
				close(db.started)
				<-db.gate
				db.gate = nil
			}
			db.mu.Lock()
			defer db.mu.Unlock()
			db.begins++
			state := make(map[string]int, len(db.committed))
			for k, v := range db.committed {
				state[k] = v
			}
			tx := &memTx{db: db, state: state}
			if db.pipe {
				return &pipeMemTx{tx}, nil
			}
			return tx, nil
		},
		Solo: func(ctx context.Context, name string, w Write[map[string]int]) error {
			db.mu.Lock()
			defer db.mu.Unlock()
			if err := w(ctx, db.committed); err != nil {
				return err
			}
			db.commits++
			return nil
		},
		DBError: func(err error, op string) error {
			return posguard.WrapError(posguard.EINTERNAL, err, "mem: %s", op)
		},
	})
	t.Cleanup(c.Close)
	return db, c
}

// submitHeld submits the writes in order while the committer is held in
// Begin (the first write is the one it holds), then lets it go on; it
// returns each write's error and the number of batches run.
func submitHeld(t *testing.T, db *memDB, c *Committer[map[string]int], writes []Write[map[string]int]) ([]error, int64) {
	t.Helper()
	fns := make([]func() error, len(writes))
	for i, w := range writes {
		fns[i] = func() error { return c.Do(context.Background(), "w", w) }
	}
	return submitHeldFn(t, db, c, fns)
}

// submitHeldFn is submitHeld for writes given as calls.
func submitHeldFn(t *testing.T, db *memDB, c *Committer[map[string]int], writes []func() error) ([]error, int64) {
	t.Helper()
	db.gate, db.started = make(chan struct{}), make(chan struct{})
	gate := db.gate
	before := c.Batches()
	errs := make([]error, len(writes))
	var wg sync.WaitGroup
	for i, w := range writes {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = w() }()
		if i == 0 {
			<-db.started
			continue
		}
		for c.Queued() < i {
			runtime.Gosched()
		}
	}
	close(gate)
	wg.Wait()
	return errs, c.Batches() - before
}

func set(k string, v int) Write[map[string]int] {
	return func(_ context.Context, m map[string]int) error { m[k] = v; return nil }
}

func fail(code string) Write[map[string]int] {
	return func(_ context.Context, m map[string]int) error {
		m["poison"] = 1
		return posguard.Errorf(code, "refused")
	}
}

func TestBatchIsolatesFailures(t *testing.T) {
	db, c := newMem(t)
	writes := []Write[map[string]int]{set("a", 1), fail(posguard.ECONFLICT), set("b", 2), fail(posguard.ENOTFOUND), set("c", 3)}
	want := []string{"", posguard.ECONFLICT, "", posguard.ENOTFOUND, ""}
	errs, batches := submitHeld(t, db, c, writes)
	if batches != 1 {
		t.Fatalf("%d batches, want 1", batches)
	}
	for i, err := range errs {
		if got := posguard.ErrorCode(err); got != want[i] {
			t.Errorf("write %d: %v, want code %q", i, err, want[i])
		}
	}
	if db.commits != 1 || db.committed["a"] != 1 || db.committed["b"] != 2 || db.committed["c"] != 3 || db.committed["poison"] != 0 {
		t.Fatalf("committed %v after %d commits", db.committed, db.commits)
	}
}

// TestBrokenBatch checks that when the savepoint machinery fails, every
// write of that batch fails with EUNAVAILABLE and nothing of it is
// committed, while writes still waiting go on in the next batch.
func TestBrokenBatch(t *testing.T) {
	db, c := newMem(t)
	broken := func(context.Context, map[string]int) error { return errBreak }
	errs, batches := submitHeld(t, db, c, []Write[map[string]int]{set("a", 1), broken, set("b", 2)})
	want := []string{posguard.EUNAVAILABLE, posguard.EUNAVAILABLE, ""}
	for i, err := range errs {
		if got := posguard.ErrorCode(err); got != want[i] {
			t.Errorf("write %d: %v, want code %q", i, err, want[i])
		}
	}
	if batches != 2 || db.commits != 1 || db.committed["a"] != 0 || db.committed["b"] != 2 {
		t.Fatalf("%d batches, %d commits, committed %v", batches, db.commits, db.committed)
	}
}

// TestCommitRunAgain: a commit that asks for it (ErrRunAgain) has the
// whole batch run again in a new transaction, once; a failing write still
// fails alone. Asked a second time, the batch fails and nothing is kept.
func TestCommitRunAgain(t *testing.T) {
	db, c := newMem(t)
	db.refuse = 1
	errs, batches := submitHeld(t, db, c, []Write[map[string]int]{set("a", 1), fail(posguard.ECONFLICT), set("b", 2)})
	if errs[0] != nil || posguard.ErrorCode(errs[1]) != posguard.ECONFLICT || errs[2] != nil || batches != 1 {
		t.Fatalf("errs %v, batches %d", errs, batches)
	}
	if db.committed["a"] != 1 || db.committed["b"] != 2 || db.commits != 1 || db.begins != 2 {
		t.Fatalf("committed %v in %d commits, %d transactions begun", db.committed, db.commits, db.begins)
	}
	db.refuse = 2
	errs, _ = submitHeld(t, db, c, []Write[map[string]int]{set("c", 3), set("d", 4)})
	for _, err := range errs {
		if err == nil {
			t.Fatalf("refused twice: errs %v", errs)
		}
	}
	if _, ok := db.committed["c"]; ok || db.commits != 1 || db.begins != 4 {
		t.Fatalf("refused twice: committed %v in %d commits, %d transactions begun", db.committed, db.commits, db.begins)
	}
}

func TestDoModes(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	cases := []struct {
		name    string
		on      bool
		ctx     context.Context
		code    string
		commits int
	}{
		{"grouped", true, context.Background(), "", 1},
		{"solo", false, context.Background(), "", 1},
		{"cancelled before submit", true, cancelled, posguard.EINTERNAL, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db, c := newMem(t)
			c.SetOn(tc.on)
			err := c.Do(tc.ctx, "w", set("k", 7))
			if posguard.ErrorCode(err) != tc.code {
				t.Fatalf("Do: %v, want code %q", err, tc.code)
			}
			db.mu.Lock()
			defer db.mu.Unlock()
			if db.commits != tc.commits || (tc.commits > 0 && db.committed["k"] != 7) {
				t.Fatalf("%d commits, state %v", db.commits, db.committed)
			}
		})
	}
}

func TestDoAfterClose(t *testing.T) {
	_, c := newMem(t)
	if err := c.Do(context.Background(), "first", set("a", 1)); err != nil {
		t.Fatal(err)
	}
	c.Close()
	c.Close() // idempotent
	if err := c.Do(context.Background(), "late", set("b", 2)); posguard.ErrorCode(err) != posguard.EUNAVAILABLE {
		t.Fatalf("after close: %v, want EUNAVAILABLE", err)
	}
}

// TestWindow: without a window a lone write commits at once; with one, a
// write that arrives while the batch is open joins it.
func TestWindow(t *testing.T) {
	db, c := newMem(t)
	if err := c.Do(context.Background(), "alone", set("a", 1)); err != nil {
		t.Fatal(err)
	}
	if c.Batches() != 1 || db.commits != 1 {
		t.Fatalf("batches %d, commits %d after a lone write; want 1, 1", c.Batches(), db.commits)
	}

	c.SetWindow(2 * time.Second)
	done := make(chan error, 1)
	go func() { done <- c.Do(context.Background(), "first", set("b", 2)) }()
	for c.Received() < 2 {
		runtime.Gosched()
	}
	// The first write is in an open batch: the second joins it.
	if err := c.Do(context.Background(), "second", set("c", 3)); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := c.Batches(); got != 2 {
		t.Errorf("batches = %d, want 2: the second write should have joined the windowed batch", got)
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.commits != 2 || db.committed["b"] != 2 || db.committed["c"] != 3 {
		t.Errorf("commits %d, state %v", db.commits, db.committed)
	}
}
