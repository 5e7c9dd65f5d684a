// Package groupcommittest holds the group-commit tests that every posguard
// store runs: writes of one shared transaction that conflict, fail or
// succeed independently, and durability by the time a caller gets its
// answer. A store's test file describes how to open it, how to stall its
// committer and how to look at it from another connection (Harness); the
// tests here do the rest.
package groupcommittest

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/posguard/posguard"
)

// Counters is what the tests read of a store's committer.
type Counters interface {
	// Batches is the number of shared transactions run so far.
	Batches() int64
	// Queued is the number of writes waiting for a batch.
	Queued() int
}

// Harness is how the tests reach one store implementation.
type Harness struct {
	// Open returns a fresh, empty store with group commit on; the test's
	// cleanup closes it.
	Open func(t *testing.T) posguard.Store
	// Committer returns the committer of a store Open returned.
	Committer func(s posguard.Store) Counters
	// Stall makes the committer block in the next write it runs. taken
	// reports once the committer has taken that write (and so blocks);
	// release lets it go on.
	Stall func(t *testing.T, s posguard.Store) (taken func() bool, release func())
	// StallOwnWrite says that Stall blocks the committer in a write of its
	// own rather than in the next write submitted: then every write under
	// test queues behind it.
	StallOwnWrite bool
	// Committed opens a connection of the test's own and returns a check
	// that reports an error unless the transaction with this ID is
	// committed and visible there; done closes the connection. The check
	// is called from one goroutine at a time.
	Committed func(t *testing.T, s posguard.Store) (check func(ctx context.Context, id int64) error, done func())
}

// Txn returns a forwarded sale of the test terminal with this STAN.
func Txn(stan string) *posguard.Transaction {
	return &posguard.Transaction{
		TxnKey:     posguard.TxnKey{TerminalID: "10000001", Batch: "000001", STAN: stan, MTI: "0200"},
		Type:       posguard.TxnSale,
		MerchantID: "898310048990001",
		Amount:     100,
		Currency:   posguard.CurrencyCNY,
		State:      posguard.StateForwarded,
	}
}

// InOneBatch stalls the committer while the writes are submitted, so that it
// finds all of them waiting and puts them in one shared transaction; it
// returns each write's error and checks that exactly one batch ran.
func InOneBatch(t *testing.T, h Harness, s posguard.Store, writes []func() error) []error {
	t.Helper()
	c := h.Committer(s)
	before := c.Batches()
	taken, release := h.Stall(t, s)
	errs := make([]error, len(writes))
	var wg sync.WaitGroup
	for i, w := range writes {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = w() }()
	}
	// The committer takes the first write (or the stall's own) and
	// blocks; the others wait in the queue.
	queued := len(writes) - 1
	if h.StallOwnWrite {
		queued = len(writes)
	}
	for !taken() || c.Queued() < queued {
		runtime.Gosched()
	}
	release()
	wg.Wait()
	if got := c.Batches() - before; got != 1 {
		t.Fatalf("%d shared transactions, want 1", got)
	}
	return errs
}

// DuplicateInBatch checks that of two inserts of one key in a batch exactly
// one fails with ECONFLICT and every other write of the batch is kept.
func DuplicateInBatch(t *testing.T, h Harness) {
	s := h.Open(t)
	ctx := context.Background()
	const n = 20
	txns := make([]*posguard.Transaction, n)
	writes := make([]func() error, n)
	for i := range n {
		stan := fmt.Sprintf("%06d", i+1)
		if i == n-1 {
			stan = "000001" // the duplicate
		}
		txns[i] = Txn(stan)
		writes[i] = func() error { return s.Insert(ctx, txns[i]) }
	}
	errs := InOneBatch(t, h, s, writes)
	conflicts := 0
	for i, err := range errs {
		switch posguard.ErrorCode(err) {
		case "":
			got, err := s.ByKey(ctx, txns[i].TxnKey)
			if err != nil || got.ID != txns[i].ID {
				t.Errorf("write %d succeeded but reads back %v, %v", i, got, err)
			}
		case posguard.ECONFLICT:
			conflicts++
			if txns[i].ID != 0 {
				t.Errorf("conflicting write %d got an ID", i)
			}
		default:
			t.Errorf("write %d: %v", i, err)
		}
	}
	if conflicts != 1 {
		t.Fatalf("%d conflicts, want 1", conflicts)
	}
	list, err := s.List(ctx, posguard.TxnFilter{Limit: 1000})
	if err != nil || len(list) != n-1 {
		t.Fatalf("%d rows (%v), want %d", len(list), err, n-1)
	}
}

