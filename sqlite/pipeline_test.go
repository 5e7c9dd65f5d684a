package sqlite

import (
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/internal/groupcommit/groupcommittest"
)

// TestCleanWriteFailureReruns makes one insert fail inside SQLite after its
// transaction row is written (a trigger refuses its event) in the middle of
// a batch of savepoint-free writes: the committer must run the batch again
// with savepoints, so the failing insert leaves no row while the writes
// around it are committed once.
func TestCleanWriteFailureReruns(t *testing.T) {
	ctx, s := t.Context(), openGroupTemp(t)
	if _, err := s.write.ExecContext(ctx, `CREATE TRIGGER test_boom BEFORE INSERT ON txn_events
		WHEN NEW.reason = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); END`); err != nil {
		t.Fatal(err)
	}
	a := groupcommittest.Txn("000401")
	if err := s.Insert(ctx, a); err != nil {
		t.Fatal(err)
	}
	b, bad, c := groupcommittest.Txn("000402"), groupcommittest.Txn("000403"), groupcommittest.Txn("000404")
	bad.Reason = "boom"
	dup := groupcommittest.Txn("000402") // b's key: a refusal, which needs no rerun
	errs := groupcommittest.InOneBatch(t, groupHarness, s, []func() error{
		func() error { return s.Insert(ctx, b) },
		func() error {
			return s.Update(ctx, posguard.TxnUpdate{ID: a.ID, FromStates: []posguard.State{posguard.StateForwarded},
				State: posguard.StateApproved, ResponseCode: "00", Detail: map[string]string{"k": "v"}})
		},
		func() error { return s.Insert(ctx, bad) },
		func() error { return s.Insert(ctx, dup) },
		func() error { return s.Insert(ctx, c) },
	})
	// b and dup share a key: whichever the committer takes first is
	// journaled, the other is refused.
	for _, i := range []int{1, 4} {
		if errs[i] != nil {
			t.Errorf("write %d: %v", i, errs[i])
		}
	}
	if errs[2] == nil {
		t.Fatal("the insert whose event the trigger refuses succeeded")
	}
	winner, loser := b, errs[3]
	if errs[0] != nil {
		winner, loser = dup, errs[0]
		if errs[3] != nil {
			t.Errorf("both inserts of one key failed: %v, %v", errs[0], errs[3])
		}
	}
	if posguard.ErrorCode(loser) != posguard.ECONFLICT {
		t.Errorf("second insert of one key: %v, want a conflict", loser)
	}
	if got, err := s.ByKey(ctx, winner.TxnKey); err != nil || got.ID != winner.ID {
		t.Errorf("the key's insert: %v, %v", got, err)
	}
	if _, err := s.ByKey(ctx, bad.TxnKey); posguard.ErrorCode(err) != posguard.ENOTFOUND {
		t.Errorf("the failed insert left its row: %v", err)
	}
	got, err := s.ByID(ctx, a.ID)
	if err != nil || got.State != posguard.StateApproved || got.Detail["k"] != "v" {
		t.Fatalf("update of a: %+v, %v", got, err)
	}
	if events, err := s.Events(ctx, a.ID); err != nil || len(events) != 2 {
		t.Errorf("a has %d events (%v), want 2: the rerun must not write twice", len(events), err)
	}
	if got, err := s.ByKey(ctx, c.TxnKey); err != nil || got.ID != c.ID {
		t.Errorf("insert %s: %v, %v", c.STAN, got, err)
	}
}
