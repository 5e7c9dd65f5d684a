package postgres

import (
	"context"
	"runtime"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/posguard/posguard"
	"github.com/posguard/posguard/internal/groupcommit/groupcommittest"
	"github.com/posguard/posguard/sqlstore"
	"github.com/posguard/posguard/storetest"
)

func openGroupTemp(t *testing.T) *Store {
	t.Helper()
	s := openTest(t)
	t.Cleanup(func() { s.Close() })
	return s
}

// groupTxn returns a forwarded sale with this STAN.
func groupTxn(stan string) *posguard.Transaction { return groupcommittest.Txn(stan) }

// groupHarness runs the shared group-commit tests on PostgreSQL: the
// committer is stalled by a write of its own that waits for a lock on the
// journal tables held by another connection (a write that runs by itself,
// not pipelined, so the committer blocks on it before it takes the writes
// under test), and durability is checked from a connection of the test's
// own.
var groupHarness = groupcommittest.Harness{
	Open:      func(t *testing.T) posguard.Store { return openGroupTemp(t) },
	Committer: func(s posguard.Store) groupcommittest.Counters { return s.(*Store).group },
	Stall: func(t *testing.T, ps posguard.Store) (func() bool, func()) {
		s := ps.(*Store)
		ctx := context.Background()
		lock, err := s.pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { lock.Rollback(ctx) })
		if _, err := lock.Exec(ctx, "LOCK TABLE transactions, reversals IN SHARE ROW EXCLUSIVE MODE"); err != nil {
			t.Fatal(err)
		}
		received := s.group.Received()
		stalled := make(chan error, 1)
		go func() {
			stalled <- s.group.Do(ctx, "stall", func(ctx context.Context, tx sqlstore.Querier) error {
				_, err := tx.Exec(ctx, "LOCK TABLE transactions IN ROW EXCLUSIVE MODE")
				return err
			})
		}()
		// The stall write is taken before any write under test is
		// submitted.
		for s.group.Received() == received {
			runtime.Gosched()
		}
		taken := func() bool { return true }
		release := func() {
			if err := lock.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			if err := <-stalled; err != nil {
				t.Fatalf("stalling write: %v", err)
			}
		}
		return taken, release
	},
	StallOwnWrite: true,
	Committed: func(t *testing.T, ps posguard.Store) (func(context.Context, int64) error, func()) {
		ctx := context.Background()
		other, err := pgx.Connect(ctx, ps.(*Store).pool.Config().ConnString())
		if err != nil {
			t.Fatal(err)
		}
		check := func(ctx context.Context, id int64) error {
			var state string
			return other.QueryRow(ctx, `SELECT state FROM transactions WHERE id = $1`, id).Scan(&state)
		}
		return check, func() { other.Close(ctx) }
	},
}

// inOneBatch runs writes so that they all land in one shared transaction.
func inOneBatch(t *testing.T, s *Store, writes []func() error) []error {
	t.Helper()
	return groupcommittest.InOneBatch(t, groupHarness, s, writes)
}

func TestGroupCommitDuplicateInBatch(t *testing.T) { groupcommittest.DuplicateInBatch(t, groupHarness) }

func TestGroupCommitFailureKeepsOthers(t *testing.T) {
	groupcommittest.FailureKeepsOthers(t, groupHarness)
}

// TestGroupCommitDurableOnReturn checks, from a connection of its own, that
// every write is committed by the time its caller gets the answer.
func TestGroupCommitDurableOnReturn(t *testing.T) { groupcommittest.DurableOnReturn(t, groupHarness) }

// TestConformanceGroupCommitOff runs the store suite with every write in a
// transaction of its own.
func TestConformanceGroupCommitOff(t *testing.T) {
	testURL(t)
	storetest.Run(t, func(t *testing.T) posguard.Store {
		s := openTest(t)
		s.SetGroupCommit(false)
		return s
	}, storetest.JournalOnly())
}
