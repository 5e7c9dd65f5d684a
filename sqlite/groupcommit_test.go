package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/internal/groupcommit/groupcommittest"
	"github.com/posguard/posguard/storetest"
)

func openGroupTemp(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "posguard.db"), storetest.NewSealer())
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// groupHarness runs the shared group-commit tests on SQLite: the committer
// is stalled by holding the only writer connection, and durability is
// checked from a connection of the test's own.
var groupHarness = groupcommittest.Harness{
	Open:      func(t *testing.T) posguard.Store { return openGroupTemp(t) },
	Committer: func(s posguard.Store) groupcommittest.Counters { return s.(*Store).group },
	Stall: func(t *testing.T, ps posguard.Store) (func() bool, func()) {
		s := ps.(*Store)
		hold, err := s.write.Conn(context.Background()) // the only writer connection
		if err != nil {
			t.Fatal(err)
		}
		waits := s.write.Stats().WaitCount
		taken := func() bool { return s.write.Stats().WaitCount != waits }
		return taken, func() { hold.Close() }
	},
	Committed: func(t *testing.T, ps posguard.Store) (func(context.Context, int64) error, func()) {
		other, err := sql.Open("sqlite", dsn(ps.(*Store).Path(), true))
		if err != nil {
			t.Fatal(err)
		}
		check := func(ctx context.Context, id int64) error {
			var state string
			return other.QueryRowContext(ctx, `SELECT state FROM transactions WHERE id = ?`, id).Scan(&state)
		}
		return check, func() { other.Close() }
	},
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
	storetest.Run(t, func(t *testing.T) posguard.Store {
		s, err := Open(filepath.Join(t.TempDir(), "posguard.db"), storetest.NewSealer())
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		s.SetGroupCommit(false)
		return s
	}, storetest.JournalOnly())
}