// FailureKeepsOthers checks that failing writes of a batch get their own
// error codes while the successful ones of the same batch are committed.
func FailureKeepsOthers(t *testing.T, h Harness) {
	s := h.Open(t)
	ctx := context.Background()
	done := Txn("000100")
	done.State = posguard.StateApproved
	if err := s.Insert(ctx, done); err != nil {
		t.Fatal(err)
	}
	ok := Txn("000101")
	fresh := Txn("000102")
	if err := s.Insert(ctx, ok); err != nil {
		t.Fatal(err)
	}
	next := time.Now().UTC().Truncate(time.Microsecond)
	cases := []struct {
		name  string
		write func() error
		code  string
	}{
		{"update unknown id", func() error { return s.Update(ctx, posguard.TxnUpdate{ID: 999999, State: posguard.StateApproved}) }, posguard.ENOTFOUND},
		{"update wrong state", func() error {
			return s.Update(ctx, posguard.TxnUpdate{ID: done.ID, FromStates: []posguard.State{posguard.StateForwarded}, State: posguard.StateDeclined})
		}, posguard.ECONFLICT},
		{"attempt unknown reversal", func() error { return s.ReversalAttempted(ctx, 424242, next, "x") }, posguard.ENOTFOUND},
		{"complete unknown reversal", func() error { return s.CompleteReversal(ctx, 424243, posguard.TxnUpdate{}) }, posguard.ENOTFOUND},
		{"update with reversal", func() error {
			return s.Update(ctx, posguard.TxnUpdate{ID: ok.ID, State: posguard.StateTimedOut, QueueReversal: &posguard.Reversal{Reason: "test"}})
		}, ""},
		{"insert", func() error { return s.Insert(ctx, fresh) }, ""},
	}
	writes := make([]func() error, len(cases))
	for i, c := range cases {
		writes[i] = c.write
	}
	errs := InOneBatch(t, h, s, writes)
	for i, c := range cases {
		if got := posguard.ErrorCode(errs[i]); got != c.code {
			t.Errorf("%s: code %q (%v), want %q", c.name, got, errs[i], c.code)
		}
	}
	got, err := s.ByID(ctx, ok.ID)
	if err != nil || got.State != posguard.StateTimedOut {
		t.Fatalf("updated transaction: %v, %v", got, err)
	}
	if _, err := s.PendingReversalFor(ctx, ok.ID); err != nil {
		t.Fatalf("queued reversal lost: %v", err)
	}
	if _, err := s.ByID(ctx, fresh.ID); err != nil {
		t.Fatalf("inserted transaction lost: %v", err)
	}
	if got, _ := s.ByID(ctx, done.ID); got.State != posguard.StateApproved {
		t.Fatalf("conflicting update changed the row: %s", got.State)
	}
}

// DurableOnReturn checks, from a connection of its own, that every write is
// committed by the time its caller gets the answer.
func DurableOnReturn(t *testing.T, h Harness) {
	s := h.Open(t)
	ctx := context.Background()
	check, closeCheck := h.Committed(t, s)
	defer closeCheck()
	const n = 50
	var (
		wg sync.WaitGroup
		mu sync.Mutex // the check runs for one goroutine at a time
	)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x := Txn(fmt.Sprintf("%06d", i+1))
			if err := s.Insert(ctx, x); err != nil {
				errs[i] = err
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if err := check(ctx, x.ID); err != nil {
				errs[i] = fmt.Errorf("insert %d returned before its commit: %w", i, err)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}
