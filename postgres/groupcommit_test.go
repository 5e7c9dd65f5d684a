package postgres

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/posguard/posguard"
	"github.com/posguard/posguard/storetest"
)

func openGroupTemp(t *testing.T) *Store {
	t.Helper()
	s := openTest(t)
	t.Cleanup(func() { s.Close() })
	return s
}

func groupTxn(stan string) *posguard.Transaction {
	return &posguard.Transaction{
		TxnKey:     posguard.TxnKey{TerminalID: "10000001", Batch: "000001", STAN: stan, MTI: "0200"},
		Type:       posguard.TxnSale,
		MerchantID: "898310048990001",
		Amount:     100,
		Currency:   posguard.CurrencyCNY,
		State:      posguard.StateForwarded,
	}
}

// inOneBatch locks the journal tables from another connection while the
// writes are submitted, so that the committer blocks in the first write and
// finds the others waiting when the lock goes; it returns each write's error
// and checks that exactly one batch ran.
func inOneBatch(t *testing.T, s *Store, writes []func() error) []error {
	t.Helper()
	ctx := context.Background()
	lock, err := s.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Rollback(ctx)
	if _, err := lock.Exec(ctx, "LOCK TABLE transactions, reversals IN SHARE ROW EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	before, taken := s.group.Batches(), s.group.Received()
	errs := make([]error, len(writes))
	var wg sync.WaitGroup
	for i, w := range writes {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = w() }()
	}
	for s.group.Received() == taken || s.group.Queued() < len(writes)-1 {
		runtime.Gosched()
	}
	if err := lock.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if got := s.group.Batches() - before; got != 1 {
		t.Fatalf("%d shared transactions, want 1", got)
	}
	return errs
}

func TestGroupCommitDuplicateInBatch(t *testing.T) {
	s := openGroupTemp(t)
	ctx := context.Background()
	const n = 20
	txns := make([]*posguard.Transaction, n)
	writes := make([]func() error, n)
	for i := range n {
		stan := fmt.Sprintf("%06d", i+1)
		if i == n-1 {
			stan = "000001" // the duplicate
		}
		txns[i] = groupTxn(stan)
		writes[i] = func() error { return s.Insert(ctx, txns[i]) }
	}
	errs := inOneBatch(t, s, writes)
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

func TestGroupCommitFailureKeepsOthers(t *testing.T) {
	s := openGroupTemp(t)
	ctx := context.Background()
	done := groupTxn("000100")
	done.State = posguard.StateApproved
	if err := s.Insert(ctx, done); err != nil {
		t.Fatal(err)
	}
	ok := groupTxn("000101")
	fresh := groupTxn("000102")
	if err := s.Insert(ctx, ok); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		write func() error
		code  string
	}{
		{"update unknown id", func() error { return s.Update(ctx, posguard.TxnUpdate{ID: 999999, State: posguard.StateApproved}) }, posguard.ENOTFOUND},
		{"update wrong state", func() error {
			return s.Update(ctx, posguard.TxnUpdate{ID: done.ID, FromStates: []posguard.State{posguard.StateForwarded}, State: posguard.StateDeclined})
		}, posguard.ECONFLICT},
		{"attempt unknown reversal", func() error { return s.ReversalAttempted(ctx, 424242, s.now(), "x") }, posguard.ENOTFOUND},
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
	errs := inOneBatch(t, s, writes)
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

// TestGroupCommitDurableOnReturn checks, from a connection of its own, that
// every write is committed by the time its caller gets the answer.
func TestGroupCommitDurableOnReturn(t *testing.T) {
	s := openGroupTemp(t)
	ctx := context.Background()
	other, err := pgx.Connect(ctx, s.pool.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close(ctx)
	const n = 50
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		ids []int64
	)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x := groupTxn(fmt.Sprintf("%06d", i+1))
			if err := s.Insert(ctx, x); err != nil {
				errs[i] = err
				return
			}
			mu.Lock()
			defer mu.Unlock() // one pgx.Conn: one query at a time
			var state string
			if err := other.QueryRow(ctx, `SELECT state FROM transactions WHERE id = $1`, x.ID).Scan(&state); err != nil {
				errs[i] = fmt.Errorf("insert %d returned before its commit: %w", i, err)
			}
			ids = append(ids, x.ID)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// TestConformanceGroupCommitOff runs the store suite with every write in a
// transaction of its own.
func TestConformanceGroupCommitOff(t *testing.T) {
	testURL(t)
	storetest.Run(t, func(t *testing.T) posguard.Store {
		s := openTest(t)
		s.SetGroupCommit(false)
		return s
	})
}
